package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

// reportDay is the date of the test reports; every test series ends on it.
var reportDay = time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)

// fakeData serves fixed series and errors and records how it is called.
type fakeData struct {
	mu          sync.Mutex
	series      map[string]bars.Series
	errs        map[string]error
	calls       map[string]int
	asked       map[string]int // n of the last call per symbol
	inFlight    int
	maxInFlight int
}

func (f *fakeData) fetch(ctx context.Context, sym string, tf bars.Timeframe, n int) (bars.Series, error) {
	f.mu.Lock()
	f.calls[sym]++
	f.asked[sym] = n
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if tf != bars.D1 {
		return nil, errors.New("unexpected timeframe " + string(tf))
	}
	if err := f.errs[sym]; err != nil {
		return nil, err
	}
	s, ok := f.series[sym]
	if !ok {
		return nil, errors.New("unknown symbol")
	}
	return s, nil
}

type buildBundle struct {
	ctx  context.Context
	data *fakeData
	now  time.Time
}

// buildSetup returns a fake data source holding the daily test series
// (LIN, ZIG, A, B, C, P) and an EMPTY symbol with no bars; FAIL fails.
func buildSetup(t *testing.T) buildBundle {
	t.Helper()
	a := []float64{10, 12, 9, 12, 15}
	b := []float64{20, 24, 18, 24, 30} // 2·A: the same returns
	c := []float64{40, 36, 40.5, 33.75, 29.53125}
	cs := daily(c, nil)
	// A weekend-style extra bar that A and B lack: left out of the common
	// history (its close would wreck every figure if it were not).
	extra := bars.Bar{Time: cs[1].Time.Add(12 * time.Hour), Open: 1000, High: 1000, Low: 1000, Close: 1000}
	cs = append(cs[:2:2], append(bars.Series{extra}, cs[2:]...)...)

	return buildBundle{
		ctx: context.Background(),
		data: &fakeData{
			series: map[string]bars.Series{
				"LIN":   linSeries(),
				"ZIG":   daily([]float64{100, 102, 101, 103, 102, 104, 103, 105, 104, 106, 105, 107, 106, 108, 107}, nil),
				"A":     daily(a, nil),
				"B":     daily(b, nil),
				"C":     cs,
				"P":     daily([]float64{100, 120, 90, 108, 126}, nil),
				"EMPTY": {},
			},
			errs:  map[string]error{"FAIL": errors.New("provider down")},
			calls: map[string]int{},
			asked: map[string]int{},
		},
		now: reportDay.Add(22 * time.Hour),
	}
}

// linSeries is 250 daily bars closing at 100 + i, with volume 1000 on even
// bars and 2000 on odd ones, except 4500 on the last.
func linSeries() bars.Series {
	closes := make([]float64, 250)
	volumes := make([]float64, 250)
	for i := range closes {
		closes[i] = 100 + float64(i)
		volumes[i] = 1000
		if i%2 == 1 {
			volumes[i] = 2000
		}
	}
	volumes[249] = 4500
	return daily(closes, volumes)
}

// daily builds consecutive daily bars ending on reportDay. Opens are the
// previous close; volumes default to 1000.
func daily(closes, volumes []float64) bars.Series {
	s := make(bars.Series, len(closes))
	for i, c := range closes {
		open := c
		if i > 0 {
			open = closes[i-1]
		}
		v := 1000.0
		if volumes != nil {
			v = volumes[i]
		}
		s[i] = bars.Bar{
			Time: reportDay.AddDate(0, 0, i-len(closes)+1),
			Open: open, High: max(open, c) + 1, Low: min(open, c) - 1, Close: c, Volume: v,
		}
	}
	return s
}

// testPortfolio holds A, B and C (see buildSetup).
func testPortfolio() *Portfolio {
	return &Portfolio{ID: 3, Name: "main", Currency: "USD", Holdings: []Holding{
		{Symbol: "A", Quantity: 10, CostBasis: 10},
		{Symbol: "B", Quantity: 5, CostBasis: 30},
		{Symbol: "C", Quantity: 8, CostBasis: 40},
	}}
}

var chartName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// requireCharts checks that charts are PNGs of their expected sizes with
// valid, unique names, and returns their names.
func requireCharts(t *testing.T, charts []Chart) []string {
	t.Helper()
	names := make([]string, len(charts))
	seen := map[string]bool{}
	for i, c := range charts {
		require.Regexp(t, chartName, c.Name)
		require.False(t, seen[c.Name], "duplicate name %s", c.Name)
		seen[c.Name] = true
		require.NotEmpty(t, c.Caption)
		img, err := png.Decode(bytes.NewReader(c.PNG))
		require.NoError(t, err, c.Name)
		want := image.Rect(0, 0, lineWidth, lineHeight)
		if regexp.MustCompile(`-candles(-\d+)?\.png$`).MatchString(c.Name) {
			want = image.Rect(0, 0, candleWidth, candleHeight)
		}
		require.Equal(t, want, img.Bounds(), c.Name)
		names[i] = c.Name
	}
	return names
}

// requireJSON encodes v, checks that it holds no NaN and decodes it into a
// generic map.
func requireJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	require.NotContains(t, string(b), "NaN")
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestBuildInvalidRequest(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	for _, tc := range []struct {
		name  string
		req   Request
		field string
	}{
		{"NoType", Request{Symbols: []string{"LIN"}}, "report_type: required"},
		{"UnknownType", Request{Type: "weekly_gossip", Symbols: []string{"LIN"}}, `report_type: unknown "weekly_gossip"`},
		{"NoSymbols", Request{Type: TypeDailySummary}, "parameters.symbols: required for daily_summary"},
		{"EmptySymbol", Request{Type: TypeDailySummary, Symbols: []string{"LIN", " "}}, "parameters.symbols[1]: empty symbol"},
		{"PerformanceNothing", Request{Type: TypePerformanceReport}, "parameters.symbols: required for performance_report"},
		{"PortfolioMissing", Request{Type: TypePortfolioAnalysis, Symbols: []string{"LIN"}}, "parameters.portfolio_id: required for portfolio_analysis"},
		{"PortfolioEmpty", Request{Type: TypePortfolioAnalysis, Portfolio: &Portfolio{ID: 7}}, "parameters.portfolio_id: portfolio 7 has no holdings"},
		{"PerformanceEmptyPortfolio", Request{Type: TypePerformanceReport, Symbols: []string{"P"}, Portfolio: &Portfolio{ID: 7}}, "parameters.portfolio_id: portfolio 7 has no holdings"},
		{"HoldingQuantity", Request{Type: TypePortfolioAnalysis, Portfolio: &Portfolio{ID: 7, Holdings: []Holding{{Symbol: "A", Quantity: 1}, {Symbol: "B"}}}}, "portfolio.holdings[1].quantity"},
		{"HoldingCost", Request{Type: TypePortfolioAnalysis, Portfolio: &Portfolio{ID: 7, Holdings: []Holding{{Symbol: "A", Quantity: 1, CostBasis: -1}}}}, "portfolio.holdings[0].cost_basis"},
		{"HoldingDuplicate", Request{Type: TypePortfolioAnalysis, Portfolio: &Portfolio{ID: 7, Holdings: []Holding{{Symbol: "A", Quantity: 1}, {Symbol: "A", Quantity: 2}}}}, "portfolio.holdings[1].symbol: duplicate symbol A"},
		{"Timeframe", Request{Type: TypeDailySummary, Symbols: []string{"LIN"}, Timeframe: "2h"}, "parameters.timeframe"},
		{"Window", Request{Type: TypePerformanceReport, Symbols: []string{"P"}, Windows: []int{5, 0}}, "parameters.windows[1]: 0 bars"},
		{"WindowTooLong", Request{Type: TypePerformanceReport, Symbols: []string{"P"}, Windows: []int{10001}}, "parameters.windows[0]"},
		{"Concurrency", Request{Type: TypeDailySummary, Symbols: []string{"LIN"}, Concurrency: -1}, "concurrency"},
		{"PeriodsPerYear", Request{Type: TypeDailySummary, Symbols: []string{"LIN"}, PeriodsPerYear: -5}, "periods_per_year"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.req.Now = bundle.now
			_, err := Build(bundle.ctx, tc.req, bundle.data.fetch)
			require.ErrorIs(t, err, ErrInvalidRequest)
			require.ErrorContains(t, err, tc.field)
		})
	}

	t.Run("NoNow", func(t *testing.T) {
		t.Parallel()
		_, err := Build(bundle.ctx, Request{Type: TypeDailySummary, Symbols: []string{"LIN"}}, bundle.data.fetch)
		require.ErrorIs(t, err, ErrInvalidRequest)
		require.ErrorContains(t, err, "now: required")
	})

	t.Run("NoFetches", func(t *testing.T) {
		t.Parallel()
		bundle := buildSetup(t)
		_, err := Build(bundle.ctx, Request{Type: "nope", Symbols: []string{"LIN"}, Now: bundle.now}, bundle.data.fetch)
		require.Error(t, err)
		require.Empty(t, bundle.data.calls)
	})
}

func TestBuildMissingSymbols(t *testing.T) {
	t.Parallel()

	for _, typ := range []string{TypeDailySummary, TypePerformanceReport} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			bundle := buildSetup(t)

			out, err := Build(bundle.ctx, Request{
				Type: typ, Symbols: []string{"FAIL", "LIN", "NOPE", "EMPTY"}, Now: bundle.now, IncludeCharts: true,
			}, bundle.data.fetch)
			require.NoError(t, err)
			require.Equal(t, []Missing{
				{Symbol: "FAIL", Reason: "provider down"},
				{Symbol: "NOPE", Reason: "unknown symbol"},
				{Symbol: "EMPTY", Reason: "no bars"},
			}, out.Missing)
			require.Contains(t, out.Text, "missing data: FAIL (provider down), NOPE (unknown symbol), EMPTY (no bars)")
			m := requireJSON(t, out.Result)
			require.Len(t, m["missing"], 3)
			// Charts only for the symbol with data.
			for _, name := range requireCharts(t, out.Charts) {
				require.Regexp(t, `^LIN-`, name)
			}
		})
	}

	t.Run("AllMissing", func(t *testing.T) {
		t.Parallel()
		bundle := buildSetup(t)

		out, err := Build(bundle.ctx, Request{
			Type: TypeDailySummary, Symbols: []string{"FAIL", "NOPE"}, Now: bundle.now, IncludeCharts: true,
		}, bundle.data.fetch)
		require.NoError(t, err)
		require.Len(t, out.Missing, 2)
		require.Empty(t, out.Charts)
		require.Empty(t, out.Result.(*DailySummary).Symbols)
		require.Contains(t, out.Text, "no data for any symbol")
		require.Contains(t, out.Text, "missing data: FAIL (provider down), NOPE (unknown symbol)")
		requireJSON(t, out.Result)
	})
}

func TestBuildFetchesEachSymbolOnce(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	// A and C are holdings and requested symbols; LIN is asked for twice.
	out, err := Build(bundle.ctx, Request{
		Type: TypePerformanceReport, Symbols: []string{"A", "LIN", "C", "LIN", "P"},
		Portfolio: testPortfolio(), Now: bundle.now,
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"A": 1, "B": 1, "C": 1, "LIN": 1, "P": 1}, bundle.data.calls)
	// A year of daily bars (252) plus one, as the longest default window
	// (250) is shorter.
	require.Equal(t, 253, bundle.data.asked["P"])

	names := []string{}
	for _, e := range out.Result.(*PerformanceReport).Entries {
		names = append(names, e.Name)
	}
	require.Equal(t, []string{"main", "A", "LIN", "C", "P"}, names)
}

func TestBuildConcurrency(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	_, err := Build(bundle.ctx, Request{
		Type: TypeDailySummary, Symbols: []string{"LIN", "ZIG", "A", "B", "C", "P", "FAIL"},
		Now: bundle.now, Concurrency: 2,
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.LessOrEqual(t, bundle.data.maxInFlight, 2)
	require.Len(t, bundle.data.calls, 7)
	require.Equal(t, dailyBars, bundle.data.asked["LIN"])
}

func TestBuildCanceled(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	ctx, cancel := context.WithCancel(bundle.ctx)
	cancel()
	_, err := Build(ctx, Request{Type: TypeDailySummary, Symbols: []string{"LIN"}, Now: bundle.now}, bundle.data.fetch)
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ErrInvalidRequest)

	// Canceled during the fetches: the report is not built from partial data.
	ctx, cancel = context.WithCancel(bundle.ctx)
	defer cancel()
	_, err = Build(ctx, Request{Type: TypeDailySummary, Symbols: []string{"LIN", "ZIG"}, Now: bundle.now, Concurrency: 1},
		func(ctx context.Context, sym string, tf bars.Timeframe, n int) (bars.Series, error) {
			cancel()
			return nil, ctx.Err()
		})
	require.ErrorIs(t, err, context.Canceled)
}

func TestBuildDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	// Out of order bars are sorted on a copy.
	s := daily([]float64{1, 2, 3}, nil)
	shuffled := bars.Series{s[2], s[0], s[1]}
	bundle.data.series["SHUF"] = shuffled
	p := testPortfolio()
	req := Request{Type: TypePortfolioAnalysis, Symbols: []string{" SHUF "}, Portfolio: p, Now: bundle.now}

	out, err := Build(bundle.ctx, req, bundle.data.fetch)
	require.NoError(t, err)
	require.Equal(t, bars.Series{s[2], s[0], s[1]}, shuffled)
	require.Equal(t, testPortfolio(), p)
	require.Equal(t, []string{" SHUF "}, req.Symbols)
	require.Zero(t, bundle.data.calls["SHUF"], "portfolio_analysis ignores symbols")
	require.Equal(t, "main", out.Result.(*PortfolioAnalysis).Name)

	out, err = Build(bundle.ctx, Request{Type: TypePerformanceReport, Symbols: []string{"SHUF"}, Windows: []int{2}, Now: bundle.now}, bundle.data.fetch)
	require.NoError(t, err)
	e := out.Result.(*PerformanceReport).Entries[0]
	require.InDelta(t, 200.0, float64(e.Returns[0].ReturnPct), 1e-9) // 3/1 − 1, after sorting
	require.Equal(t, s[2].Time, e.To)
}

func TestPeriodsPerYear(t *testing.T) {
	t.Parallel()

	require.Equal(t, 252.0, PeriodsPerYear(bars.D1))
	require.Equal(t, 52.0, PeriodsPerYear(bars.W1))
	require.Equal(t, 252.0*6, PeriodsPerYear(bars.H4))
	require.Equal(t, 252.0*24*60, PeriodsPerYear(bars.M1))
	require.Zero(t, PeriodsPerYear("2h"))
}

func TestFloatJSON(t *testing.T) {
	t.Parallel()

	type doc struct {
		A Float   `json:"a"`
		B Float   `json:"b"`
		C []Float `json:"c"`
	}
	b, err := json.Marshal(doc{A: 1.5, B: nanF(), C: []Float{Float(inf()), 2}})
	require.NoError(t, err)
	require.JSONEq(t, `{"a": 1.5, "b": null, "c": [null, 2]}`, string(b))

	var d doc
	require.NoError(t, json.Unmarshal(b, &d))
	require.Equal(t, Float(1.5), d.A)
	require.True(t, isNaN(d.B))
	require.True(t, isNaN(d.C[0]))
	require.Error(t, json.Unmarshal([]byte(`{"a": "x"}`), &d))
}
