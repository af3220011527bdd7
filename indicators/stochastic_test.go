package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStochasticByHand(t *testing.T) {
	t.Parallel()

	// Fast %K over 3 bars: bar 2: HH 12, LL 8, close 10 -> 50; bar 3: HH 13,
	// LL 9, close 12 -> 75; bar 4: HH 13, LL 9, close 11.5 -> 62.5.
	high := []float64{10, 12, 11, 13, 12}
	low := []float64{8, 9, 9, 10, 11}
	closes := []float64{9, 11, 10, 12, 11.5}
	flat := []float64{5, 5, 5, 5, 5}

	tests := []struct {
		name             string
		high, low, close []float64
		kp, ks, dp       int
		k, d             []float64
	}{
		{"fast", high, low, closes, 3, 1, 2,
			[]float64{nan, nan, 50, 75, 62.5}, []float64{nan, nan, nan, 62.5, 68.75}},
		{"slow", high, low, closes, 3, 2, 2,
			[]float64{nan, nan, nan, 62.5, 68.75}, []float64{nan, nan, nan, nan, 65.625}},
		// TA-Lib returns 0 for a flat range; we return the neutral 50.
		{"flat range is 50", flat, flat, flat, 3, 1, 1,
			[]float64{nan, nan, 50, 50, 50}, []float64{nan, nan, 50, 50, 50}},
		{"too short", high, low, closes, 5, 3, 3,
			[]float64{nan, nan, nan, nan, nan}, []float64{nan, nan, nan, nan, nan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Stochastic(tt.high, tt.low, tt.close, tt.kp, tt.ks, tt.dp)
			require.NoError(t, err)
			requireSeries(t, tt.k, got.K, 1e-12)
			requireSeries(t, tt.d, got.D, 1e-12)
		})
	}
}
