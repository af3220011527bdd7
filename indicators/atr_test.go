package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// atrBars returns five bars with true ranges TR[1..4] = 2, 2, 1.5, 2.5 (and
// high-low = 1 at bar 0).
func atrBars() bars {
	return bars{
		high:  []float64{10, 11, 12, 11, 13},
		low:   []float64{9, 9, 10, 10, 11},
		close: []float64{9.5, 10, 11.5, 10.5, 12.5},
	}
}

func TestTrueRangeByHand(t *testing.T) {
	t.Parallel()

	b := atrBars()
	got, err := TrueRange(b.high, b.low, b.close)
	require.NoError(t, err)
	requireSeries(t, []float64{nan, 2, 2, 1.5, 2.5}, got, 1e-12)
}

// TestATRSeeding pins the TA-Lib seeding: first ATR at index n, the mean of
// TR[1..n]. StockCharts would publish (1+2+2)/3 at index 2 and then
// (5/3·2+1.5)/3 ≈ 1.6111 at index 3.
func TestATRSeeding(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		n    int
		want []float64
	}{
		{"period 3", 3, []float64{nan, nan, nan, 5.5 / 3, (5.5/3*2 + 2.5) / 3}},
		{"period 1 is the true range", 1, []float64{nan, 2, 2, 1.5, 2.5}},
		{"period 4", 4, []float64{nan, nan, nan, nan, 8.0 / 4}},
		{"period == len", 5, []float64{nan, nan, nan, nan, nan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := atrBars()
			got, err := ATR(b.high, b.low, b.close, tt.n)
			require.NoError(t, err)
			requireSeries(t, tt.want, got, 1e-12)
		})
	}

	stockCharts3 := (5.0/3*2 + 1.5) / 3
	b := atrBars()
	got, err := ATR(b.high, b.low, b.close, 3)
	require.NoError(t, err)
	require.Greater(t, got[3]-stockCharts3, 0.2, "conventions differ at the seed")
}

func TestATRConstantBars(t *testing.T) {
	t.Parallel()

	x := []float64{4, 4, 4, 4, 4}
	got, err := ATR(x, x, x, 2)
	require.NoError(t, err)
	requireSeries(t, []float64{nan, nan, 0, 0, 0}, got, 0)
}
