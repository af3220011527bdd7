package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRSIByHand(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		x    []float64
		n    int
		want []float64
	}{
		// TA-Lib returns 0 here; we return the neutral 50.
		{"constant series is 50", []float64{7, 7, 7, 7, 7}, 2, []float64{nan, nan, 50, 50, 50}},
		{"only gains is 100", []float64{1, 2, 3, 4}, 2, []float64{nan, nan, 100, 100}},
		{"only losses is 0", []float64{4, 3, 2, 1}, 2, []float64{nan, nan, 0, 0}},
		// Period 1 has no smoothing: 100 up, 0 down, 50 flat.
		{"period 1", []float64{1, 2, 1, 1}, 1, []float64{nan, 100, 0, 50}},
		// Changes +2, -1: G = 1, L = 0.5, RSI = 100·1/1.5. Then change +1:
		// G = (1+1)/2 = 1, L = 0.5/2 = 0.25, RSI = 80.
		{"Wilder smoothing", []float64{10, 12, 11, 12}, 2, []float64{nan, nan, 100.0 / 1.5, 80}},
		{"period == len", []float64{1, 2, 3}, 3, []float64{nan, nan, nan}},
		{"period == len-1", []float64{1, 2, 3}, 2, []float64{nan, nan, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := RSI(tt.x, tt.n)
			require.NoError(t, err)
			requireSeries(t, tt.want, got, 1e-12)
		})
	}
}
