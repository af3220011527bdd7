package report

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

func TestReturns(t *testing.T) {
	t.Parallel()

	got := Returns([]float64{100, 110, 99, 99})
	require.Len(t, got, 3)
	require.InDelta(t, 0.10, got[0], 1e-12)  // 110/100 - 1
	require.InDelta(t, -0.10, got[1], 1e-12) // 99/110 - 1
	require.InDelta(t, 0.0, got[2], 1e-12)

	require.Empty(t, Returns([]float64{100}))
	require.Empty(t, Returns(nil))
	require.True(t, math.IsNaN(Returns([]float64{0, 1})[0]))
}

func TestMaxDrawdown(t *testing.T) {
	t.Parallel()

	// Peaks 120 and 130: 120→90 is -25%, 130→104 is -20%.
	pct, peak, trough := MaxDrawdown([]float64{100, 120, 90, 130, 104, 140})
	require.InDelta(t, 25.0, pct, 1e-12)
	require.Equal(t, 1, peak)
	require.Equal(t, 2, trough)

	// The deeper fall comes later, from a later peak.
	pct, peak, trough = MaxDrawdown([]float64{100, 90, 150, 100, 120})
	require.InDelta(t, 100.0/3, pct, 1e-12) // 150→100
	require.Equal(t, 2, peak)
	require.Equal(t, 3, trough)

	pct, peak, trough = MaxDrawdown([]float64{1, 2, 3})
	require.Zero(t, pct)
	require.Equal(t, -1, peak)
	require.Equal(t, -1, trough)

	pct, peak, trough = MaxDrawdown(nil)
	require.Zero(t, pct)
	require.Equal(t, -1, peak)
	require.Equal(t, -1, trough)
}

func TestDrawdownSeries(t *testing.T) {
	t.Parallel()

	got := DrawdownSeries([]float64{100, 120, 90, 130})
	want := []float64{0, 0, -25, 0}
	require.Len(t, got, len(want))
	for i := range want {
		require.InDelta(t, want[i], got[i], 1e-12, "index %d", i)
	}
}

func TestVolatilityAndSharpe(t *testing.T) {
	t.Parallel()

	// mean 0.005; deviations ±0.015, ±0.005; Σd² = 500e-6; sample var = 500e-6/3 = 1/6000.
	r := []float64{0.02, 0, 0.01, -0.01}
	sd := math.Sqrt(1.0 / 6000) // 0.012909944487358056

	require.InDelta(t, sd*2, Volatility(r, 4), 1e-12) // √4 = 2
	require.InDelta(t, 0.025819888974716113, Volatility(r, 4), 1e-12)
	require.InDelta(t, sd*math.Sqrt(252), Volatility(r, 252), 1e-12)

	// (0.005 - 0.001) / sd · √4
	require.InDelta(t, 0.6196773353931867, Sharpe(r, 0.001, 4), 1e-12)
	require.InDelta(t, 0.005/sd*math.Sqrt(252), Sharpe(r, 0, 252), 1e-9)

	require.True(t, math.IsNaN(Volatility([]float64{0.1}, 252)))
	require.True(t, math.IsNaN(Sharpe([]float64{0.01, 0.01, 0.01}, 0, 252)), "no variation")
	// NaN returns are skipped.
	require.InDelta(t, sd*2, Volatility([]float64{math.NaN(), 0.02, 0, 0.01, -0.01}, 4), 1e-12)
}

func TestDayChangePct(t *testing.T) {
	t.Parallel()

	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	daily := bars.Series{
		{Time: day, Close: 100},
		{Time: day.AddDate(0, 0, 1), Close: 105},
	}
	require.InDelta(t, 5.0, DayChangePct(daily), 1e-12)

	// Intraday: against yesterday's last close (200), not the previous bar (190).
	intraday := bars.Series{
		{Time: day.Add(22 * time.Hour), Close: 180},
		{Time: day.Add(23 * time.Hour), Close: 200},
		{Time: day.Add(24 * time.Hour), Close: 190},
		{Time: day.Add(25 * time.Hour), Close: 210},
	}
	require.InDelta(t, 5.0, DayChangePct(intraday), 1e-12)

	require.InDelta(t, -20.0, DayChangePct(bars.Series{
		{Time: day, Close: 50},
		{Time: day.AddDate(0, 0, 1), Close: 40},
	}), 1e-12)

	require.True(t, math.IsNaN(DayChangePct(daily[:1])))
	require.True(t, math.IsNaN(DayChangePct(nil)))
}

func TestCorrelation(t *testing.T) {
	t.Parallel()

	a := []float64{1, 2, 3, 4}
	require.InDelta(t, 1.0, Correlation(a, []float64{2, 4, 6, 8}), 1e-12)
	require.InDelta(t, -1.0, Correlation(a, []float64{8, 6, 4, 2}), 1e-12)
	// Deviations of x: -1, 0, 1; of y: 1/3, -2/3, 1/3; Σ products = 0.
	require.InDelta(t, 0.0, Correlation([]float64{1, 2, 3}, []float64{1, 0, 1}), 1e-12)
	// Hand-computed: x dev -1,0,1 ; y = 1,3,2 → dev -1,1,0 ; cov 1, var 2 and 2 → 0.5.
	require.InDelta(t, 0.5, Correlation([]float64{1, 2, 3}, []float64{1, 3, 2}), 1e-12)

	require.True(t, math.IsNaN(Correlation(a, []float64{1, 2})), "length mismatch")
	require.True(t, math.IsNaN(Correlation(a, []float64{5, 5, 5, 5})), "constant")
	require.True(t, math.IsNaN(Correlation([]float64{1}, []float64{1})), "one pair")
	// NaN pairs are skipped.
	require.InDelta(t, 1.0, Correlation([]float64{1, math.NaN(), 3, 4}, []float64{2, 9, 6, 8}), 1e-12)
}
