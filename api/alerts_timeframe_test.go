package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An operand on a longer timeframe works through every entry point (a
// schedule, an evaluation now, a backtest); one on a shorter timeframe than
// the alert's is a 422 naming the operand's timeframe.
func TestAlertOperandTimeframe(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	config := func(tf string) map[string]any {
		return map[string]any{"ticker": "AAPL", "timeframe": "1h",
			"rule":   map[string]any{"indicator": "close", "operator": ">", "right": map[string]any{"indicator": "sma", "period": 20, "timeframe": tf}},
			"rearm":  map[string]any{"type": "simple"},
			"notify": map[string]any{"channels": []string{"telegram"}}}
	}
	schedule := func(tf string) map[string]any {
		return map[string]any{"name": "mtf", "job_type": "alert", "target": "AAPL", "cron": "0 * * * *", "task_params": config(tf)}
	}

	r := b.do(http.MethodPost, "/api/schedules", alice.token, schedule("5m"))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.task_params/rule/right/timeframe"}, r.errLocations(t))
	require.Contains(t, string(r.raw), "5m is shorter than the alert's timeframe 1h: an operand may use the alert's timeframe or a longer one (e.g. 1d)")
	require.Equal(t, 0, b.count("SELECT count(*) FROM job_schedules"))
	created := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", alice.token, schedule("1d")))
	require.Equal(t, "1d", created["task_params"].(map[string]any)["rule"].(map[string]any)["right"].(map[string]any)["timeframe"])

	r = b.do(http.MethodPost, "/api/alerts/run", alice.token, config("30m"))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.task_params/rule/right/timeframe"}, r.errLocations(t))
	ev := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/alerts/run", alice.token, config("1d")))["evaluation"].(map[string]any)
	require.Contains(t, ev["details"], "sma(20,1d)", "the daily SMA has a value: its bars were fetched")
	require.Empty(t, ev["missing"])

	to := time.Now().UTC().Truncate(time.Hour).Add(-24 * time.Hour)
	from := to.Add(-10 * 24 * time.Hour)
	r = b.do(http.MethodPost, "/api/alerts/backtest", alice.token, map[string]any{"config": config("15m"),
		"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.config.rule.right.timeframe"}, r.errLocations(t))
	bt := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/alerts/backtest", alice.token, map[string]any{"config": config("1d"),
		"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}))
	require.EqualValues(t, 10*24, bt["bars_evaluated"], "every hour has the daily SMA: its warm-up was fetched before from")
	for _, tr := range bt["triggers"].([]any) {
		require.Contains(t, tr.(map[string]any)["values"], "sma(20,1d)")
	}
}
