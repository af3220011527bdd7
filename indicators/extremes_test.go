package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExtremesByHand(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name            string
		x               []float64
		n               int
		highest, lowest []float64
	}{
		{
			"period 3", []float64{3, 1, 4, 1, 5, 9, 2, 6}, 3,
			[]float64{nan, nan, 4, 4, 5, 9, 9, 9},
			[]float64{nan, nan, 1, 1, 1, 1, 2, 2},
		},
		{
			"period 1 is the input", []float64{3, 1, 4}, 1,
			[]float64{3, 1, 4},
			[]float64{3, 1, 4},
		},
		{
			"ties", []float64{2, 2, 2, 1, 1}, 2,
			[]float64{nan, 2, 2, 2, 1},
			[]float64{nan, 2, 2, 1, 1},
		},
		{
			"gap recovers", []float64{3, 1, 4, nan, 5, 9, 2, 6}, 2,
			[]float64{nan, 3, 4, nan, nan, 9, 9, 6},
			[]float64{nan, 1, 1, nan, nan, 5, 2, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Highest(tt.x, tt.n)
			require.NoError(t, err)
			requireSeries(t, tt.highest, got, 0)

			got, err = Lowest(tt.x, tt.n)
			require.NoError(t, err)
			requireSeries(t, tt.lowest, got, 0)
		})
	}
}
