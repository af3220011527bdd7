package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// shortCSV is computed by hand in trading.TestShortCSVBacktest: sma_cross
// 2/3 with allow_short, 1000 cash, 10 bps fees: a short 8.5 → 7.5 (−117
// units, +115.128), a long 7.5 → 7.8 (148, +42.1356), a short from 7.8
// still open (−148, +191.2456 at the last close 6.5); final equity
// 1348.5092.
var shortCSV = filepath.Join("..", "..", "trading", "testdata", "short_cross.csv")

func TestBacktestCLIAllowShort(t *testing.T) {
	ctx := context.Background()
	args := []string{"backtest", "--strategy", "sma_cross", "--params", `{"fast":2,"slow":3}`, "--symbol", "TEST",
		"--csv", shortCSV, "--cash", "1000", "--fee-bps", "10", "--json"}
	out, errOut, code := vigil(ctx, t, nil, append(args, "--allow-short")...)
	require.Equal(t, 0, code, errOut)
	var res struct {
		Trades []struct {
			EntryPrice float64  `json:"entry_price"`
			ExitPrice  *float64 `json:"exit_price"`
			Quantity   float64  `json:"quantity"`
			PnL        float64  `json:"pnl"`
		} `json:"trades"`
		FinalEquity float64 `json:"final_equity"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.InDelta(t, 1348.5092, res.FinalEquity, 1e-8)
	require.Len(t, res.Trades, 3)
	require.InDelta(t, -117, res.Trades[0].Quantity, 1e-9)
	require.InDelta(t, 115.128, res.Trades[0].PnL, 1e-8)
	require.InDelta(t, 148, res.Trades[1].Quantity, 1e-9)
	require.InDelta(t, -148, res.Trades[2].Quantity, 1e-9)
	require.Nil(t, res.Trades[2].ExitPrice)

	// Without the flag the strategy is long only: the one long 7.5 → 7.8
	// (its entry sized by the full 1000: floor(1000 / 7.5075) = 133 units).
	out, errOut, code = vigil(ctx, t, nil, args...)
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Len(t, res.Trades, 1)
	require.InDelta(t, 133, res.Trades[0].Quantity, 1e-9)
	require.InDelta(t, 7.8, *res.Trades[0].ExitPrice, 1e-9)
}
