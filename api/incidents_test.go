package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// openIncidents inserts n incidents; every other one resolved.
func (b *bundle) openIncidents(n int) {
	b.t.Helper()
	now := time.Now()
	for i := range n {
		var resolved *time.Time
		if i%2 == 1 {
			r := now.Add(time.Minute)
			resolved = &r
		}
		b.exec(`INSERT INTO incidents (kind, subject, opened_at, resolved_at, last_seen, count, details)
			VALUES ('job_failed', $1, $2, $3, $2, 3, jsonb_build_object('summary', 'report runs are failing'))`,
			fmt.Sprintf("report: boom %d", i), now, resolved)
	}
}

func TestIncidentsList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.user("root", userOpts{admin: true})
	b.openIncidents(7) // 4 open, 3 resolved

	list := func(query string) ([]map[string]any, string) {
		m := b.must(http.StatusOK, b.do(http.MethodGet, "/api/incidents"+query, admin.token, nil))
		var out []map[string]any
		for _, it := range m["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		next, _ := m["next_cursor"].(string)
		return out, next
	}
	open, _ := list("")
	require.Len(t, open, 4, "open by default")
	for _, in := range open {
		require.Equal(t, "open", in["state"])
		require.Nil(t, in["resolved_at"])
		require.Equal(t, "report runs are failing", in["summary"])
		require.Equal(t, "job_failed", in["kind"])
		require.EqualValues(t, 3, in["count"])
	}
	resolved, _ := list("?state=resolved")
	require.Len(t, resolved, 3)
	for _, in := range resolved {
		require.Equal(t, "resolved", in["state"])
		require.NotNil(t, in["resolved_at"])
	}

	// Cursor pagination walks every row once, newest first.
	var ids []float64
	cursor := ""
	for range 10 {
		page, next := list("?state=all&limit=3&cursor=" + cursor)
		for _, in := range page {
			ids = append(ids, in["id"].(float64))
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []float64{7, 6, 5, 4, 3, 2, 1}, ids)
}

func TestIncidentsAdminsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	user := b.user("ann", userOpts{})
	b.openIncidents(2)

	r := b.do(http.MethodGet, "/api/incidents", user.token, nil)
	require.Equal(t, http.StatusForbidden, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "only admins may list incidents")
	require.Contains(t, r.header.Get("Content-Type"), "application/problem+json")
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodGet, "/api/incidents", "", nil).status)
}

func TestIncidentsBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.user("root", userOpts{admin: true})

	r := b.do(http.MethodGet, "/api/incidents?state=closed", admin.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"query.state"}, r.errLocations(t))

	r = b.do(http.MethodGet, "/api/incidents?limit=0", admin.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"query.limit"}, r.errLocations(t))

	r = b.do(http.MethodGet, "/api/incidents?cursor=nope", admin.token, nil)
	require.Equal(t, http.StatusBadRequest, r.status, string(r.raw))
	require.Equal(t, []string{"query.cursor"}, r.errLocations(t))
}
