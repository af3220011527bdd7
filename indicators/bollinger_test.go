package indicators

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBollingerByHand(t *testing.T) {
	t.Parallel()

	sd := math.Sqrt(2.0 / 3) // population σ of 1, 2, 3
	tests := []struct {
		name                                  string
		x                                     []float64
		n                                     int
		k                                     float64
		upper, middle, lower, percentB, width []float64
	}{
		{
			name: "1 2 3", x: []float64{1, 2, 3}, n: 3, k: 2,
			upper:    []float64{nan, nan, 2 + 2*sd},
			middle:   []float64{nan, nan, 2},
			lower:    []float64{nan, nan, 2 - 2*sd},
			percentB: []float64{nan, nan, (3 - (2 - 2*sd)) / (4 * sd)},
			width:    []float64{nan, nan, 4 * sd / 2},
		},
		{
			// Zero width: bands collapse on the value, %B is 0.5.
			name: "constant", x: []float64{5.1, 5.1, 5.1, 5.1}, n: 3, k: 2,
			upper:    []float64{nan, nan, 5.1, 5.1},
			middle:   []float64{nan, nan, 5.1, 5.1},
			lower:    []float64{nan, nan, 5.1, 5.1},
			percentB: []float64{nan, nan, 0.5, 0.5},
			width:    []float64{nan, nan, 0, 0},
		},
		{
			// Width is undefined around a zero middle.
			name: "zero middle", x: []float64{-1, 0, 1}, n: 3, k: 1,
			upper:    []float64{nan, nan, sd},
			middle:   []float64{nan, nan, 0},
			lower:    []float64{nan, nan, -sd},
			percentB: []float64{nan, nan, (1 + sd) / (2 * sd)},
			width:    []float64{nan, nan, nan},
		},
		{
			name: "period 1", x: []float64{3, 4}, n: 1, k: 2,
			upper: []float64{3, 4}, middle: []float64{3, 4}, lower: []float64{3, 4},
			percentB: []float64{0.5, 0.5}, width: []float64{0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Bollinger(tt.x, tt.n, tt.k)
			require.NoError(t, err)
			requireSeries(t, tt.upper, got.Upper, 1e-12)
			requireSeries(t, tt.middle, got.Middle, 1e-12)
			requireSeries(t, tt.lower, got.Lower, 1e-12)
			requireSeries(t, tt.percentB, got.PercentB, 1e-12)
			requireSeries(t, tt.width, got.Width, 1e-12)
		})
	}
}

func TestBollingerMiddleIsSMA(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	got, err := Bollinger(bundle.bars.close, 20, 2)
	require.NoError(t, err)
	want, err := SMA(bundle.bars.close, 20)
	require.NoError(t, err)
	requireClose(t, want, got.Middle, 19, 1e-12)
	for i := 19; i < len(want); i++ {
		require.InDelta(t, (bundle.bars.close[i]-got.Lower[i])/(got.Upper[i]-got.Lower[i]), got.PercentB[i], 1e-12)
		require.InDelta(t, (got.Upper[i]-got.Lower[i])/got.Middle[i], got.Width[i], 1e-12)
	}
}
