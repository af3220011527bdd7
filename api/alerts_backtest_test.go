package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// backtestKeys are the answer's keys, exactly the shape.
var backtestKeys = []string{"bars_evaluated", "chart", "count", "per_week", "symbol", "timeframe", "triggers"}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A config backtest: the answer's shape, the run it is recorded as, its
// chart artifact, owner scoping and the audit row.
func TestBacktestAlertConfig(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	bob := b.user("bob", userOpts{})

	// A simple re-arm fires on every bar where close > 1: every bar of a
	// week of hourly synthetic bars.
	to := time.Now().UTC().Truncate(time.Hour).Add(-24 * time.Hour)
	from := to.Add(-7 * 24 * time.Hour)
	r := b.do(http.MethodPost, "/api/alerts/backtest", alice.token, map[string]any{
		"config": map[string]any{"ticker": "AAPL", "timeframe": "1h",
			"rule":  map[string]any{"indicator": "close", "operator": ">", "value": 1},
			"rearm": map[string]any{"type": "simple"}},
		"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)})
	body := b.must(http.StatusCreated, r)
	require.Equal(t, backtestKeys, keys(body))
	require.Equal(t, "AAPL", body["symbol"])
	require.Equal(t, "1h", body["timeframe"])
	require.EqualValues(t, 7*24, body["bars_evaluated"])
	require.EqualValues(t, 7*24, body["count"])
	triggers := body["triggers"].([]any)
	require.Len(t, triggers, 7*24)
	first := triggers[0].(map[string]any)
	require.Equal(t, from.Format(time.RFC3339), first["time"], "a trigger's time is its bar's open time")
	values := first["values"].(map[string]any)
	require.Equal(t, first["price"], values["close"], "price is the close")
	weekSum := 0.0
	for _, w := range body["per_week"].([]any) {
		wk := w.(map[string]any)
		day, err := time.Parse(time.DateOnly, wk["week"].(string))
		require.NoError(t, err)
		require.Equal(t, time.Monday, day.Weekday())
		weekSum += wk["count"].(float64)
	}
	require.EqualValues(t, 7*24, weekSum)

	// Recorded as the caller's ad-hoc run; the chart is its artifact.
	loc := r.header.Get("Location")
	run := b.must(http.StatusOK, b.do(http.MethodGet, loc, alice.token, nil))
	require.Equal(t, "adhoc", run["trigger"])
	require.Equal(t, "COMPLETED", run["status"])
	require.Nil(t, run["schedule_id"])
	require.Equal(t, "alert", run["job_type"])
	result := run["result"].(map[string]any)
	require.Equal(t, body["chart"], result["chart"])
	require.Equal(t, body["count"], result["count"])

	chart := body["chart"].(string)
	require.Equal(t, fmt.Sprintf("%s/artifacts/AAPL-1h-backtest.png", loc), chart)
	img := b.do(http.MethodGet, chart, alice.token, nil)
	require.Equal(t, http.StatusOK, img.status)
	require.Equal(t, "image/png", img.header.Get("Content-Type"))
	_, err := png.Decode(bytes.NewReader(img.raw))
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, chart, bob.token, nil).status, "another user's chart")
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, loc, bob.token, nil).status)

	require.Equal(t, 1, b.audits("alert.backtest"))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'alert.backtest' AND actor_user_id = $1 AND source = 'api'`, alice.id))

	// The short form with the default range: the 90 days up to now.
	r = b.do(http.MethodPost, "/api/alerts/backtest", alice.token, map[string]any{
		"config": map[string]any{"symbol": "MSFT", "condition": "rsi_overbought", "threshold": 60}})
	body = b.must(http.StatusCreated, r)
	require.Equal(t, "1d", body["timeframe"])
	require.EqualValues(t, 90, body["bars_evaluated"], "90 daily bars, each with its warm-up history")
	require.Equal(t, 2, b.audits("alert.backtest"))
}

// A schedule backtest is scoped to the caller's own alerts.
func TestBacktestAlertSchedule(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	bob := b.user("bob", userOpts{})
	id := b.schedule(alice, map[string]any{"name": "rsi", "job_type": "alert", "target": "AAPL", "cron": "0 * * * *",
		"task_params": map[string]any{"ticker": "AAPL", "timeframe": "1h",
			"rule": map[string]any{"operator": "and", "conditions": []any{
				map[string]any{"indicator": "rsi", "operator": ">", "value": 60},
				map[string]any{"indicator": "price", "operator": ">", "value": 1}}},
			"rearm": map[string]any{"type": "hysteresis", "threshold": 0.1}}})

	body := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/alerts/backtest", alice.token, map[string]any{"schedule_id": id}))
	require.Equal(t, backtestKeys, keys(body))
	require.EqualValues(t, 90*24, body["bars_evaluated"])
	require.Greater(t, body["count"].(float64), 0.0)
	require.Less(t, body["count"].(float64), 90*24.0/10, "hysteresis keeps it from firing on most bars")
	var snap struct {
		ScheduleID int64 `json:"schedule_id"`
	}
	raw := []byte(nil)
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT job_snapshot FROM job_schedule_runs WHERE trigger = 'adhoc'`).Scan(&raw))
	require.NoError(t, json.Unmarshal(raw, &snap))
	require.Equal(t, id, snap.ScheduleID)

	// Another user's alert, or none: 404, and nothing recorded.
	r := b.do(http.MethodPost, "/api/alerts/backtest", bob.token, map[string]any{"schedule_id": id})
	require.Equal(t, http.StatusNotFound, r.status, string(r.raw))
	r = b.do(http.MethodPost, "/api/alerts/backtest", alice.token, map[string]any{"schedule_id": id + 100})
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, 1, b.audits("alert.backtest"))

	// A schedule that is not an alert.
	report := b.schedule(alice, reportSchedule("0 8 * * *"))
	r = b.do(http.MethodPost, "/api/alerts/backtest", alice.token, map[string]any{"schedule_id": report})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.schedule_id"}, r.errLocations(t))
}

// Bad input is a 422 naming the field; nothing is recorded.
func TestBacktestAlertBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	cfg := map[string]any{"symbol": "AAPL", "condition": "price_above", "threshold": 1}
	minutes := map[string]any{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "timeframe": "1m"}
	now := time.Now().UTC()
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.RFC3339) }
	for _, tt := range []struct {
		name     string
		body     map[string]any
		location string
	}{
		{"FromAfterTo", map[string]any{"config": cfg, "from": day(-1), "to": day(-2)}, "body.from"},
		{"FromEqualsTo", map[string]any{"config": cfg, "from": day(-1), "to": day(-1)}, "body.from"},
		{"MoreThanAMillionBars", map[string]any{"config": minutes, "from": day(-800), "to": day(-1)}, "body.from"},
		{"NoDataInRange", map[string]any{"config": cfg, "from": day(10), "to": day(20)}, "body.from"},
		{"BadConfig", map[string]any{"config": map[string]any{"symbol": "AAPL", "condition": "price_sideways", "threshold": 1}}, "body.config.condition"},
		{"BadRule", map[string]any{"config": map[string]any{"ticker": "AAPL", "timeframe": "1h",
			"rule": map[string]any{"indicator": "rsx", "operator": ">", "value": 70}}}, "body.config.rule.indicator"},
		{"Neither", map[string]any{"from": day(-2)}, "body.config"},
		{"Both", map[string]any{"config": cfg, "schedule_id": 1}, "body.schedule_id"},
		{"BadTime", map[string]any{"config": cfg, "from": "yesterday"}, "body.from"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := b.do(http.MethodPost, "/api/alerts/backtest", alice.token, tt.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
			require.Contains(t, r.errLocations(t), tt.location, string(r.raw))
		})
	}
	require.Zero(t, b.audits("alert.backtest"))
	require.Zero(t, b.count(`SELECT count(*) FROM job_schedule_runs`))
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodPost, "/api/alerts/backtest", "", map[string]any{"config": cfg}).status)
}
