package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBacktestChart(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	s := bundle.series
	equity := make([]float64, len(s))
	for i, b := range s {
		equity[i] = 1000 + 10*b.Close
	}
	marks := []TradeMark{{Time: s[10].Time, Price: s[10].Open}, {Time: s[40].Time, Price: s[40].Open, Exit: true},
		{Time: s[60].Time, Price: s[60].Open}}

	const w, h = 800, 500
	b, err := BacktestChart("sma_cross on TEST", s, equity, marks, w, h)
	require.NoError(t, err)
	img := decode(t, b, w, h)
	requireNotBlank(t, img)
	// The entries' green and the exit's red triangles are drawn (nothing
	// else on the chart is red).
	var red int
	for y := range h {
		for x := range w {
			if reddish(rgba(img, x, y)) {
				red++
			}
		}
	}
	require.Greater(t, red, 10, "the exit's red triangle")

	// A series longer than maxChartPoints is thinned, not refused.
	var long []float64
	longS := s[:0:0]
	for i := 0; i < 3*maxChartPoints; i++ {
		bar := s[i%len(s)]
		bar.Time = s[0].Time.Add(time.Duration(i) * time.Minute)
		longS = append(longS, bar)
		long = append(long, float64(i))
	}
	_, err = BacktestChart("long", longS, long, nil, w, h)
	require.NoError(t, err)

	_, err = BacktestChart("x", nil, nil, nil, w, h)
	require.ErrorIs(t, err, ErrNoData)
	_, err = BacktestChart("x", s, equity[:3], nil, w, h)
	require.ErrorIs(t, err, ErrLengthMismatch)
	_, err = BacktestChart("x", s, equity, nil, w, 0)
	require.ErrorIs(t, err, ErrInvalidSize)
}
