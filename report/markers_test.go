package report

import (
	"image/color"
	"testing"

	"github.com/stretchr/testify/require"
)

func bluish(c color.RGBA) bool {
	return int(c.B) > int(c.R)+100 && int(c.B) > int(c.G)+60
}

// bluishColumns returns the x of every marker-coloured pixel.
func bluishColumns(t *testing.T, b []byte, w, h int) []int {
	t.Helper()
	img := decode(t, b, w, h)
	var xs []int
	for y := range h {
		for x := range w {
			if bluish(rgba(img, x, y)) {
				xs = append(xs, x)
			}
		}
	}
	return xs
}

func TestCandlesWithMarkers(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	s := bundle.series
	const w, h = 800, 500

	plain, err := CandlesWithMarkers("no markers", s, nil, nil, w, h)
	require.NoError(t, err)
	require.Empty(t, bluishColumns(t, plain, w, h), "no marker, no marker colour")

	// A marker on the last bar: its triangle sits in the right quarter (and
	// the legend's thumbnail in the top-left corner).
	last := s[len(s)-1]
	b, err := CandlesWithMarkers("last bar", s, nil, []Marker{{Time: last.Time, Price: last.Close}}, w, h)
	require.NoError(t, err)
	requireNotBlank(t, decode(t, b, w, h))
	xs := bluishColumns(t, b, w, h)
	right := 0
	for _, x := range xs {
		if x > w*3/4 {
			right++
		}
	}
	require.Greater(t, right, 10, "the last bar's marker is drawn on the right")

	// Markers outside the series' span are left out: no legend either.
	outside := []Marker{{Time: s[0].Time.AddDate(0, 0, -10), Price: s[0].Close}, {Time: last.Time.AddDate(1, 0, 0), Price: 1}}
	b, err = CandlesWithMarkers("outside", s, nil, outside, w, h)
	require.NoError(t, err)
	require.Empty(t, bluishColumns(t, b, w, h))
}
