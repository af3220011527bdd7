package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An alert schedule's page shows its state, the explanation of each run,
// the chart of its symbol (a PNG that changes when a fire is recorded) and
// the rule's backtest; another user's alert is a 404 on every one of them.
func TestAlertDetail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, bob := b.user("ann", false), b.user("bob", false)
	id := b.alert(ann, "AAPL above 1")
	br := b.browser().login(ann)

	p := br.get(path("/console/schedules/%d", id))
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, `id="alert-state"`, path(`src="/console/schedules/%d/chart.png"`, id), `id="backtest-form"`)
	before := br.get(path("/console/schedules/%d/chart.png", id))
	require.Equal(t, http.StatusOK, before.status, before.body)
	require.Equal(t, "image/png", before.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(before.body, "\x89PNG"))

	bar := time.Now().UTC().Truncate(time.Minute).Add(-5 * time.Minute)
	result, _ := json.Marshal(map[string]any{"trace": map[string]any{"condition": "close > 1", "bar_time": bar, "at": bar.Add(time.Minute),
		"outcome": "true", "rearm": "none (edge-triggered)", "fired": true, "why": "condition became true"}})
	b.exec(`INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for, result) VALUES ('alert', $1, $2, 'COMPLETED', $3, $4)`,
		id, ann.id, bar.Add(time.Minute), result)
	p = br.get(path("/console/schedules/%d", id))
	contains(t, p, `id="explain"`, "condition became true", "<code>close &gt; 1</code>", "none (edge-triggered)")
	after := br.get(path("/console/schedules/%d/chart.png", id))
	require.Equal(t, http.StatusOK, after.status)
	require.NotEqual(t, before.body, after.body, "the fire is marked on the chart")

	p = br.get(path("/console/schedules/%d/backtest?days=1", id))
	require.Equal(t, http.StatusOK, p.status, p.body)
	contains(t, p, `id="backtest-summary"`, "triggers on", `src="data:image/png;base64,`, `id="per-week"`)
	for _, q := range []string{"0", "x", "366"} {
		p := br.get(path("/console/schedules/%d/backtest?days=%s", id, q))
		require.Equal(t, http.StatusBadRequest, p.status, q)
		contains(t, p, "days: a whole number of days from 1 to 365")
	}

	plain := b.schedule(ann, "not an alert", "0 9 * * *")
	for _, pth := range []string{"/console/schedules/%d/chart.png", "/console/schedules/%d/backtest"} {
		require.Equal(t, http.StatusNotFound, br.get(path(pth, plain)).status, pth)
	}
	bobb := b.browser().login(bob)
	for _, pth := range []string{"/console/schedules/%d", "/console/schedules/%d/chart.png", "/console/schedules/%d/backtest?days=1"} {
		p := bobb.get(path(pth, id))
		require.Equal(t, http.StatusNotFound, p.status, pth)
		require.NotContains(t, p.body, "AAPL above 1")
	}
}
