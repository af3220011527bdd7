package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// handCSV is the CSV whose sma_cross 2/3 backtest (1000 cash, 10 bps fees)
// is computed by hand in backtests.TestHandComputedSMACross: trades at
// 11.5 → 10.5 (86 units, pnl −87.892), 12.5 → 12.8 (72, +19.7784) and 13.2
// still open (70, +55.076 at the last close 14); final equity 986.9624.
var handCSV = filepath.Join("..", "..", "backtests", "testdata", "sma_cross.csv")

var handArgs = []string{"backtest", "--strategy", "sma_cross", "--params", `{"fast":2,"slow":3}`, "--symbol", "TEST",
	"--csv", handCSV, "--cash", "1000", "--fee-bps", "10"}

func TestBacktestCLIOnCSV(t *testing.T) {
	ctx := context.Background()
	chart := filepath.Join(t.TempDir(), "bt.png")
	out, errOut, code := vigil(ctx, t, nil, append(handArgs, "--json", "--chart", chart)...)
	require.Equal(t, 0, code, errOut)

	var res struct {
		Trades []struct {
			EntryTime  string   `json:"entry_time"`
			EntryPrice float64  `json:"entry_price"`
			ExitTime   *string  `json:"exit_time"`
			ExitPrice  *float64 `json:"exit_price"`
			Quantity   float64  `json:"quantity"`
			PnL        float64  `json:"pnl"`
			Fees       float64  `json:"fees"`
		} `json:"trades"`
		FinalEquity  float64  `json:"final_equity"`
		ReturnPct    float64  `json:"return_pct"`
		WinRate      float64  `json:"win_rate"`
		ProfitFactor *float64 `json:"profit_factor"`
		Bars         int      `json:"bars"`
	}
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	require.Len(t, raw, 9, out) // the nine fields, nothing else
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, 19, res.Bars)
	require.InDelta(t, 986.9624, res.FinalEquity, 1e-8)
	require.InDelta(t, -1.30376, res.ReturnPct, 1e-8)
	require.Equal(t, 0.5, res.WinRate)
	require.InDelta(t, 19.7784/87.892, *res.ProfitFactor, 1e-8)
	require.Len(t, res.Trades, 3)
	require.Equal(t, "2026-01-05T00:00:00Z", res.Trades[0].EntryTime)
	require.Equal(t, "2026-01-09T00:00:00Z", *res.Trades[0].ExitTime)
	require.InDelta(t, -87.892, res.Trades[0].PnL, 1e-8)
	require.InDelta(t, 19.7784, res.Trades[1].PnL, 1e-8)
	require.Nil(t, res.Trades[2].ExitTime)
	require.Nil(t, res.Trades[2].ExitPrice)
	require.InDelta(t, 55.076, res.Trades[2].PnL, 1e-8)

	img, err := os.ReadFile(chart)
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	require.NoError(t, err)
	require.Equal(t, 1000, cfg.Width)

	// The human form: the header, the table and the summary.
	out, errOut, code = vigil(ctx, t, nil, handArgs...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `sma_cross {"fast":2,"slow":3,"fractional":false} on TEST 1d, 2026-01-01T00:00:00Z to 2026-01-20T00:00:00Z: 19 bars`)
	require.Regexp(t, `2\s+2026-01-12T00:00:00Z\s+12.5\s+2026-01-17T00:00:00Z\s+12.8\s+72\s+\+19.7784\s+1.8216`, out)
	require.Contains(t, out, "final equity    986.9624\n")
	require.Contains(t, out, "profit factor   0.22503072\n")

	// --from/--to select rows of the file: up to 2026-01-09 only the first
	// trade, still open at the close of 2026-01-08 (11): 10.011 + 86 × 11.
	out, errOut, code = vigil(ctx, t, nil, append(handArgs, "--to", "2026-01-09", "--json")...)
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, 8, res.Bars)
	require.InDelta(t, 10.011+86*11, res.FinalEquity, 1e-8)
	require.Len(t, res.Trades, 1)
	require.Nil(t, res.Trades[0].ExitPrice)
	require.Nil(t, res.ProfitFactor)
}

func TestBacktestCLIOnProvider(t *testing.T) {
	ctx := context.Background()
	// The default synthetic provider: January 2025's 31 daily bars.
	out, errOut, code := vigil(ctx, t, map[string]string{"VIGIL_MARKET_DATA_PROVIDER": "synthetic"}, "backtest", "--strategy", "sma_cross",
		"--params", `{"fast":3,"slow":8}`, "--symbol", "AAPL", "--from", "2025-01-01", "--to", "2025-02-01", "--json")
	require.Equal(t, 0, code, errOut)
	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, 31.0, res["bars"])

	// The csv provider: a symbol it has no file for.
	dir := t.TempDir()
	data, err := os.ReadFile(handCSV)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "TEST.csv"), data, 0o600))
	env := map[string]string{"VIGIL_MARKET_DATA_PROVIDER": "csv", "VIGIL_MARKET_DATA_CSV_DIR": dir}
	out, errOut, code = vigil(ctx, t, env, "backtest", "--strategy", "sma_cross", "--params", `{"fast":2,"slow":3}`,
		"--symbol", "TEST", "--from", "2026-01-01", "--to", "2026-01-20", "--cash", "1000", "--fee-bps", "10", "--json")
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.InDelta(t, 986.9624, res["final_equity"], 1e-8)

	out, errOut, code = vigil(ctx, t, env, "backtest", "--strategy", "sma_cross", "--symbol", "NOPE", "--from", "2026-01-01")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "--symbol: NOPE: the market-data provider csv has no such symbol")
}

func TestBacktestCLIBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	chart := filepath.Join(dir, "bt.png")
	badCSV := filepath.Join("..", "..", "backtests", "testdata", "bad_row.csv")
	base := func(extra ...string) []string {
		return append([]string{"backtest", "--csv", handCSV, "--chart", chart}, extra...)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown strategy", base("--strategy", "moon", "--symbol", "TEST"),
			`--strategy: unknown strategy "moon": use one of sma_cross, rsi_reversion`},
		{"bad params", base("--strategy", "sma_cross", "--symbol", "TEST", "--params", `{"fast":0,"slow":3}`),
			"--params /fast: must be >= 1"},
		{"params not an object", base("--strategy", "sma_cross", "--symbol", "TEST", "--params", `[1]`),
			"--params: must be an object, got array"},
		{"no symbol", base("--strategy", "sma_cross"), "--symbol: is required"},
		{"bad CSV row", []string{"backtest", "--strategy", "sma_cross", "--symbol", "TEST", "--csv", badCSV, "--chart", chart},
			"--csv: " + badCSV + " line 4: low 10 and high 9 do not contain open 10 and close 10"},
		{"from after to", base("--strategy", "sma_cross", "--symbol", "TEST", "--from", "2026-01-10", "--to", "2026-01-02"),
			"--from: 2026-01-10T00:00:00Z must be before to 2026-01-02T00:00:00Z"},
		{"no bars in range", base("--strategy", "sma_cross", "--symbol", "TEST", "--from", "2027-01-01", "--to", "2027-02-01"),
			"--from: no TEST 1d bars in [2027-01-01T00:00:00Z, 2027-02-01T00:00:00Z)"},
		{"bad fee", base("--strategy", "sma_cross", "--symbol", "TEST", "--fee-bps", "-1"), "--fee-bps: must be from 0 to 1000"},
		{"chart not a png", []string{"backtest", "--strategy", "sma_cross", "--symbol", "TEST", "--csv", handCSV, "--chart", filepath.Join(dir, "bt.jpg")},
			"--chart " + filepath.Join(dir, "bt.jpg") + ": the chart is a PNG"},
		{"stray argument", base("--strategy", "sma_cross", "--symbol", "TEST", "extra"), `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := vigil(ctx, t, nil, tc.args...)
			require.Equal(t, 1, code, errOut)
			require.Contains(t, errOut, tc.want)
			require.Empty(t, out, "nothing printed")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, entries, "no chart written")
		})
	}
}
