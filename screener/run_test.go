package screener

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// criteriaUniverse registers fundamentals around the design's thresholds
// (market cap 1B, P/E 25, volume 1M) and 30 bars for every symbol but H,
// which has no fundamentals.
func criteriaUniverse(f *fake) []string {
	f.add(fund("A", 1e9, 25, 1e6), line(30, 10, 1, 1e6))     // every criterion at its boundary
	f.add(fund("B", 1e9-1, 10, 2e6), line(30, 10, 1, 2e6))   // market cap just below
	f.add(fund("C", 5e9, 25.01, 2e6), line(30, 10, 1, 2e6))  // P/E just above
	f.add(fund("D", 4e9, 12, 999_999), line(30, 10, 1, 1e6)) // volume just below
	f.add(fund("E", 3e9, nan, 3e6), line(30, 10, 1, 3e6))    // no P/E
	f.add(fund("F", 5e8, nan, 3e6), line(30, 10, 1, 3e6))    // no P/E, market cap too small
	f.add(fund("G", nan, 15, 3e6), line(30, 10, 1, 3e6))     // no market cap
	f.add(fund("I", 6e9, -5, 3e6), line(30, 10, 1, 3e6))     // negative P/E
	f.add(fund("K", 2e12, 20, 5e7), line(30, 10, 1, 5e7))    // passes everything
	f.series["H"] = line(30, 10, 1, 1e6)
	return []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "K"}
}

func TestRunFundamentalsCriteria(t *testing.T) {
	t.Parallel()
	noFund := "no fundamentals"
	for _, tt := range []struct {
		name     string
		criteria string
		want     []string
		missing  map[string]string
	}{
		{"market cap inclusive", `{"min_market_cap": 1e9}`,
			[]string{"K", "I", "C", "D", "E", "A"},
			map[string]string{"G": "no market cap", "H": noFund}},
		{"P/E inclusive", `{"max_pe_ratio": 25}`,
			[]string{"K", "D", "A", "B", "G"}, // G has no market cap to rank by: last
			map[string]string{"E": "no P/E ratio", "F": "no P/E ratio", "I": "no P/E ratio (earnings not positive)", "H": noFund}},
		{"volume inclusive", `{"min_volume": 1e6}`,
			[]string{"K", "I", "C", "E", "A", "B", "F", "G"},
			map[string]string{"H": noFund}},
		{"combined", `{"min_market_cap": 1e9, "max_pe_ratio": 25, "min_volume": 1e6}`,
			[]string{"K", "A"}, // F fails on market cap, so its unknown P/E does not matter
			map[string]string{"E": "no P/E ratio", "G": "no market cap", "I": "no P/E ratio (earnings not positive)", "H": noFund}},
		{"none", `{}`,
			[]string{"K", "I", "C", "D", "E", "A", "B", "F", "G"},
			map[string]string{"H": noFund}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			syms := criteriaUniverse(b.fake)
			p := params(t, `{"screener_set": "custom", "filter_criteria": `+tt.criteria+`}`)
			res, err := Run(b.ctx, p, syms, b.fake.sources(4))
			require.NoError(t, err)
			require.Equal(t, tt.want, symbols(res))
			require.Equal(t, tt.missing, missingSymbols(res))
			require.Equal(t, len(tt.want), res.FilteredCount)
			require.Equal(t, 10, res.TotalTickers)
			require.Equal(t, now, res.AsOf)
			require.Equal(t, "market_cap", res.RankBy)
			require.Equal(t, "desc", res.RankOrder)
			for i, m := range res.Results {
				require.Equal(t, i+1, m.Rank)
				require.NotNil(t, m.Close, m.Symbol) // display bars for the top matches
				require.Equal(t, 39.0, *m.Close)
			}
			// No rule, no bar rank, no volume fallback: bars only for the
			// matches shown, once each.
			calls := b.fake.calls()
			require.ElementsMatch(t, tt.want, slices.Collect(maps.Keys(calls)))
			for s, n := range calls {
				require.Equal(t, 1, n, s)
			}
			require.Equal(t, 1, b.fake.fundCalls)
		})
	}
}

func TestRunVolumeFallback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.fake
	// The last 20 bars average exactly 1M; the 10 before them would pull the
	// mean of 30 down.
	v1 := line(30, 10, 1, 1e6)
	for i := range 10 {
		v1[i].Volume = 0
	}
	f.add(fund("V1", 5e9, 20, nan), v1)
	f.add(fund("V2", 6e9, 20, nan), line(30, 10, 1, 999_999))
	f.add(fund("V3", 7e9, 20, nan), line(10, 10, 1, 5e6))
	f.add(fund("V4", 8e9, 20, nan), nil)
	f.barsErr["V4"] = errors.New("upstream 503")
	f.add(fund("V6", 1e9, 20, 2e6), line(30, 10, 1, 1))
	f.series["V5"] = line(30, 10, 1, 2e6) // no fundamentals at all

	p := params(t, `{"screener_set": "custom", "filter_criteria": {"min_volume": 1e6}}`)
	res, err := Run(b.ctx, p, []string{"V1", "V2", "V3", "V4", "V5", "V6"}, f.sources(2))
	require.NoError(t, err)
	require.Equal(t, []string{"V1", "V6"}, symbols(res))
	require.Equal(t, 1e6, *res.Results[0].AvgVolume, "fallback shown as the average volume")
	require.Equal(t, 2e6, *res.Results[1].AvgVolume, "fundamentals win over bars")
	require.Equal(t, map[string]string{
		"V3": "no average volume (fundamentals lack it; 10 bars, need 20)",
		"V4": "bars: upstream 503",
		"V5": "no fundamentals", // ranking by market cap needs them
	}, missingSymbols(res))
	// Bars for the fallback (V1-V4) and for display (V6), once each.
	require.Equal(t, map[string]int{"V1": 1, "V2": 1, "V3": 1, "V4": 1, "V6": 1}, f.calls())

	// Ranked by close, fundamentals are not needed: V5 falls back to bars.
	b = setup(t)
	f = b.fake
	f.series["V5"] = line(30, 10, 1, 2e6)
	f.series["V7"] = line(30, 10, 1, 5e5)
	p = params(t, `{"screener_set": "custom", "filter_criteria": {"min_volume": 1e6}, "rank_by": "close"}`)
	res, err = Run(b.ctx, p, []string{"V5", "V7"}, f.sources(2))
	require.NoError(t, err)
	require.Equal(t, []string{"V5"}, symbols(res))
	require.Nil(t, res.Results[0].MarketCap)
	require.Empty(t, res.Missing)
}

func TestRunRule(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.fake
	f.add(fund("DOWN", 1e9, 10, 1e6), zigzag(100, 1, 3)) // RSI about 25
	f.add(fund("UP", 2e9, 10, 1e6), zigzag(100, 3, 1))   // RSI about 75
	f.add(fund("SHORT", 3e9, 10, 1e6), zigzag(10, 1, 3))
	f.add(fund("ERR", 4e9, 10, 1e6), nil)
	f.barsErr["ERR"] = errors.New("boom")
	f.series["NOFUND"] = zigzag(100, 1, 3)
	f.add(fund("REJ", 1e8, 10, 1e6), zigzag(100, 1, 3)) // fails the market cap criterion first

	p := params(t, `{"screener_set": "custom", "filter_criteria": {"min_market_cap": 5e8, "rule": {"indicator": "rsi", "period": 14, "operator": "<", "value": 30}}}`)
	res, err := Run(b.ctx, p, []string{"DOWN", "UP", "SHORT", "ERR", "NOFUND", "REJ"}, f.sources(3))
	require.NoError(t, err)
	require.Equal(t, []string{"DOWN"}, symbols(res))
	m := res.Results[0]
	require.Contains(t, m.Indicators, "rsi(14)")
	require.Less(t, m.Indicators["rsi(14)"], 30.0)
	require.Equal(t, 1, res.FilteredCount)
	missing := missingSymbols(res)
	require.Len(t, missing, 3)
	require.Contains(t, missing["SHORT"], "not enough data: need 15 bars, have 10")
	require.Equal(t, "bars: boom", missing["ERR"])
	require.Equal(t, "no fundamentals", missing["NOFUND"])
	calls := f.calls()
	require.Equal(t, map[string]int{"DOWN": 1, "UP": 1, "SHORT": 1, "ERR": 1}, calls, "no bars for NOFUND and REJ")
	require.GreaterOrEqual(t, f.barN["DOWN"], 21)
}

func TestRunCloseAboveSMA200(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.fake
	f.add(fund("RISE", 1e9, 10, 1e6), line(260, 50, 0.5, 1e6))
	f.add(fund("FALL", 2e9, 10, 1e6), line(260, 500, -0.5, 1e6))
	f.add(fund("YOUNG", 3e9, 10, 1e6), line(150, 50, 0.5, 1e6))
	p := params(t, `{"screener_set": "custom", "filter_criteria": {"rule": {"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200}}}, "rank_by": "sma_200"}`)
	res, err := Run(b.ctx, p, []string{"RISE", "FALL", "YOUNG"}, f.sources(0))
	require.NoError(t, err)
	require.Equal(t, []string{"RISE"}, symbols(res))
	require.Equal(t, "sma(200)", res.RankBy)
	ind := res.Results[0].Indicators
	require.Greater(t, ind["close"], ind["sma(200)"])
	require.InDelta(t, 50+0.5*259, ind["close"], 1e-9)
	require.Contains(t, missingSymbols(res)["YOUNG"], "not enough data: need 200 bars, have 150")
	require.GreaterOrEqual(t, f.barN["RISE"], 200)
}

func TestRunRank(t *testing.T) {
	t.Parallel()
	universe := func(f *fake) []string {
		f.add(fund("P", 3e12, 30, 5e7), series(1e6, 100, 147, 150))    // +2.04%
		f.add(fund("Q", 3e12, 10, 8e7), series(1e6, 100, 202, 200))    // -0.99%
		f.add(fund("R", 1e11, nan, nan), series(1e6, 100, 100, 105))   // +5%
		f.add(fund("S", nan, 15, 1e6), nil)                            // no bars
		f.add(fund("T", 1e10, 40, 2e6), series(1e6, 100, 100, 100, 0)) // close 0, change -100%
		return []string{"P", "Q", "R", "S", "T"}
	}
	for _, tt := range []struct {
		rankBy string
		want   []string
	}{
		{"market_cap", []string{"P", "Q", "R", "T", "S"}}, // P and Q tie: by symbol; S unknown: last
		{"market_cap_asc", []string{"T", "R", "P", "Q", "S"}},
		{"pe_ratio", []string{"Q", "S", "P", "T", "R"}},
		{"pe_ratio_desc", []string{"T", "P", "S", "Q", "R"}},
		{"avg_volume", []string{"Q", "P", "T", "S", "R"}},
		{"volume", []string{"Q", "P", "T", "S", "R"}},
		{"close", []string{"Q", "P", "R", "T", "S"}},
		{"close_asc", []string{"T", "R", "P", "Q", "S"}},
		{"change_pct", []string{"R", "P", "Q", "T", "S"}},
	} {
		t.Run(tt.rankBy, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			syms := universe(b.fake)
			p := params(t, `{"screener_set": "custom", "filter_criteria": {}, "rank_by": "`+tt.rankBy+`"}`)
			res, err := Run(b.ctx, p, syms, b.fake.sources(2))
			require.NoError(t, err)
			require.Equal(t, tt.want, symbols(res))
			require.Empty(t, res.Missing, "a missing rank value ranks last, it is not missing data")
			for s, n := range b.fake.calls() {
				require.Equal(t, 1, n, s)
			}
		})
	}
}

func TestRunRankByRuleOperand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rule, rankBy string
		want         []string
	}{
		{`{"indicator": "rsi", "operator": "<", "value": 100}`, "rsi", []string{"LOW", "MID", "HIGH"}},
		{`{"indicator": "rsi", "operator": ">", "value": 0}`, "rsi", []string{"HIGH", "MID", "LOW"}},
		{`{"indicator": "rsi", "operator": "<", "value": 100}`, "rsi_14_desc", []string{"HIGH", "MID", "LOW"}},
		{`{"indicator": "rsi", "operator": "<", "value": 60}`, "rsi", []string{"LOW", "MID"}},
	} {
		t.Run(tt.rule+" "+tt.rankBy, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.fake.add(fund("LOW", 1, 1, 1), zigzag(100, 1, 3))
			b.fake.add(fund("MID", 2, 1, 1), zigzag(101, 2, 2))
			b.fake.add(fund("HIGH", 3, 1, 1), zigzag(100, 3, 1))
			p := params(t, `{"screener_set": "custom", "filter_criteria": {"rule": `+tt.rule+`}, "rank_by": "`+tt.rankBy+`"}`)
			res, err := Run(b.ctx, p, []string{"HIGH", "LOW", "MID"}, b.fake.sources(2))
			require.NoError(t, err)
			require.Equal(t, tt.want, symbols(res))
			require.Equal(t, "rsi(14)", res.RankBy)
		})
	}
}

func TestRunTopN(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var syms []string
	for i := 1; i <= 30; i++ {
		s := fmt.Sprintf("S%02d", i)
		b.fake.add(fund(s, float64(i)*1e9, 10, 1e6), line(25, 1, 1, 1e6))
		syms = append(syms, s)
	}
	p := params(t, `{"screener_set": "custom", "filter_criteria": {"min_market_cap": 3e9}, "top_n": 5}`)
	res, err := Run(b.ctx, p, syms, b.fake.sources(4))
	require.NoError(t, err)
	require.Equal(t, []string{"S30", "S29", "S28", "S27", "S26"}, symbols(res))
	require.Equal(t, 28, res.FilteredCount)
	require.Equal(t, 30, res.TotalTickers)
	require.Equal(t, 5, res.TopN)
	require.Equal(t, map[string]int{"S30": 1, "S29": 1, "S28": 1, "S27": 1, "S26": 1}, b.fake.calls())
}

// TestRunBarsOnce combines everything that wants bars: the rule, the volume
// fallback and display.
func TestRunBarsOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var syms []string
	for i := range 40 {
		s := fmt.Sprintf("X%02d", i)
		vol := 2e6
		if i%3 == 0 {
			vol = nan
		}
		mcap := 1e9 * float64(i)
		b.fake.add(fund(s, mcap, 10, vol), zigzag(60, 1, float64(1+i%4)))
		syms = append(syms, s)
	}
	p := params(t, `{"screener_set": "custom", "filter_criteria": {"min_market_cap": 1e10, "min_volume": 1e6, "rule": {"indicator": "rsi", "operator": "<", "value": 45}}, "top_n": 3}`)
	res, err := Run(b.ctx, p, syms, b.fake.sources(5))
	require.NoError(t, err)
	require.NotEmpty(t, res.Results)
	calls := b.fake.calls()
	for i, s := range syms {
		if i < 10 {
			require.Zero(t, calls[s], "%s fails the market cap criterion: no bars", s)
		} else {
			require.Equal(t, 1, calls[s], s)
		}
	}
}

func TestRunConcurrencyLimit(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			want := conc
			if want == 0 {
				want = DefaultConcurrency
			}
			// The first want calls wait until want calls are in flight, so
			// the limit is reached; it must never be passed.
			var once sync.Once
			full := make(chan struct{})
			var started int
			var mu sync.Mutex
			b.fake.BarsHookFunc = func(ctx context.Context, _ string) {
				mu.Lock()
				started++
				if started == want {
					once.Do(func() { close(full) })
				}
				mu.Unlock()
				select {
				case <-full:
				case <-ctx.Done():
				}
			}
			var syms []string
			for i := range 50 {
				s := fmt.Sprintf("C%02d", i)
				b.fake.add(fund(s, 1e9, 10, 1e6), zigzag(40, 1, 2))
				syms = append(syms, s)
			}
			p := params(t, `{"screener_set": "custom", "filter_criteria": {"rule": {"indicator": "rsi", "operator": "<", "value": 101}}, "top_n": 50}`)
			res, err := Run(b.ctx, p, syms, b.fake.sources(conc))
			require.NoError(t, err)
			require.Len(t, res.Results, 50)
			require.EqualValues(t, want, b.fake.maxFlight.Load())
		})
	}
}

func TestRunCancel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	const conc = 4
	var mu sync.Mutex
	n := 0
	b.fake.BarsHookFunc = func(context.Context, string) {
		mu.Lock()
		defer mu.Unlock()
		if n++; n == 5 {
			cancel()
		}
	}
	var syms []string
	for i := range 100 {
		s := fmt.Sprintf("Z%02d", i)
		b.fake.add(fund(s, 1e9, 10, 1e6), zigzag(40, 1, 2))
		syms = append(syms, s)
	}
	p := params(t, `{"screener_set": "custom", "filter_criteria": {"rule": {"indicator": "rsi", "operator": "<", "value": 101}}}`)
	_, err := Run(ctx, p, syms, b.fake.sources(conc))
	require.ErrorIs(t, err, context.Canceled)
	total := 0
	for _, c := range b.fake.calls() {
		total += c
	}
	require.LessOrEqual(t, total, 5+conc-1, "fetching stops once ctx ends")

	// Cancelled before the run: not even fundamentals are fetched.
	b = setup(t)
	ctx, cancel2 := context.WithCancel(b.ctx)
	cancel2()
	_, err = Run(ctx, p, syms, b.fake.sources(conc))
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, b.fake.fundCalls)
}

func TestRunSources(t *testing.T) {
	t.Parallel()
	boom := errors.New("quote API down")
	rule := `{"rule": {"indicator": "rsi", "operator": "<", "value": 101}}`

	t.Run("fundamentals error when needed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.fundsErr = boom
		p := params(t, `{"screener_set": "sp500", "filter_criteria": {"max_pe_ratio": 20}}`)
		_, err := Run(b.ctx, p, []string{"A"}, b.fake.sources(1))
		require.ErrorIs(t, err, boom)
		require.ErrorContains(t, err, "screener sp500: fetch fundamentals of 1 symbols")
	})
	t.Run("fundamentals error when not needed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.fundsErr = boom
		b.fake.series["A"] = zigzag(40, 1, 2)
		p := params(t, `{"screener_set": "custom", "filter_criteria": `+rule+`, "rank_by": "rsi"}`)
		res, err := Run(b.ctx, p, []string{"A"}, b.fake.sources(1))
		require.NoError(t, err)
		require.Equal(t, []string{"A"}, symbols(res))
		require.Nil(t, res.Results[0].MarketCap)
		require.NotNil(t, res.Results[0].Close)
	})
	t.Run("no fundamentals source", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		src := b.fake.sources(1)
		src.Fundamentals = nil
		_, err := Run(b.ctx, params(t, `{"screener_set": "sp500", "filter_criteria": {}}`), []string{"A"}, src)
		require.ErrorContains(t, err, "no fundamentals source")
	})
	t.Run("no bars source", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.add(fund("A", 1e9, 10, 1e6), nil)
		src := b.fake.sources(1)
		src.Bars = nil
		_, err := Run(b.ctx, params(t, `{"screener_set": "sp500", "filter_criteria": `+rule+`}`), []string{"A"}, src)
		require.ErrorContains(t, err, "no bars source")
		// Without a rule bars are only for display.
		res, err := Run(b.ctx, params(t, `{"screener_set": "sp500", "filter_criteria": {}}`), []string{"A"}, src)
		require.NoError(t, err)
		require.Nil(t, res.Results[0].Close)
	})
	t.Run("display fetch fails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.add(fund("A", 1e9, 10, 1e6), nil)
		b.fake.barsErr["A"] = boom
		res, err := Run(b.ctx, params(t, `{"screener_set": "sp500", "filter_criteria": {}}`), []string{"A"}, b.fake.sources(1))
		require.NoError(t, err)
		require.Equal(t, []string{"A"}, symbols(res))
		require.Nil(t, res.Results[0].Close)
		require.Nil(t, res.Results[0].ChangePct)
	})
	t.Run("wrong timeframe reaches Bars", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.fake.add(fund("A", 1e9, 10, 1e6), zigzag(40, 1, 2))
		p := params(t, `{"screener_set": "sp500", "filter_criteria": `+rule+`, "timeframe": "1h"}`)
		res, err := Run(b.ctx, p, []string{"A"}, b.fake.sources(1))
		require.NoError(t, err)
		require.Equal(t, "bars: fake: timeframe 1h", missingSymbols(res)["A"])
	})
}

func TestRunParams(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.add(fund("A", 2e9, 10, 1e6), line(30, 1, 1, 1))
	b.fake.add(fund("B", 1e9, 10, 1e6), line(30, 1, 1, 1))
	// Zero values take the defaults.
	res, err := Run(b.ctx, Params{ScreenerSet: "custom"}, []string{"B", "A", "B", ""}, b.fake.sources(1))
	require.NoError(t, err)
	require.Equal(t, []string{"A", "B"}, symbols(res))
	require.Equal(t, 2, res.TotalTickers, "duplicates and empty symbols dropped")
	require.Equal(t, 10, res.TopN)
	require.Equal(t, "market_cap", res.RankBy)

	_, err = Run(b.ctx, Params{TopN: 501, RankBy: "nope", Criteria: Criteria{Rule: json.RawMessage(`{"indicator": "rsx"}`)}}, nil, b.fake.sources(1))
	var pe *ParamsError
	require.ErrorAs(t, err, &pe)
	require.Contains(t, err.Error(), "top_n: must be an integer between 1 and 500, got 501")
	require.Contains(t, err.Error(), "filter_criteria.rule.indicator")

	res, err = Run(b.ctx, Params{ScreenerSet: "custom"}, nil, b.fake.sources(1))
	require.NoError(t, err)
	require.Zero(t, res.TotalTickers)
	require.Equal(t, 1, b.fake.fundCalls, "no fundamentals call for an empty universe")
}

func TestResultJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.add(fund("A", 2e9, nan, 1e6), zigzag(40, 1, 2))
	b.fake.add(fund("B", nan, 10, 1e6), zigzag(40, 1, 2))
	p := params(t, `{"screener_set": "sp500", "filter_criteria": {"min_volume": 1e6, "rule": {"indicator": "rsi", "operator": "<", "value": 101}}}`)
	res, err := Run(b.ctx, p, []string{"A", "B", "C"}, b.fake.sources(1))
	require.NoError(t, err)
	data, err := json.Marshal(res)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	require.ElementsMatch(t, []string{"screener_set", "total_tickers", "filtered_count", "results", "missing", "rank_by", "rank_order", "top_n", "filter_criteria", "as_of"},
		slices.Collect(maps.Keys(doc)))
	results := doc["results"].([]any)
	require.Len(t, results, 2)
	a := results[0].(map[string]any)
	require.Equal(t, "A", a["symbol"])
	require.Nil(t, a["pe_ratio"])
	require.Contains(t, a, "pe_ratio", "unknown is null, not left out")
	require.Contains(t, a["indicators"], "rsi(14)")
	require.Equal(t, []any{map[string]any{"symbol": "C", "reason": "no fundamentals"}}, doc["missing"])
	require.Equal(t, map[string]any{"min_volume": 1e6, "rule": map[string]any{"indicator": "rsi", "operator": "<", "value": 101.0}}, doc["filter_criteria"])

	// The stored result reads back and renders.
	var back Result
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, res.Text(), back.Text())
}
