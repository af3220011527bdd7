package report

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// P closes 100, 120, 90, 108, 126 (five daily bars ending 2026-02-27).
func TestPerformanceReport(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	out, err := Build(bundle.ctx, Request{
		Type: TypePerformanceReport, Symbols: []string{"P"}, Windows: []int{1, 2, 4, 10}, Now: bundle.now,
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Empty(t, out.Charts)
	res := out.Result.(*PerformanceReport)
	require.Len(t, res.Entries, 1)
	e := res.Entries[0]
	require.Equal(t, "P", e.Name)
	require.Equal(t, KindSymbol, e.Kind)
	require.InDelta(t, 126.0, float64(e.Last), 0)
	require.Equal(t, 5, e.Bars)
	require.Equal(t, reportDay.AddDate(0, 0, -4), e.From)
	require.Equal(t, reportDay, e.To)

	// 126/108 − 1 = 16.67%, 126/90 − 1 = 40%, 126/100 − 1 = 26%, 10 bars: too few.
	require.Equal(t, []int{1, 2, 4, 10}, []int{e.Returns[0].Window, e.Returns[1].Window, e.Returns[2].Window, e.Returns[3].Window})
	require.InDelta(t, 100.0/6, float64(e.Returns[0].ReturnPct), 1e-9)
	require.InDelta(t, 40.0, float64(e.Returns[1].ReturnPct), 1e-9)
	require.InDelta(t, 26.0, float64(e.Returns[2].ReturnPct), 1e-9)
	require.True(t, math.IsNaN(float64(e.Returns[3].ReturnPct)))
	require.InDelta(t, 26.0, float64(e.TotalReturnPct), 1e-9)

	// Max drawdown 120 → 90: 30 / 120 = 25%.
	require.InDelta(t, 25.0, float64(e.MaxDrawdownPct), 1e-9)
	require.Equal(t, reportDay.AddDate(0, 0, -3), e.DrawdownPeak)
	require.Equal(t, reportDay.AddDate(0, 0, -2), e.DrawdownTrough)

	// Returns 0.2, −0.25, 0.2, 1/6: mean 19/240; deviations 29, −79, 29,
	// 21 (/240); Σd² = 8364/57600; sample variance 8364/172800.
	mean := 19.0 / 240
	sd := math.Sqrt(8364.0 / 172800) // 0.2200063
	require.InDelta(t, sd*math.Sqrt(252)*100, float64(e.VolatilityPct), 1e-9)
	require.InDelta(t, 349.249194702, float64(e.VolatilityPct), 1e-8)
	require.InDelta(t, mean/sd*math.Sqrt(252), float64(e.Sharpe), 1e-9)
	require.InDelta(t, 5.71225368666, float64(e.Sharpe), 1e-9)

	m := requireJSON(t, res)
	ret := m["entries"].([]any)[0].(map[string]any)["returns"].([]any)
	require.Nil(t, ret[3].(map[string]any)["return_pct"])

	lines := strings.Split(out.Text, "\n")
	require.Equal(t, "Performance report 2026-02-27 (1d)", lines[0])
	require.Contains(t, lines, "P  126.00  1d +16.67%  2d +40.00%  4d +26.00%  10d n/a")
	require.Contains(t, lines, "  volatility 349.25%/yr  Sharpe 5.71  max drawdown -25.00%")
	require.Contains(t, lines, "  total +26.00% over 5 bars since 2026-02-23")
}

func TestPerformanceReportPortfolio(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	p := testPortfolio()
	p.Holdings = append(p.Holdings, Holding{Symbol: "FAIL", Quantity: 1, CostBasis: 1})
	out, err := Build(bundle.ctx, Request{
		Type: TypePerformanceReport, Symbols: []string{"P", "A"}, Portfolio: p,
		Windows: []int{4}, Now: bundle.now, IncludeCharts: true,
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"A": 1, "B": 1, "C": 1, "FAIL": 1, "P": 1}, bundle.data.calls)
	require.Equal(t, []Missing{{Symbol: "FAIL", Reason: "provider down"}}, out.Missing)

	res := out.Result.(*PerformanceReport)
	require.Len(t, res.Entries, 3)
	pe := res.Entries[0]
	require.Equal(t, "main", pe.Name)
	require.Equal(t, KindPortfolio, pe.Kind)
	require.Equal(t, int64(3), pe.PortfolioID)
	require.True(t, pe.Incomplete)
	// Equity 520, 528, 504, 510, 536.25 (see TestPortfolioAnalysis).
	require.InDelta(t, 536.25, float64(pe.Last), 1e-12)
	require.InDelta(t, 3.125, float64(pe.Returns[0].ReturnPct), 1e-9)
	require.InDelta(t, 24.0/528*100, float64(pe.MaxDrawdownPct), 1e-9)
	// A: 15 / 10 − 1 = 50% over 4 bars.
	require.Equal(t, "A", res.Entries[2].Name)
	require.InDelta(t, 50.0, float64(res.Entries[2].Returns[0].ReturnPct), 1e-9)

	require.Equal(t, []string{
		"portfolio-3-equity.png", "portfolio-3-drawdown.png",
		"P-equity.png", "P-drawdown.png",
		"A-equity.png", "A-drawdown.png",
	}, requireCharts(t, out.Charts))
	require.Equal(t, "P: +26.00% over 5 bars, max drawdown -25.00%", out.Charts[2].Caption)

	requireJSON(t, res)
	require.Contains(t, out.Text, "\nmain (portfolio)  536.25  4d +3.12%\n")
	require.Contains(t, out.Text, "  some holdings have no data and are left out\n")
	require.Contains(t, out.Text, "missing data: FAIL (provider down)")
}

func TestNormalise(t *testing.T) {
	t.Parallel()

	got := normalise([]float64{math.NaN(), 50, 75, 25})
	require.True(t, math.IsNaN(got[0]))
	require.Equal(t, []float64{100, 150, 50}, got[1:])
}
