package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/marketdata"
)

// handCSV is the CSV of the hand-computed sma_cross 2/3 backtest
// (backtests.TestHandComputedSMACross): with 1000 cash and 10 bps fees,
// trades 11.5 → 10.5 (86 units, −87.892), 12.5 → 12.8 (72, +19.7784) and
// 13.2 open (70, +55.076 at the last close); final equity 986.9624.
var handCSV = filepath.Join("..", "backtests", "testdata", "sma_cross.csv")

// csvMarket is a market-data manager of the csv provider serving TEST from
// handCSV.
func csvMarket(t *testing.T) *marketdata.Manager {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(handCSV)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "TEST_1d.csv"), data, 0o600))
	return marketdata.NewManager(marketdata.NewCSV(dir), nil, 0, nil)
}

func TestRunBacktest(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{market: csvMarket(t)})
	u := b.user("ann", userOpts{})
	body := map[string]any{"strategy": "sma_cross", "params": map[string]any{"fast": 2, "slow": 3}, "symbol": "test",
		"timeframe": "1d", "from": "2026-01-01", "to": "2026-01-20", "cash": 1000, "fee_bps": 10, "slippage_bps": 0}
	r := b.do(http.MethodPost, "/api/backtests", u.token, body)
	got := b.must(http.StatusOK, r)

	require.InDelta(t, 986.9624, got["final_equity"], 1e-8)
	require.InDelta(t, -1.30376, got["return_pct"], 1e-8)
	require.Equal(t, 0.5, got["win_rate"])
	require.Equal(t, 19.0, got["bars"])
	trades := got["trades"].([]any)
	require.Len(t, trades, 3)
	require.Equal(t, map[string]any{"entry_time": "2026-01-05T00:00:00Z", "entry_price": 11.5, "exit_time": "2026-01-09T00:00:00Z",
		"exit_price": 10.5, "quantity": 86.0, "pnl": -87.892, "fees": 1.892}, trades[0])
	last := trades[2].(map[string]any)
	require.Nil(t, last["exit_time"])
	require.Nil(t, last["exit_price"])
	require.Contains(t, last, "exit_price")

	// The same object as `vigil backtest --json` on the file itself.
	out, err := (&backtests.Runner{Validator: validator}).RunCSV(backtests.Request{Strategy: "sma_cross",
		Params: json.RawMessage(`{"fast":2,"slow":3}`), Symbol: "TEST", Cash: 1000, FeeBps: 10}, handCSV)
	require.NoError(t, err)
	cli, err := json.Marshal(out.Result)
	require.NoError(t, err)
	require.JSONEq(t, string(cli), string(r.raw))

	// Defaults: params from the schema (10/30: no cross in 19 bars), cash
	// 10000, the range up to the last closed bar.
	got = b.must(http.StatusOK, b.do(http.MethodPost, "/api/backtests", u.token, map[string]any{"strategy": "sma_cross", "symbol": "TEST",
		"from": "2026-01-01"}))
	require.Equal(t, 19.0, got["bars"])
	require.Equal(t, 10000.0, got["final_equity"])
	require.Equal(t, []any{}, got["trades"])
	require.Nil(t, got["profit_factor"])

	// No token.
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodPost, "/api/backtests", "", body).status)
}

func TestRunBacktestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{market: csvMarket(t)})
	u := b.user("ann", userOpts{})
	with := func(k string, v any) map[string]any {
		body := map[string]any{"strategy": "sma_cross", "params": map[string]any{"fast": 2, "slow": 3}, "symbol": "TEST",
			"from": "2026-01-01", "to": "2026-01-20"}
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
		return body
	}
	cases := []struct {
		name  string
		body  map[string]any
		where string
	}{
		{"unknown strategy", with("strategy", "moon"), "body.strategy"},
		{"param below minimum", with("params", map[string]any{"fast": 0, "slow": 3}), "body.params.fast"},
		{"fast not below slow", with("params", map[string]any{"fast": 4, "slow": 3}), "body.params.fast"},
		{"unknown param", with("params", map[string]any{"fats": 4}), "body.params.fats"},
		{"params not an object", with("params", []any{1}), "body.params"},
		{"symbol the provider lacks", with("symbol", "NOPE"), "body.symbol"},
		{"bad symbol", with("symbol", "A B"), "body.symbol"},
		{"bad timeframe", with("timeframe", "2d"), "body.timeframe"},
		{"bad from", with("from", "yesterday"), "body.from"},
		{"from after to", with("from", "2026-01-21"), "body.from"},
		{"no bars in range", with("from", "2026-01-19T00:00:01Z"), "body.from"},
		{"negative fee", with("fee_bps", -1), "body.fee_bps"},
		{"zero cash", with("cash", 0), "body.cash"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := b.do(http.MethodPost, "/api/backtests", u.token, tc.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
			require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
			require.Contains(t, r.errLocations(t), tc.where, string(r.raw))
		})
	}

	// A missing strategy: huma's problem names the property.
	r := b.do(http.MethodPost, "/api/backtests", u.token, with("strategy", nil))
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, string(r.raw), "expected required property strategy to be present")

	// The unknown strategy's message lists the known ones.
	r = b.do(http.MethodPost, "/api/backtests", u.token, with("strategy", "moon"))
	require.Contains(t, string(r.raw), `unknown strategy \"moon\": use one of sma_cross, rsi_reversion`)
}

// TestRunBacktestSynthetic runs on the default provider of setup: the
// synthetic one, January 2025's 31 daily bars.
func TestRunBacktestSynthetic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	got := b.must(http.StatusOK, b.do(http.MethodPost, "/api/backtests", u.token, map[string]any{"strategy": "rsi_reversion",
		"symbol": "AAPL", "from": "2025-01-01", "to": "2025-02-01", "fee_bps": 5, "slippage_bps": 2}))
	require.Equal(t, 31.0, got["bars"])
	require.Greater(t, got["final_equity"], 0.0)
}
