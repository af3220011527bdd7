package indicators

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMovingAveragesByHand(t *testing.T) {
	t.Parallel()

	x := []float64{1, 2, 3, 4, 5}
	tests := []struct {
		name string
		f    periodFunc
		n    int
		want []float64
	}{
		{"SMA 3", SMA, 3, []float64{nan, nan, 2, 3, 4}},
		{"SMA 1 is the input", SMA, 1, x},
		{"SMA 5 (period == len)", SMA, 5, []float64{nan, nan, nan, nan, 3}},
		// Seed SMA(1,2,3) = 2, then alpha 0.5: 2+0.5·(4-2) = 3, 3+0.5·(5-3) = 4.
		{"EMA 3", EMA, 3, []float64{nan, nan, 2, 3, 4}},
		{"EMA 1 is the input", EMA, 1, x},
		// (1·1 + 2·2 + 3·3)/6 = 14/6, (2+6+12)/6 = 20/6, (3+8+15)/6 = 26/6.
		{"WMA 3", WMA, 3, []float64{nan, nan, 14.0 / 6, 20.0 / 6, 26.0 / 6}},
		{"WMA 1 is the input", WMA, 1, x},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.f(x, tt.n)
			require.NoError(t, err)
			requireSeries(t, tt.want, got, 1e-12)
		})
	}
}

// TestEMASeedConvention shows the difference from pandas
// ewm(span=n, adjust=False), which starts from the first value: the two
// differ at first and agree once the seed has decayed.
func TestEMASeedConvention(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	x := bundle.bars.close
	const n = 12

	got, err := EMA(x, n)
	require.NoError(t, err)

	alpha := 2.0 / (n + 1)
	pandas := make([]float64, len(x))
	pandas[0] = x[0]
	for i := 1; i < len(x); i++ {
		pandas[i] = alpha*x[i] + (1-alpha)*pandas[i-1]
	}

	require.Greater(t, math.Abs(got[n-1]-pandas[n-1]), 1e-3, "seeds differ")
	// The seed gap shrinks by (1-alpha) = 11/13 a bar: below 1e-9 relative
	// after about 150 bars.
	requireClose(t, pandas, got, 200, 1e-9)
}
