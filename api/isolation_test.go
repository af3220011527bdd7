package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Another user's schedule or run is not found, on every endpoint with an id,
// and is left untouched; an admin reaches it.
func TestCrossUserIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})
	sid := b.schedule(a, notifySchedule(a.id, "0 * * * *"))
	rid := b.run(a, sid)
	s := fmt.Sprintf("/api/schedules/%d", sid)
	to := time.Now().Add(-time.Hour)

	for _, tc := range []struct {
		method, path string
		body         any
		header       []string
	}{
		{http.MethodGet, s, nil, nil},
		{http.MethodPut, s, notifySchedule(other.id, "0 * * * *"), []string{"If-Match", "*"}},
		{http.MethodDelete, s, nil, nil},
		{http.MethodPost, s + "/trigger", map[string]any{"force": true}, nil},
		{http.MethodPost, s + "/pause", map[string]any{"note": "mine now"}, nil},
		{http.MethodPost, s + "/resume", nil, nil},
		{http.MethodGet, s + "/preview?n=3", nil, nil},
		{http.MethodPost, s + "/backfill", map[string]any{"from": to.Add(-3 * time.Hour), "to": to}, nil},
		{http.MethodGet, fmt.Sprintf("/api/runs/%d", rid), nil, nil},
		{http.MethodDelete, fmt.Sprintf("/api/runs/%d", rid), nil, nil},
	} {
		r := b.do(tc.method, tc.path, other.token, tc.body, tc.header...)
		require.Equal(t, http.StatusNotFound, r.status, "%s %s: %s", tc.method, tc.path, r.raw)
		require.Contains(t, string(r.raw), "not found")
	}

	// Nothing changed.
	got := b.must(http.StatusOK, b.do(http.MethodGet, s, a.token, nil))
	require.Equal(t, true, got["enabled"])
	require.Equal(t, "ping", got["name"])
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedule_runs WHERE job_id = $1", sid))
	require.Equal(t, "PENDING", b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", rid), a.token, nil))["status"])
	require.Equal(t, 0, b.count("SELECT count(*) FROM audit_log WHERE actor_user_id = $1", other.id))
	// Lists and stats do not show it either.
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", other.token, nil))["items"])
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs?schedule_id=%d", sid), other.token, nil))["items"])
	require.Equal(t, float64(0), b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs/stats", other.token, nil))["total"])

	// An admin reaches everything.
	b.must(http.StatusOK, b.do(http.MethodGet, s, admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodGet, s+"/preview", admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", rid), admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodPost, s+"/pause", admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodPost, s+"/resume", admin.token, nil))
	b.must(http.StatusAccepted, b.do(http.MethodPost, s+"/trigger", admin.token, map[string]any{"force": true}))
	b.must(http.StatusOK, b.do(http.MethodDelete, fmt.Sprintf("/api/runs/%d", rid), admin.token, nil))
	b.must(http.StatusNoContent, b.do(http.MethodDelete, s, admin.token, nil))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.delete' AND actor_user_id = $1", admin.id))
}
