package backtests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
)

func validator(t *testing.T) *schemas.Validator {
	t.Helper()
	v, err := schemas.New()
	require.NoError(t, err)
	return v
}

func day(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }

const handCSV = "testdata/sma_cross.csv"

// handRequest is the request of the hand-computed backtest: sma_cross 2/3,
// 1000 cash, 10 bps on every fill, no slippage.
func handRequest() Request {
	return Request{Strategy: "sma_cross", Params: json.RawMessage(`{"fast": 2, "slow": 3}`), Symbol: "test",
		Cash: 1000, FeeBps: 10}
}

// TestHandComputedSMACross runs sma_cross {"fast": 2, "slow": 3} over the
// 19 daily bars of testdata/sma_cross.csv with 1000 cash and a 10 bps fee
// (0.001) on every fill. By hand (diff = SMA2 − SMA3 of closes; a cross
// above is diff ≤ 0 on the previous bar and > 0 on this one):
//
//	bar 3  closes 10 10 10: diff 0 (the first diff: no signal yet)
//	bar 4  close 11: SMA2 10.5, SMA3 10.333: diff > 0 after 0 → buy at bar 5's open
//	bar 5  open 11.5: qty floor(1000 / (11.5 × 1.001)) = floor(86.87) = 86;
//	       cost 989, fee 0.989; cash 1000 − 989 − 0.989 = 10.011
//	bar 8  close 11: SMA2 11.5, SMA3 12: diff −0.5 after +0.167 → sell at bar 9's open
//	bar 9  open 10.5: proceeds 903, fee 0.903; cash 10.011 + 903 − 0.903 = 912.108
//	       trade 1 pnl (10.5 − 11.5) × 86 − 0.989 − 0.903 = −87.892, fees 1.892
//	bar 11 close 12: SMA2 11.5, SMA3 11: diff +0.5 after −0.167 → buy at bar 12's open
//	bar 12 open 12.5: qty floor(912.108 / 12.5125) = floor(72.9) = 72; cost 900,
//	       fee 0.9; cash 912.108 − 900.9 = 11.208
//	bar 15 close 13: SMA2 14, SMA3 14: diff 0, not below: no signal
//	bar 16 close 12: SMA2 12.5, SMA3 13.333: diff < 0 after 0 → sell at bar 17's open
//	bar 17 open 12.8: proceeds 921.6, fee 0.9216; cash 11.208 + 921.6 − 0.9216 = 931.8864
//	       trade 2 pnl (12.8 − 12.5) × 72 − 0.9 − 0.9216 = 19.7784, fees 1.8216
//	bar 18 close 13: SMA2 12.5, SMA3 12.333: diff > 0 after −0.333 → buy at bar 19's open
//	bar 19 open 13.2: qty floor(931.8864 / 13.2132) = floor(70.5) = 70; cost 924,
//	       fee 0.924; cash 931.8864 − 924.924 = 6.9624
//	end    trade 3 open: 70 at 13.2, last close 14: pnl −0.924 + 0.8 × 70 = 55.076
//	       final equity 6.9624 + 70 × 14 = 986.9624
func TestHandComputedSMACross(t *testing.T) {
	t.Parallel()
	r := &Runner{Validator: validator(t)}
	out, err := r.RunCSV(handRequest(), handCSV)
	require.NoError(t, err)
	res := out.Result

	require.Equal(t, 19, res.Bars)
	require.Len(t, res.Trades, 3)
	type trade struct {
		entry, exit     time.Time
		entryPx, exitPx float64
		qty, pnl, fees  float64
		open            bool
	}
	want := []trade{
		{entry: day(5), entryPx: 11.5, exit: day(9), exitPx: 10.5, qty: 86, pnl: -87.892, fees: 1.892},
		{entry: day(12), entryPx: 12.5, exit: day(17), exitPx: 12.8, qty: 72, pnl: 19.7784, fees: 1.8216},
		{entry: day(19), entryPx: 13.2, qty: 70, pnl: 55.076, fees: 0.924, open: true},
	}
	for i, w := range want {
		got := res.Trades[i]
		require.Equal(t, w.entry, got.EntryTime, "trade %d", i+1)
		require.InDelta(t, w.entryPx, got.EntryPrice, 1e-9, "trade %d", i+1)
		require.InDelta(t, w.qty, got.Quantity, 1e-9, "trade %d", i+1)
		require.InDelta(t, w.pnl, got.PnL, 1e-8, "trade %d", i+1)
		require.InDelta(t, w.fees, got.Fees, 1e-9, "trade %d", i+1)
		if w.open {
			require.Nil(t, got.ExitTime, "trade %d", i+1)
			require.Nil(t, got.ExitPrice, "trade %d", i+1)
			continue
		}
		require.Equal(t, w.exit, *got.ExitTime, "trade %d", i+1)
		require.InDelta(t, w.exitPx, *got.ExitPrice, 1e-9, "trade %d", i+1)
	}
	require.InDelta(t, 986.9624, res.FinalEquity, 1e-8)
	// (986.9624 − 1000) / 1000 × 100.
	require.InDelta(t, -1.30376, res.ReturnPct, 1e-8)
	// One of two closed trades won; 19.7784 gained over 87.892 lost.
	require.Equal(t, 0.5, res.WinRate)
	require.NotNil(t, res.ProfitFactor)
	require.InDelta(t, 19.7784/87.892, *res.ProfitFactor, 1e-8)
	// A position is held at the close of bars 5-8, 12-16 and 19: 10 of 19.
	require.InDelta(t, 10.0/19*100, res.ExposurePct, 1e-8)

	// The equity at every close: cash + quantity × close.
	equity := []float64{1000, 1000, 1000, 1000,
		10.011 + 86*12, 10.011 + 86*13, 10.011 + 86*12, 10.011 + 86*11,
		912.108, 912.108, 912.108,
		11.208 + 72*13, 11.208 + 72*14, 11.208 + 72*15, 11.208 + 72*13, 11.208 + 72*12,
		931.8864, 931.8864, 6.9624 + 70*14}
	require.Len(t, res.Equity, len(equity))
	for i := range equity {
		require.InDelta(t, equity[i], res.Equity[i], 1e-9, "equity at bar %d", i+1)
		require.Equal(t, day(i+1), res.Times[i])
	}
	// Peak 1128.011 (bar 6), trough 875.208 (bar 16).
	require.InDelta(t, (1128.011-875.208)/1128.011*100, res.MaxDrawdownPct, 1e-8)
	// Sharpe: mean / sample sd of the 19 per-bar returns (the first from
	// the starting cash to the first close), × √365 (1d bars).
	var rets []float64
	prev := 1000.0
	for _, eq := range equity {
		rets = append(rets, eq/prev-1)
		prev = eq
	}
	mean, ss := 0.0, 0.0
	for _, x := range rets {
		mean += x
	}
	mean /= float64(len(rets))
	for _, x := range rets {
		ss += (x - mean) * (x - mean)
	}
	require.InDelta(t, mean/math.Sqrt(ss/float64(len(rets)-1))*math.Sqrt(365), res.Sharpe, 1e-7)

	require.Equal(t, "sma_cross", out.Strategy)
	require.JSONEq(t, `{"fast": 2, "slow": 3, "fractional": false}`, string(out.Params))
	require.Equal(t, "TEST", out.Symbol)
	require.Equal(t, bars.D1, out.Timeframe)
	require.Equal(t, day(1), out.From)
	require.Equal(t, day(20), out.To)
}

// TestJSONShape checks every field of the JSON object, its types and its
// nulls, on the hand CSV from 2026-01-04: the first cross above is at bar
// 11 (buy at bar 12's open 12.5: floor(1000 / 12.5125) = 79, fee 0.9875,
// cash 11.5125), sold at bar 17's open 12.8 (proceeds 1011.2, fee 1.0112,
// cash 1021.7013; pnl 0.3 × 79 − 1.9987 = 21.7013), bought again at bar
// 19's open 13.2 (floor(1021.7013 / 13.2132) = 77, cost 1016.4, fee 1.0164,
// cash 4.2849): final equity 4.2849 + 77 × 14 = 1082.2849. No closed trade
// lost, so profit_factor is null.
func TestJSONShape(t *testing.T) {
	t.Parallel()
	r := &Runner{Validator: validator(t)}
	req := handRequest()
	req.From = "2026-01-04"
	out, err := r.RunCSV(req, handCSV)
	require.NoError(t, err)
	data, err := json.Marshal(out.Result)
	require.NoError(t, err)

	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	require.Equal(t, []string{"bars", "exposure_pct", "final_equity", "max_drawdown_pct", "profit_factor", "return_pct",
		"sharpe", "trades", "win_rate"}, keys(doc))
	require.Equal(t, 16.0, doc["bars"])
	require.InDelta(t, 1082.2849, doc["final_equity"], 1e-8)
	require.InDelta(t, 8.22849, doc["return_pct"], 1e-8)
	require.Equal(t, 1.0, doc["win_rate"])
	require.Nil(t, doc["profit_factor"])
	require.Contains(t, doc, "profit_factor") // null, not absent
	for _, k := range []string{"max_drawdown_pct", "sharpe", "exposure_pct"} {
		require.IsType(t, 0.0, doc[k], k)
	}
	// Held at the close of bars 12-16 and 19: 6 of 16.
	require.InDelta(t, 6.0/16*100, doc["exposure_pct"], 1e-8)

	trades := doc["trades"].([]any)
	require.Len(t, trades, 2)
	closed, open := trades[0].(map[string]any), trades[1].(map[string]any)
	tradeKeys := []string{"entry_price", "entry_time", "exit_price", "exit_time", "fees", "pnl", "quantity"}
	require.Equal(t, tradeKeys, keys(closed))
	require.Equal(t, tradeKeys, keys(open))
	require.Equal(t, map[string]any{"entry_time": "2026-01-12T00:00:00Z", "entry_price": 12.5, "exit_time": "2026-01-17T00:00:00Z",
		"exit_price": 12.8, "quantity": 79.0, "pnl": 21.7013, "fees": 1.9987}, closed)
	// Open at the end: exit null, pnl at the last close: 0.8 × 77 − 1.0164 = 60.5836.
	require.Equal(t, map[string]any{"entry_time": "2026-01-19T00:00:00Z", "entry_price": 13.2, "exit_time": nil,
		"exit_price": nil, "quantity": 77.0, "pnl": 60.5836, "fees": 1.0164}, open)
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	r := &Runner{Validator: validator(t)}
	with := func(f func(*Request)) Request {
		req := handRequest()
		f(&req)
		return req
	}
	cases := []struct {
		name    string
		req     Request
		csv     string
		field   string
		pointer string
		msg     string
	}{
		{"unknown strategy", with(func(r *Request) { r.Strategy = "moon" }), handCSV, "strategy", "",
			`unknown strategy "moon": use one of sma_cross, rsi_reversion`},
		{"no strategy", with(func(r *Request) { r.Strategy = "" }), handCSV, "strategy", "", "is required"},
		{"alert_signals", with(func(r *Request) { r.Strategy = "alert_signals" }), handCSV, "strategy", "",
			"trades only on actions sent by alerts"},
		{"param below minimum", with(func(r *Request) { r.Params = json.RawMessage(`{"fast": 0, "slow": 3}`) }), handCSV,
			"params", "/fast", "must be >= 1"},
		{"fast not below slow", with(func(r *Request) { r.Params = json.RawMessage(`{"fast": 5, "slow": 3}`) }), handCSV,
			"params", "/fast", "must be < slow (3)"},
		{"unknown param", with(func(r *Request) { r.Params = json.RawMessage(`{"fats": 5}`) }), handCSV,
			"params", "/fats", ""},
		{"params not JSON", with(func(r *Request) { r.Params = json.RawMessage(`{fast`) }), handCSV,
			"params", "", "is not a JSON object"},
		{"no symbol", with(func(r *Request) { r.Symbol = " " }), handCSV, "symbol", "", "is required"},
		{"bad symbol", with(func(r *Request) { r.Symbol = "A B" }), handCSV, "symbol", "", `"A B" is not a symbol`},
		{"bad timeframe", with(func(r *Request) { r.Timeframe = "2d" }), handCSV, "timeframe", "", `"2d": must be one of`},
		{"bad from", with(func(r *Request) { r.From = "yesterday" }), handCSV, "from", "", `"yesterday" is neither RFC 3339`},
		{"bad to", with(func(r *Request) { r.To = "2026-13-01" }), handCSV, "to", "", "neither RFC 3339"},
		{"from after to", with(func(r *Request) { r.From, r.To = "2026-01-10", "2026-01-05" }), handCSV, "from", "",
			"2026-01-10T00:00:00Z must be before to 2026-01-05T00:00:00Z"},
		{"from equals to", with(func(r *Request) { r.From, r.To = "2026-01-05", "2026-01-05T00:00:00Z" }), handCSV, "from", "",
			"must be before to"},
		{"no cash", with(func(r *Request) { r.Cash = 0 }), handCSV, "cash", "", "must be > 0"},
		{"negative fee", with(func(r *Request) { r.FeeBps = -1 }), handCSV, "fee_bps", "", "must be from 0 to 1000"},
		{"NaN slippage", with(func(r *Request) { r.SlippageBps = math.NaN() }), handCSV, "slippage_bps", "", "must be from 0 to 1000"},
		{"bad CSV row", handRequest(), "testdata/bad_row.csv", "csv", "",
			"bad_row.csv line 4: low 10 and high 9 do not contain open 10 and close 10"},
		{"missing CSV", handRequest(), "testdata/none.csv", "csv", "", "no such file"},
		{"timeframe coarser than the rows", with(func(r *Request) { r.Timeframe = "1w" }), handCSV, "timeframe", "",
			"are 24h0m0s apart, closer than the 1w timeframe"},
		{"no bars in range", with(func(r *Request) { r.From = "2027-01-01" }), handCSV, "from", "",
			"no TEST 1d bars in [2027-01-01T00:00:00Z, 2026-01-20T00:00:00Z)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := r.RunCSV(tc.req, tc.csv)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			require.NotEmpty(t, ie.Problems)
			p := ie.Problems[0]
			require.Equal(t, tc.field, p.Field, err.Error())
			require.Equal(t, tc.pointer, p.Pointer, err.Error())
			require.Contains(t, p.Message, tc.msg)
		})
	}

	// Every problem at once, each naming its field.
	_, err := r.RunCSV(Request{Strategy: "moon", Symbol: "", Cash: -1, FeeBps: 2000}, handCSV)
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	var fields []string
	for _, p := range ie.Problems {
		fields = append(fields, p.Field)
	}
	require.Equal(t, []string{"strategy", "symbol", "cash", "fee_bps"}, fields)
	require.Contains(t, err.Error(), "cash: must be > 0")
}

// fixedNow is the provider's and the Runner's clock: 2026-06-10 12:34 UTC.
var fixedNow = time.Date(2026, 6, 10, 12, 34, 0, 0, time.UTC)

func TestRunOnTheManager(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := func() time.Time { return fixedNow }
	syn := &marketdata.Synthetic{Seed: 7, Now: now}
	m := marketdata.NewManager(syn, nil, time.Minute, nil)
	r := &Runner{Validator: validator(t), Market: m, Now: now}

	// Defaults: 1d bars of the year up to the last closed bar (the bar of
	// 2026-06-10 is open and left out).
	out, err := r.Run(ctx, Request{Strategy: "sma_cross", Symbol: "AAPL", Cash: DefaultCash})
	require.NoError(t, err)
	to := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	require.Equal(t, to, out.To)
	require.Equal(t, to.AddDate(-1, 0, 0), out.From)
	want, err := syn.Bars(ctx, "AAPL", bars.D1, out.From, out.To)
	require.NoError(t, err)
	require.Len(t, want, 365)
	require.Equal(t, want, out.Series)
	require.Equal(t, 365, out.Result.Bars)
	require.JSONEq(t, `{"fast": 10, "slow": 30, "fractional": false}`, string(out.Params))

	// 25,000 1m bars through Manager.Range, the same bars as the
	// provider's own; a to in the future is cut at the last closed bar.
	from := fixedNow.Truncate(time.Minute).Add(-25000 * time.Minute)
	out, err = r.Run(ctx, Request{Strategy: "sma_cross", Symbol: "AAPL", Timeframe: "1m", Cash: DefaultCash,
		From: from.Format(time.RFC3339), To: "2030-01-01"})
	require.NoError(t, err)
	require.Equal(t, fixedNow.Truncate(time.Minute), out.To)
	want, err = syn.Bars(ctx, "AAPL", bars.M1, from, out.To)
	require.NoError(t, err)
	require.Len(t, want, 25000)
	require.Equal(t, want, out.Series)

	// The default 1m range is DefaultBars bars.
	out, err = r.Run(ctx, Request{Strategy: "sma_cross", Symbol: "AAPL", Timeframe: "1m", Cash: DefaultCash})
	require.NoError(t, err)
	require.Equal(t, DefaultBars, out.Result.Bars)

	// A from after the last closed bar: nothing to run on.
	_, err = r.Run(ctx, Request{Strategy: "sma_cross", Symbol: "AAPL", Cash: DefaultCash, From: "2026-07-01"})
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "from", ie.Problems[0].Field)
	require.Contains(t, ie.Error(), "must be before to 2026-06-10T00:00:00Z (the last closed 1d bar ends there)")

	// More than MaxBars bars.
	_, err = r.Run(ctx, Request{Strategy: "sma_cross", Symbol: "AAPL", Timeframe: "1m", Cash: DefaultCash, From: "2020-01-01"})
	require.ErrorAs(t, err, &ie)
	require.Contains(t, ie.Error(), "at most 1000000")

	// No Manager.
	_, err = (&Runner{Validator: validator(t), Now: now}).Run(ctx, Request{Strategy: "sma_cross", Symbol: "AAPL", Cash: 1})
	require.ErrorIs(t, err, ErrNoMarketData)
}

func TestRunUnknownSymbol(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(handCSV)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "TEST_1d.csv"), data, 0o600))
	m := marketdata.NewManager(marketdata.NewCSV(dir), nil, 0, nil)
	r := &Runner{Validator: validator(t), Market: m, Now: func() time.Time { return day(25) }}

	// The csv provider serves TEST like the file itself.
	req := handRequest()
	req.From = "2026-01-01"
	out, err := r.Run(context.Background(), req)
	require.NoError(t, err)
	require.InDelta(t, 986.9624, out.Result.FinalEquity, 1e-8)

	req.Symbol = "NOPE"
	_, err = r.Run(context.Background(), req)
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "symbol", ie.Problems[0].Field)
	require.Equal(t, "symbol: NOPE: the market-data provider csv has no such symbol", ie.Error())
	require.False(t, errors.Is(err, ErrNoMarketData))
}

func TestOutputTextAndChart(t *testing.T) {
	t.Parallel()
	r := &Runner{Validator: validator(t)}
	out, err := r.RunCSV(handRequest(), handCSV)
	require.NoError(t, err)

	var b bytes.Buffer
	require.NoError(t, out.WriteText(&b))
	text := b.String()
	require.Contains(t, text, `sma_cross {"fast":2,"slow":3,"fractional":false} on TEST 1d, 2026-01-01T00:00:00Z to 2026-01-20T00:00:00Z: 19 bars, cash 1000, fees 10 bps, slippage 0 bps`)
	require.Regexp(t, `1\s+2026-01-05T00:00:00Z\s+11.5\s+2026-01-09T00:00:00Z\s+10.5\s+86\s+-87.892\s+1.892`, text)
	require.Regexp(t, `3\s+2026-01-19T00:00:00Z\s+13.2\s+open\s+-\s+70\s+\+55.076\s+0.924`, text)
	require.Contains(t, text, "final equity    986.9624\n")
	require.Contains(t, text, "return          -1.30376%\n")
	require.Contains(t, text, "win rate        0.5 (1 of 2 closed trades)\n")

	img, err := out.Chart(ChartWidth, ChartHeight)
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	require.NoError(t, err)
	require.Equal(t, ChartWidth, cfg.Width)
	require.Equal(t, ChartHeight, cfg.Height)
}
