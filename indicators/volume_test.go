package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVolumeSpikeRatioByHand(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		volume []float64
		n      int
		want   []float64
	}{
		// Bar 3: 600 / mean(100, 200, 300); bar 6: 50 / mean(600, 0, 0).
		{"baseline excludes the bar", []float64{100, 200, 300, 600, 0, 0, 50}, 3,
			[]float64{nan, nan, nan, 3, 0, 0, 0.25}},
		{"zero baseline is NaN", []float64{0, 0, 0, 10, 10}, 3,
			[]float64{nan, nan, nan, nan, 3}},
		{"constant is 1", []float64{7, 7, 7, 7}, 2, []float64{nan, nan, 1, 1}},
		{"period 1 is the bar-on-bar ratio", []float64{10, 20, 5}, 1, []float64{nan, 2, 0.25}},
		{"period == len", []float64{1, 2, 3}, 3, []float64{nan, nan, nan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := VolumeSpikeRatio(tt.volume, tt.n)
			require.NoError(t, err)
			requireSeries(t, tt.want, got, 1e-12)
		})
	}
}

func TestVolumeAverageIsSMA(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	got, err := VolumeAverage(bundle.bars.volume, 20)
	require.NoError(t, err)
	want, err := SMA(bundle.bars.volume, 20)
	require.NoError(t, err)
	requireSeries(t, want, got, 0)
}
