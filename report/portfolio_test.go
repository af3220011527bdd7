package report

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The test portfolio (see buildSetup and testPortfolio), five daily bars
// ending 2026-02-27:
//
//	A  closes 10 12 9 12 15            qty 10, cost 10
//	B  closes 20 24 18 24 30 (= 2·A)   qty 5,  cost 30
//	C  closes 40 36 40.5 33.75 29.53125 (returns −A's/2) qty 8, cost 40,
//	   plus an extra bar that A and B lack
//
// Values: A 10·15 = 150, B 5·30 = 150, C 8·29.53125 = 236.25; total 536.25.
// Costs: 100, 150, 320; total 570. P&L: +50, 0, −83.75; total −33.75.
// Equity 10A + 5B + 8C = 20A + 8C: 520, 528, 504, 510, 536.25.
func TestPortfolioAnalysis(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	out, err := Build(bundle.ctx, Request{
		Type: TypePortfolioAnalysis, Portfolio: testPortfolio(), Now: bundle.now, Windows: []int{1, 4, 5},
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Empty(t, out.Missing)
	require.Empty(t, out.Charts)
	res := out.Result.(*PortfolioAnalysis)
	require.Equal(t, int64(3), res.PortfolioID)
	require.Equal(t, "USD", res.Currency)
	require.False(t, res.Incomplete)

	type want struct{ price, value, cost, weight, pnl, pnlPct, day float64 }
	for i, w := range []want{
		// weight 150 / 536.25 = 27.972...%; day 15 / 12 − 1 = +25%
		{15, 150, 100, 150 / 536.25 * 100, 50, 50, 25},
		// P&L 0: 150 − 150
		{30, 150, 150, 150 / 536.25 * 100, 0, 0, 25},
		// weight 236.25 / 536.25 = 44.055...%; P&L % −83.75 / 320 = −26.171875%;
		// day 29.53125 / 33.75 − 1 = −12.5%
		{29.53125, 236.25, 320, 236.25 / 536.25 * 100, -83.75, -26.171875, -12.5},
	} {
		h := res.Holdings[i]
		require.InDelta(t, w.price, float64(h.Price), 1e-12, h.Symbol)
		require.InDelta(t, w.value, float64(h.Value), 1e-12, h.Symbol)
		require.InDelta(t, w.cost, h.Cost, 1e-12, h.Symbol)
		require.InDelta(t, w.weight, float64(h.WeightPct), 1e-9, h.Symbol)
		require.InDelta(t, w.pnl, float64(h.PnL), 1e-12, h.Symbol)
		require.InDelta(t, w.pnlPct, float64(h.PnLPct), 1e-9, h.Symbol)
		require.InDelta(t, w.day, float64(h.DayChangePct), 1e-9, h.Symbol)
		require.Equal(t, reportDay, h.PriceTime)
	}
	require.InDelta(t, 27.972027972, float64(res.Holdings[0].WeightPct), 1e-9)

	tot := res.Totals
	require.InDelta(t, 536.25, float64(tot.Value), 1e-12)
	require.InDelta(t, 570.0, float64(tot.Cost), 1e-12)
	require.InDelta(t, -33.75, float64(tot.PnL), 1e-12)
	require.InDelta(t, -33.75/570*100, float64(tot.PnLPct), 1e-9) // −5.921...%
	// Previous values 120 + 120 + 8·33.75 = 510; 536.25 / 510 − 1 = +5.147...%
	require.InDelta(t, 26.25/510*100, float64(tot.DayChangePct), 1e-9)
	require.Equal(t, 3, tot.Priced)

	st := res.Performance
	require.Equal(t, 5, st.Bars, "C's extra bar is not common")
	require.Equal(t, reportDay.AddDate(0, 0, -4), st.From)
	require.Equal(t, reportDay, st.To)
	// Windows: 536.25/510 − 1 = 5.147%; 536.25/520 − 1 = 3.125%; 5 needs 6 bars.
	require.Equal(t, 1, st.Returns[0].Window)
	require.InDelta(t, 26.25/510*100, float64(st.Returns[0].ReturnPct), 1e-9)
	require.InDelta(t, 3.125, float64(st.Returns[1].ReturnPct), 1e-9)
	require.True(t, math.IsNaN(float64(st.Returns[2].ReturnPct)))
	require.InDelta(t, 3.125, float64(st.TotalReturnPct), 1e-9)
	// Max drawdown 528 → 504: 24 / 528 = 4.5454...%
	require.InDelta(t, 24.0/528*100, float64(st.MaxDrawdownPct), 1e-9)
	require.Equal(t, reportDay.AddDate(0, 0, -3), st.DrawdownPeak)
	require.Equal(t, reportDay.AddDate(0, 0, -2), st.DrawdownTrough)
	// Equity returns 8/520 = 1/65, −24/528 = −1/22, 6/504 = 1/84,
	// 26.25/510 = 7/136; sample standard deviation annualised with √252.
	r := []float64{1.0 / 65, -1.0 / 22, 1.0 / 84, 7.0 / 136}
	mean := (r[0] + r[1] + r[2] + r[3]) / 4 // 0.0083264
	var ss float64
	for _, x := range r {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / 3) // 0.0400684
	require.InDelta(t, sd*math.Sqrt(252)*100, float64(st.VolatilityPct), 1e-9)
	require.InDelta(t, 63.6066402718, float64(st.VolatilityPct), 1e-8)
	require.InDelta(t, mean/sd*math.Sqrt(252), float64(st.Sharpe), 1e-9) // 3.2988
	require.Equal(t, 252.0, st.PeriodsPerYear)

	// B = 2·A: +1; C's returns are −½ of A's: −1.
	c := res.Correlation
	require.Equal(t, []string{"A", "B", "C"}, c.Symbols)
	require.Equal(t, 4, c.Returns)
	for i, row := range [][]float64{{1, 1, -1}, {1, 1, -1}, {-1, -1, 1}} {
		for j, v := range row {
			require.InDelta(t, v, float64(c.Matrix[i][j]), 1e-9, "%d,%d", i, j)
		}
	}

	requireJSON(t, res)
	lines := strings.Split(out.Text, "\n")
	require.Equal(t, "Portfolio analysis 2026-02-27 (1d)", lines[0])
	require.Equal(t, "main (#3)", lines[1])
	require.Contains(t, lines, "value 536.25 USD  cost 570.00  P&L -33.75 (-5.92%)  today +5.15%")
	require.Contains(t, lines, "volatility 63.61%/yr  Sharpe 3.30  max drawdown -4.55%")
	require.Contains(t, lines, "returns 1d +5.15%  4d +3.12%  5d n/a")
	require.Contains(t, lines, "A  10 @ 15.00  value 150.00 (28.0%)  P&L +50.00 (+50.00%)  today +25.00%")
	require.Contains(t, lines, "C  8 @ 29.53  value 236.25 (44.1%)  P&L -83.75 (-26.17%)  today -12.50%")
	require.Contains(t, lines, "A/B +1.00  A/C -1.00  B/C -1.00")
	require.NotContains(t, out.Text, "missing data")
}

func TestPortfolioAnalysisMissingHolding(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	p := testPortfolio()
	p.Holdings = append(p.Holdings, Holding{Symbol: "FAIL", Quantity: 1, CostBasis: 1000})
	out, err := Build(bundle.ctx, Request{Type: TypePortfolioAnalysis, Portfolio: p, Now: bundle.now}, bundle.data.fetch)
	require.NoError(t, err)
	require.Equal(t, []Missing{{Symbol: "FAIL", Reason: "provider down"}}, out.Missing)
	res := out.Result.(*PortfolioAnalysis)
	require.True(t, res.Incomplete)
	h := res.Holdings[3]
	require.True(t, h.Missing)
	require.True(t, math.IsNaN(float64(h.Value)))
	require.InDelta(t, 1000.0, h.Cost, 0)
	// Totals and history cover the three priced holdings only.
	require.InDelta(t, 536.25, float64(res.Totals.Value), 1e-12)
	require.InDelta(t, 570.0, float64(res.Totals.Cost), 1e-12)
	require.Equal(t, 3, res.Totals.Priced)
	require.Equal(t, 4, res.Totals.Holdings)
	require.InDelta(t, 24.0/528*100, float64(res.Performance.MaxDrawdownPct), 1e-9)

	m := requireJSON(t, res)
	require.Nil(t, m["holdings"].([]any)[3].(map[string]any)["value"])
	require.Contains(t, out.Text, "totals cover 3 of 4 holdings")
	require.Contains(t, out.Text, "FAIL  1  no data")
	require.Contains(t, out.Text, "missing data: FAIL (provider down)")
}

func TestPortfolioAnalysisAllMissing(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	p := &Portfolio{ID: 9, Holdings: []Holding{{Symbol: "FAIL", Quantity: 1}, {Symbol: "NOPE", Quantity: 2}}}
	out, err := Build(bundle.ctx, Request{Type: TypePortfolioAnalysis, Portfolio: p, Now: bundle.now, IncludeCharts: true}, bundle.data.fetch)
	require.NoError(t, err)
	require.Len(t, out.Missing, 2)
	require.Empty(t, out.Charts)
	res := out.Result.(*PortfolioAnalysis)
	require.Zero(t, res.Performance.Bars)
	require.True(t, math.IsNaN(float64(res.Totals.Value)))
	requireJSON(t, res)
	require.Contains(t, out.Text, "\nportfolio #9\n")
	require.Contains(t, out.Text, "no holding has data")
}

func TestPortfolioAnalysisCharts(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	out, err := Build(bundle.ctx, Request{
		Type: TypePortfolioAnalysis, Portfolio: testPortfolio(), Now: bundle.now, IncludeCharts: true,
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Equal(t, []string{"portfolio-3-equity.png", "portfolio-3-drawdown.png"}, requireCharts(t, out.Charts))
	require.Equal(t, "main: value of the current holdings over 5 bars, max drawdown -4.55%", out.Charts[0].Caption)
}

func TestCorrelationManyHoldings(t *testing.T) {
	t.Parallel()

	c := CorrelationMatrix{Symbols: []string{"A", "B", "C", "D", "E", "F", "G"}}
	c.Matrix = make([][]Float, 7)
	for i := range c.Matrix {
		c.Matrix[i] = make([]Float, 7)
		for j := range c.Matrix[i] {
			c.Matrix[i][j] = Float(float64(i+j) / 20)
		}
	}
	c.Matrix[0][1], c.Matrix[1][0] = nanF(), nanF()
	// Highest pairs: F/G 0.55, E/G 0.50, D/G 0.45 (E/F 0.45 too, later);
	// lowest: A/D, B/C 0.15 and A/C 0.10 (A/B is undefined).
	require.Equal(t, "highest F/G +0.55  E/G +0.50  D/G +0.45\nlowest A/D +0.15  B/C +0.15  A/C +0.10", correlationLine(c))
}
