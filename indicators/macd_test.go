package indicators

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMACDWarmup(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	got, err := MACD(bundle.bars.close, 12, 26, 9)
	require.NoError(t, err)
	requireWarmup(t, got.Line, 25)
	requireWarmup(t, got.Signal, 33)
	requireWarmup(t, got.Histogram, 33)

	// Too short for the signal: line only.
	got, err = MACD(bundle.bars.close[:30], 12, 26, 9)
	require.NoError(t, err)
	requireWarmup(t, got.Line, 25)
	requireWarmup(t, got.Signal, 30)
	requireWarmup(t, got.Histogram, 30)

	got, err = MACD(nil, 12, 26, 9)
	require.NoError(t, err)
	require.Empty(t, got.Line)
	require.Empty(t, got.Signal)
	require.Empty(t, got.Histogram)
}

func TestMACDConstantSeries(t *testing.T) {
	t.Parallel()

	x := make([]float64, 60)
	for i := range x {
		x[i] = 42
	}
	got, err := MACD(x, 12, 26, 9)
	require.NoError(t, err)
	requireClose(t, make([]float64, 60), got.Line, 25, 1e-12)
	requireClose(t, make([]float64, 60), got.Signal, 33, 1e-12)
	requireClose(t, make([]float64, 60), got.Histogram, 33, 1e-12)
}
