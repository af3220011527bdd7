package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Another user's schedule, run (and its artifacts), portfolio or screener
// set is not found, on every endpoint with an id or name, and is left
// untouched; an admin reaches schedules and runs (portfolios and screener
// sets are their owner's alone).
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
	b.artifact(rid, "chart.png", 100)
	pid := b.portfolio(a, "mine", map[string]any{"symbol": "AAPL", "quantity": 1, "cost_basis": 100})
	pf := fmt.Sprintf("/api/portfolios/%d", pid)
	b.must(http.StatusOK, b.do(http.MethodPut, "/api/screener-sets/mine", a.token, map[string]any{"symbols": []string{"AAPL"}}))

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
		{http.MethodGet, fmt.Sprintf("/api/runs/%d/artifacts", rid), nil, nil},
		{http.MethodGet, fmt.Sprintf("/api/runs/%d/artifacts/chart.png", rid), nil, nil},
		{http.MethodGet, pf, nil, nil},
		{http.MethodDelete, pf, nil, nil},
		{http.MethodPut, pf + "/holdings/AAPL", map[string]any{"quantity": 2, "cost_basis": 1}, nil},
		{http.MethodDelete, pf + "/holdings/AAPL", nil, nil},
		{http.MethodGet, "/api/screener-sets/mine", nil, nil},
		{http.MethodDelete, "/api/screener-sets/mine", nil, nil},
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
	require.Equal(t, float64(1), b.must(http.StatusOK, b.do(http.MethodGet, pf, a.token, nil))["holdings"].([]any)[0].(map[string]any)["quantity"])
	b.must(http.StatusOK, b.do(http.MethodGet, "/api/screener-sets/mine", a.token, nil))
	require.Equal(t, 0, b.count("SELECT count(*) FROM audit_log WHERE actor_user_id = $1", other.id))
	// Lists and stats do not show it either.
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", other.token, nil))["items"])
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/portfolios", other.token, nil))["items"])
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/screener-sets", other.token, nil))["items"])
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs?schedule_id=%d", sid), other.token, nil))["items"])
	require.Equal(t, float64(0), b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs/stats", other.token, nil))["total"])

	// An admin reaches everything.
	b.must(http.StatusOK, b.do(http.MethodGet, s, admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodGet, s+"/preview", admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", rid), admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d/artifacts", rid), admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodPost, s+"/pause", admin.token, nil))
	b.must(http.StatusOK, b.do(http.MethodPost, s+"/resume", admin.token, nil))
	b.must(http.StatusAccepted, b.do(http.MethodPost, s+"/trigger", admin.token, map[string]any{"force": true}))
	b.must(http.StatusOK, b.do(http.MethodDelete, fmt.Sprintf("/api/runs/%d", rid), admin.token, nil))
	b.must(http.StatusNoContent, b.do(http.MethodDelete, s, admin.token, nil))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.delete' AND actor_user_id = $1", admin.id))
}
