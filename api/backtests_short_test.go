package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/marketdata"
)

// allow_short runs the hand-computed short round trips of
// trading.TestShortCSVBacktest: a short 8.5 → 7.5 of 117 units (+115.128),
// a long, and a short still open; final equity 1348.5092.
func TestRunBacktestAllowShort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "trading", "testdata", "short_cross.csv"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "TEST_1d.csv"), data, 0o600))
	b := setup(t, setupOpts{market: marketdata.NewManager(marketdata.NewCSV(dir), nil, 0, nil)})
	u := b.user("ann", userOpts{})
	body := map[string]any{"strategy": "sma_cross", "params": map[string]any{"fast": 2, "slow": 3}, "symbol": "test",
		"from": "2026-01-01", "to": "2026-01-16", "cash": 1000, "fee_bps": 10, "allow_short": true}
	got := b.must(http.StatusOK, b.do(http.MethodPost, "/api/backtests", u.token, body))
	require.InDelta(t, 1348.5092, got["final_equity"], 1e-8)
	trades := got["trades"].([]any)
	require.Len(t, trades, 3)
	require.Equal(t, map[string]any{"entry_time": "2026-01-05T00:00:00Z", "entry_price": 8.5, "exit_time": "2026-01-10T00:00:00Z",
		"exit_price": 7.5, "quantity": -117.0, "pnl": 115.128, "fees": 1.872}, trades[0])

	body["allow_short"] = "yes"
	r := b.do(http.MethodPost, "/api/backtests", u.token, body)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.allow_short"}, r.errLocations(t))
}
