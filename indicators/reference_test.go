package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Worked examples from StockCharts ChartSchool (cs-rsi.xls, cs-bbands.xls),
// as listed in /work/shared/data/indicator-reference.md.

func TestRSIReference(t *testing.T) {
	t.Parallel()

	closes := []float64{
		44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245,
		45.8433, 46.0826, 45.8931, 46.0328, 45.614, 46.282, 46.282, 46.0028, 46.0328,
		46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548,
		44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
	}
	// Published to 4 decimals from index 14; match within 5e-4.
	want := []float64{
		70.5328, 66.3186, 66.5498, 69.4063, 66.3552, 57.9749, 62.9296, 63.2571,
		56.0593, 62.3771, 54.7076, 50.4228, 39.9898, 41.4605, 41.8689, 45.4632,
		37.304, 33.0795, 37.773,
	}

	got, err := RSI(closes, 14)
	require.NoError(t, err)
	requireWarmup(t, got, 14)
	requireSeries(t, append(nans(14), want...), got, 5e-4)
}

func TestBollingerReference(t *testing.T) {
	t.Parallel()

	closes := []float64{
		86.1557, 89.0867, 88.7829, 90.3228, 89.0671, 91.1453, 89.4397, 89.175,
		86.9302, 87.6752, 86.9596, 89.4299, 89.3221, 88.7241, 87.4497, 87.2634,
		89.4985, 87.9006, 89.126, 90.7043,
	}
	// Published to 5-6 decimals at index 19; match within 1e-6.
	const middle, upper, lower = 88.70794, 91.291862, 86.124018

	got, err := Bollinger(closes, 20, 2)
	require.NoError(t, err)
	for _, s := range [][]float64{got.Upper, got.Middle, got.Lower, got.PercentB, got.Width} {
		requireWarmup(t, s, 19)
	}
	require.InDelta(t, middle, got.Middle[19], 1e-6)
	require.InDelta(t, upper, got.Upper[19], 1e-6)
	require.InDelta(t, lower, got.Lower[19], 1e-6)
	require.InDelta(t, (90.7043-lower)/(upper-lower), got.PercentB[19], 1e-6)
	require.InDelta(t, (upper-lower)/middle, got.Width[19], 1e-7)
}
