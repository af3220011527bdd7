package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestROCByHand(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		x    []float64
		n    int
		want []float64
	}{
		// A zero base is NaN (TA-Lib returns 0).
		{"period 1", []float64{100, 110, 0, 121, 5}, 1, []float64{nan, 10, -100, nan, (5.0/121 - 1) * 100}},
		{"period 2", []float64{100, 110, 120, 99}, 2, []float64{nan, nan, 20, -10}},
		{"constant", []float64{3, 3, 3}, 1, []float64{nan, 0, 0}},
		{"period == len", []float64{1, 2}, 2, []float64{nan, nan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ROC(tt.x, tt.n)
			require.NoError(t, err)
			requireSeries(t, tt.want, got, 1e-12)
		})
	}
}
