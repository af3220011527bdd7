package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
)

// insertRun stores a run of schedule (0: ad-hoc) for the Telegram user tgID
// and returns its id.
func (tb *testBundle) insertRun(t *testing.T, tgID int64, jobType string, schedule int32, status string, result any, errText *string) int64 {
	t.Helper()
	var res []byte
	if result != nil {
		var err error
		res, err = json.Marshal(result)
		require.NoError(t, err)
	}
	var job *int32
	if schedule != 0 {
		job = &schedule
	}
	var id int64
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, result, error)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, jobType, job, tb.dbUser(t, tgID).ID, status, res, errText).Scan(&id))
	return id
}

// TestWhy: /why RUN_ID prints an alert run's trace for its owner; anyone
// else's run, or none, is "no such run".
func TestWhy(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)
	tb.say(t, u, "/alert AAPL > 150 1h")
	s := tb.schedules(t, u)[0]

	// The result as the alert worker stores it: the evaluation's trace
	// after a trigger 5 minutes ago, now within the cooldown.
	cfg, err := alerts.Parse(s.TaskParams)
	require.NoError(t, err)
	cfg.Rearm = &alerts.Rearm{Type: alerts.RearmCooldown, Cooldown: 3600}
	at := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	series := bars.Series{{Time: at, Open: 150, High: 152, Low: 149, Close: 151, Volume: 1}}
	now := at.Add(10 * time.Minute)
	ev, err := cfg.EvaluateWith(alerts.Input{Series: series, Now: now, Trace: true})
	require.NoError(t, err)
	last := now.Add(-5 * time.Minute)
	prev := alerts.State{Version: 1, Status: alerts.StatusCooldown, LastTriggeredAt: &last, LastTriggerBar: &at, TriggerCount: 1}
	d := cfg.Step(prev, ev, now)
	require.False(t, d.Fire)
	tr := cfg.Explain(prev, ev, d, now)
	run := tb.insertRun(t, u, "alert", s.ID, "COMPLETED", map[string]any{"symbol": "AAPL", "timeframe": "1h", "fired": false, "trace": tr}, nil)

	reply := tb.say(t, u, fmt.Sprintf("/why %d", run))
	require.Equal(t, fmt.Sprintf("Run %d of #%d — AAPL 1h — COMPLETED\n", run, s.ID)+
		"Rule on the bar of 2026-11-27 14:00 UTC (evaluated 14:10 UTC): true\n"+
		"✓ close = 151.00 > 150  [main]\n"+
		"Rearm: cooldown 3600s; frequency once_per_bar\n"+
		"State: COOLDOWN → COOLDOWN\n"+
		"Why: condition true but cooldown until 15:05 UTC (last fired 14:05 UTC)\n"+
		"Next: cooldown: armed again at 15:05 UTC", reply)
	require.Equal(t, reply, tb.say(t, u, fmt.Sprintf("/why #%d", run)))

	// Another user's run, and no run at all, are the same "no such run".
	noSuch := tb.say(t, other, fmt.Sprintf("/why %d", run))
	require.True(t, strings.HasPrefix(noSuch, fmt.Sprintf("No such run: %d is not one of your runs.", run)), noSuch)
	require.NotContains(t, noSuch, "AAPL")
	require.True(t, strings.HasPrefix(tb.say(t, u, "/why 999999"), "No such run: 999999 is not one of your runs."))

	// Runs without a trace say why.
	report := tb.insertRun(t, u, "report", 0, "COMPLETED", map[string]any{"report_type": "daily_summary"}, nil)
	require.Equal(t, fmt.Sprintf("Run %d is a report run: /why explains alert runs.", report), tb.say(t, u, fmt.Sprintf("/why %d", report)))
	pending := tb.insertRun(t, u, "alert", s.ID, "PENDING", nil, nil)
	require.Equal(t, fmt.Sprintf("Run %d of #%d (PENDING) has no trace to show yet: it has not been evaluated. Try again in a moment.", pending, s.ID),
		tb.say(t, u, fmt.Sprintf("/why %d", pending)))
	failed := tb.insertRun(t, u, "alert", s.ID, "FAILED", nil, ptrString("market data unavailable: timeout\nstack"))
	require.Equal(t, fmt.Sprintf("Run %d of #%d (FAILED) has no trace to show: market data unavailable: timeout.", failed, s.ID),
		tb.say(t, u, fmt.Sprintf("/why %d", failed)))
	backtest := tb.insertRun(t, u, "alert", 0, "COMPLETED", map[string]any{"count": 3}, nil)
	require.Contains(t, tb.say(t, u, fmt.Sprintf("/why %d", backtest)), "it is a backtest or an evaluation from the API")

	// Bad input is a usage reply.
	bad := tb.say(t, u, "/why abc")
	require.Contains(t, bad, `"abc" is not an id: ids are positive whole numbers, as /runs shows them.`)
	require.Contains(t, bad, "/why RUN_ID")
	require.Contains(t, tb.say(t, u, "/why"), "/why takes one id.")
	require.Contains(t, tb.say(t, u, "/help"), "/why RUN_ID")
}

func ptrString(s string) *string { return &s }
