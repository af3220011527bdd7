package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAuditList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})
	s1 := b.schedule(u, notifySchedule(u.id, "0 9 * * *"))
	b.must(http.StatusOK, b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/pause", s1), u.token, nil))
	b.schedule(other, notifySchedule(other.id, "0 9 * * *"))
	// An admin deleting ann's schedule: ann sees it, as done to her things.
	b.must(http.StatusNoContent, b.do(http.MethodDelete, fmt.Sprintf("/api/schedules/%d", s1), admin.token, nil))

	type entry struct {
		ID, Actor, Owner float64
		Source, Action   string
		Entity, EntityID string
	}
	list := func(token, query string) ([]entry, string) {
		m := b.must(http.StatusOK, b.do(http.MethodGet, "/api/audit"+query, token, nil))
		var out []entry
		for _, it := range m["items"].([]any) {
			r := it.(map[string]any)
			e := entry{ID: r["id"].(float64), Source: r["source"].(string), Action: r["action"].(string),
				Entity: r["entity_type"].(string), EntityID: r["entity_id"].(string)}
			if a, ok := r["actor_user_id"].(float64); ok {
				e.Actor = a
			}
			if o, ok := r["owner_user_id"].(float64); ok {
				e.Owner = o
			}
			out = append(out, e)
		}
		next, _ := m["next_cursor"].(string)
		return out, next
	}
	sid := fmt.Sprint(s1)

	mine, _ := list(u.token, "?entity=schedule")
	var actions []string
	for _, e := range mine {
		require.Equal(t, "api", e.Source)
		require.Equal(t, float64(u.id), e.Owner, "only rows about ann's things or by ann")
		actions = append(actions, e.Action)
	}
	require.Equal(t, []string{"schedule.delete", "schedule.pause", "schedule.create"}, actions, "newest first")
	require.Equal(t, float64(admin.id), mine[0].Actor, "the admin did the delete")

	theirs, _ := list(other.token, "?entity=schedule")
	require.Len(t, theirs, 1, "bob sees only his own")

	all, _ := list(admin.token, "?entity=schedule")
	require.Len(t, all, 4, "an admin sees every row")

	byID, _ := list(admin.token, "?entity=schedule&entity_id="+sid+"&action=schedule.pause")
	require.Len(t, byID, 1)
	require.Equal(t, "schedule.pause", byID[0].Action)
	none, _ := list(admin.token, "?source=bot")
	require.Empty(t, none)
	future := url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))
	later, _ := list(admin.token, "?since="+future)
	require.Empty(t, later)
	before, _ := list(admin.token, "?entity=schedule&until="+future)
	require.Len(t, before, 4)

	// Cursor pagination walks every row exactly once.
	var seen []float64
	cursor := ""
	for range 10 {
		page, next := list(admin.token, "?entity=schedule&limit=3&cursor="+url.QueryEscape(cursor))
		for _, e := range page {
			seen = append(seen, e.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Len(t, seen, 4)
	for i := 1; i < len(seen); i++ {
		require.Greater(t, seen[i-1], seen[i])
	}

	bad := b.do(http.MethodGet, "/api/audit?source=telepathy", u.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, bad.status)
	require.Contains(t, bad.errLocations(t), "query.source")
	require.Equal(t, http.StatusBadRequest, b.do(http.MethodGet, "/api/audit?cursor=zzz", u.token, nil).status)
}
