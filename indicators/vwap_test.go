package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVWAPByHand(t *testing.T) {
	t.Parallel()

	// Typical prices 9, 11, 10.5, 12.
	high := []float64{10, 12, 11, 13}
	low := []float64{8, 9, 10, 11}
	closes := []float64{9, 12, 10.5, 12}

	tests := []struct {
		name    string
		volume  []float64
		want    []float64
		rolling []float64 // RollingVWAP with n = 2
	}{
		{
			// 9; (900+3300)/400; a zero-volume bar leaves VWAP as it was;
			// (4200+2400)/600.
			name:    "cumulative",
			volume:  []float64{100, 300, 0, 200},
			want:    []float64{9, 10.5, 10.5, 11},
			rolling: []float64{nan, 10.5, 11, 12},
		},
		{
			name:    "no volume yet is NaN",
			volume:  []float64{0, 0, 100, 100},
			want:    []float64{nan, nan, 10.5, 11.25},
			rolling: []float64{nan, nan, 10.5, 11.25},
		},
		{
			name:    "zero-volume window is NaN",
			volume:  []float64{100, 0, 0, 100},
			want:    []float64{9, 9, 9, 10.5},
			rolling: []float64{nan, 9, nan, 12},
		},
		{
			name:    "no volume at all",
			volume:  []float64{0, 0, 0, 0},
			want:    []float64{nan, nan, nan, nan},
			rolling: []float64{nan, nan, nan, nan},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := VWAP(high, low, closes, tt.volume)
			require.NoError(t, err)
			requireSeries(t, tt.want, got, 1e-12)

			got, err = RollingVWAP(high, low, closes, tt.volume, 2)
			require.NoError(t, err)
			requireSeries(t, tt.rolling, got, 1e-12)
		})
	}
}

func TestVWAPMissingValues(t *testing.T) {
	t.Parallel()

	high := []float64{nan, 10, 12, 11, 13}
	low := []float64{nan, 8, 9, 10, 11}
	closes := []float64{nan, 9, 12, 10.5, 12}
	volume := []float64{nan, 100, 300, nan, 200}

	// Leading gap skipped; a later gap ends the cumulative VWAP.
	got, err := VWAP(high, low, closes, volume)
	require.NoError(t, err)
	requireSeries(t, []float64{nan, 9, 10.5, nan, nan}, got, 1e-12)

	// The rolling VWAP recovers once the gap leaves its window.
	got, err = RollingVWAP(high, low, closes, volume, 1)
	require.NoError(t, err)
	requireSeries(t, []float64{nan, 9, 11, nan, 12}, got, 1e-12)
}

func TestRollingVWAPMatchesCumulative(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	b := bundle.bars

	// A window as long as the series is the cumulative VWAP at its end.
	rolling, err := RollingVWAP(b.high, b.low, b.close, b.volume, len(b.close))
	require.NoError(t, err)
	cumulative, err := VWAP(b.high, b.low, b.close, b.volume)
	require.NoError(t, err)
	requireWarmup(t, cumulative, 0)
	requireWarmup(t, rolling, len(b.close)-1)
	last := len(b.close) - 1
	require.InDelta(t, cumulative[last], rolling[last], 1e-9*cumulative[last])
}
