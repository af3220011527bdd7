package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

// backtestFiles writes an alert config (close > 100 on AAPL 1h, edge
// triggered) and a day of hourly bars that cross 100 twice, at 03:00 and
// 09:00 on Monday 2026-01-05; it returns their paths.
func backtestFiles(t *testing.T) (configPath, csvPath, dir string) {
	t.Helper()
	dir = t.TempDir()
	configPath = filepath.Join(dir, "alert.json")
	require.NoError(t, os.WriteFile(configPath, []byte(`{"ticker": "AAPL", "timeframe": "1h",
		"rule": {"indicator": "close", "operator": ">", "value": 100}}`), 0o600))
	closes := []float64{98, 99, 99.5, 101, 102, 103, 99, 98, 97, 100.5, 101, 99}
	var sb strings.Builder
	sb.WriteString("time,open,high,low,close,volume\n")
	for i, c := range closes {
		fmt.Fprintf(&sb, "2026-01-05T%02d:00:00Z,%v,%v,%v,%v,1000\n", i, c, c, c, c)
	}
	csvPath = filepath.Join(dir, "AAPL_1h.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte(sb.String()), 0o600))
	return configPath, csvPath, dir
}

// backtestJSON is the CLI's --json answer.
type backtestJSON struct {
	Symbol        string `json:"symbol"`
	Timeframe     string `json:"timeframe"`
	BarsEvaluated int    `json:"bars_evaluated"`
	Count         int    `json:"count"`
	Triggers      []struct {
		Time   string             `json:"time"`
		Price  float64            `json:"price"`
		Values map[string]float64 `json:"values"`
	} `json:"triggers"`
	PerWeek []struct {
		Week  string `json:"week"`
		Count int    `json:"count"`
	} `json:"per_week"`
	Chart string `json:"chart"`
}

func TestAlertsBacktestCSVFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfgPath, csvPath, dir := backtestFiles(t)
	chart := filepath.Join(dir, "chart.png")

	out, errOut, code := vigil(ctx, t, nil, "alerts", "backtest", "--config", cfgPath, "--csv", csvPath,
		"--from", "2026-01-05", "--to", "2026-01-06", "--json", "--chart", chart)
	require.Zero(t, code, errOut)
	var ans backtestJSON
	require.NoError(t, json.Unmarshal([]byte(out), &ans), out)
	require.Equal(t, "AAPL", ans.Symbol)
	require.Equal(t, "1h", ans.Timeframe)
	require.Equal(t, 12, ans.BarsEvaluated)
	require.Equal(t, 2, ans.Count)
	require.Len(t, ans.Triggers, 2)
	require.Equal(t, "2026-01-05T03:00:00Z", ans.Triggers[0].Time)
	require.Equal(t, 101.0, ans.Triggers[0].Price)
	require.Equal(t, map[string]float64{"close": 101}, ans.Triggers[0].Values)
	require.Equal(t, "2026-01-05T09:00:00Z", ans.Triggers[1].Time)
	require.Len(t, ans.PerWeek, 1)
	require.Equal(t, "2026-01-05", ans.PerWeek[0].Week)
	require.Equal(t, 2, ans.PerWeek[0].Count)
	require.Equal(t, chart, ans.Chart)
	raw, err := os.ReadFile(chart)
	require.NoError(t, err)
	_, err = png.Decode(bytes.NewReader(raw))
	require.NoError(t, err)

	// The human summary, with RFC 3339 dates.
	out, errOut, code = vigil(ctx, t, nil, "alerts", "backtest", "--config", cfgPath, "--csv", csvPath,
		"--from", "2026-01-05T00:00:00Z", "--to", "2026-01-05T06:00:00Z")
	require.Zero(t, code, errOut)
	require.Contains(t, out, "AAPL 1h: close > 100")
	require.Contains(t, out, "6 bars evaluated, 1 triggers")
	require.Contains(t, out, "2026-01-05T03:00:00Z  101  close=101")
	require.Contains(t, out, "2026-01-05    1  #")
}

func TestAlertsBacktestBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfgPath, csvPath, dir := backtestFiles(t)
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"symbol": "AAPL", "condition": "price_sideways", "threshold": 1}`), 0o600))
	badRule := filepath.Join(dir, "bad-rule.json")
	require.NoError(t, os.WriteFile(badRule, []byte(`{"ticker": "AAPL", "rule": {"indicator": "rsx", "operator": ">", "value": 1}}`), 0o600))
	minutes := filepath.Join(dir, "minutes.json")
	require.NoError(t, os.WriteFile(minutes, []byte(`{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "timeframe": "1m"}`), 0o600))
	base := []string{"alerts", "backtest", "--config", cfgPath, "--csv", csvPath}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"FromAfterTo", append(base, "--from", "2026-01-06", "--to", "2026-01-05"), "--from: must be before --to"},
		{"BadDate", append(base, "--from", "yesterday"), `--from: "yesterday" is neither RFC 3339`},
		{"NoData", append(base, "--from", "2020-01-01", "--to", "2020-02-01"), "--from/--to: no AAPL 1h bars"},
		{"TooManyBars", []string{"alerts", "backtest", "--config", minutes, "--from", "2020-01-01", "--to", "2024-01-01"}, "more than 1000000 1m bars"},
		{"MissingCSV", []string{"alerts", "backtest", "--config", cfgPath, "--csv", filepath.Join(dir, "nope.csv"), "--from", "2026-01-05"}, "--csv:"},
		{"BadConfig", []string{"alerts", "backtest", "--config", bad, "--csv", csvPath}, "/condition"},
		{"BadRule", []string{"alerts", "backtest", "--config", badRule, "--csv", csvPath}, "/rule/indicator"},
		{"MissingConfig", []string{"alerts", "backtest", "--config", filepath.Join(dir, "none.json")}, "--config:"},
		{"Neither", []string{"alerts", "backtest"}, "--config FILE or --schedule ID is required"},
		{"Both", []string{"alerts", "backtest", "--config", cfgPath, "--schedule", "3"}, "give one, not both"},
		{"UserWithoutSchedule", append(base, "--user", "3"), "--user: only with --schedule"},
		{"UnknownAction", []string{"alerts", "fly"}, `unknown action "fly"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := vigil(ctx, t, nil, tt.args...)
			require.Equal(t, 1, code, errOut)
			require.Contains(t, errOut, tt.want)
		})
	}
}

// VIGIL_MARKET_DATA_PROVIDER=csv replays the CSV directory (this test sets
// the environment, so it does not run in parallel).
func TestAlertsBacktestCSVProvider(t *testing.T) {
	ctx := context.Background()
	cfgPath, _, dir := backtestFiles(t)
	env := map[string]string{"VIGIL_MARKET_DATA_PROVIDER": "csv", "VIGIL_MARKET_DATA_CSV_DIR": dir}
	out, errOut, code := vigil(ctx, t, env, "alerts", "backtest", "--config", cfgPath, "--from", "2026-01-05", "--to", "2026-01-06", "--json")
	require.Zero(t, code, errOut)
	var ans backtestJSON
	require.NoError(t, json.Unmarshal([]byte(out), &ans), out)
	require.Equal(t, 2, ans.Count)
	require.Equal(t, 12, ans.BarsEvaluated)

	// A symbol the directory has no file for.
	other := filepath.Join(t.TempDir(), "msft.json")
	require.NoError(t, os.WriteFile(other, []byte(`{"symbol": "MSFT", "condition": "price_above", "threshold": 1}`), 0o600))
	_, errOut, code = vigil(ctx, t, env, "alerts", "backtest", "--config", other, "--from", "2026-01-05", "--to", "2026-01-06")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--config: unknown symbol MSFT")
}

// --schedule reads an alert from the database; --user scopes it to that
// user's own schedules.
func TestAlertsBacktestSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	_, csvPath, _ := backtestFiles(t)
	var ann, bob, sid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('ann', 'verified') RETURNING id").Scan(&ann))
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('bob', 'verified') RETURNING id").Scan(&bob))
	require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, timezone)
		VALUES ($1, 'a', 'alert', 'AAPL', '{"ticker": "AAPL", "timeframe": "1h", "rule": {"indicator": "close", "operator": ">", "value": 100}}', '0 * * * *', 'UTC')
		RETURNING id`, ann).Scan(&sid))
	args := func(extra ...string) []string {
		return append([]string{"alerts", "backtest", "--database-url", d.URL, "--schedule", fmt.Sprint(sid), "--csv", csvPath,
			"--from", "2026-01-05", "--to", "2026-01-06", "--json"}, extra...)
	}

	for _, as := range [][]string{nil, {"--user", fmt.Sprint(ann)}} {
		out, errOut, code := vigil(ctx, t, nil, args(as...)...)
		require.Zero(t, code, errOut)
		var ans backtestJSON
		require.NoError(t, json.Unmarshal([]byte(out), &ans), out)
		require.Equal(t, 2, ans.Count)
	}

	_, errOut, code := vigil(ctx, t, nil, args("--user", fmt.Sprint(bob))...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, fmt.Sprintf("--schedule: schedule %d not found among user %d's schedules", sid, bob))
	_, errOut, code = vigil(ctx, t, nil, "alerts", "backtest", "--database-url", d.URL, "--schedule", "999999", "--csv", csvPath)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--schedule: schedule 999999 not found")
	_, errOut, code = vigil(ctx, t, nil, args("--user", "999999")...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--user: user 999999 does not exist")
}
