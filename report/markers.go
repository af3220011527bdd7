package report

import (
	"image/color"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vigilhq/vigil/bars"
)

// Marker is a point drawn over a candlestick chart: an alert trigger at a
// bar's open time and price (its close).
type Marker struct {
	Time  time.Time
	Price float64
}

// markerColor is the triggers' colour, apart from the candles' green and red.
var markerColor = color.RGBA{R: 0x1f, G: 0x4e, B: 0xd8, A: 0xff}

// CandlesWithMarkers is Candles with a marker (a blue triangle, named
// "trigger" in the legend) at each marker's time and price. Markers outside
// the series' time span, or without a finite price, are left out.
func CandlesWithMarkers(title string, s bars.Series, overlays []Overlay, markers []Marker, width, height int) ([]byte, error) {
	return candles(title, s, overlays, markers, width, height)
}

// inSeries keeps the markers within s's time span with a finite price.
func inSeries(s bars.Series, markers []Marker) []Marker {
	if len(s) == 0 {
		return nil
	}
	first, last := s[0].Time, s[len(s)-1].Time
	var out []Marker
	for _, m := range markers {
		if finite(m.Price) && !m.Time.Before(first) && !m.Time.After(last) {
			out = append(out, m)
		}
	}
	return out
}

// markerGlyphs draws each marker as a filled triangle pointing up at the
// bar, just below the bar's low (at the marker's price when no bar opens at
// its time); it is also the legend's thumbnail.
type markerGlyphs struct {
	series  bars.Series
	markers []Marker
}

var (
	_ plot.Plotter     = markerGlyphs{}
	_ plot.Thumbnailer = markerGlyphs{}
)

// Triangle size and gap below the bar, in points.
const (
	markerHalfWidth = vg.Length(4.5)
	markerHeight    = vg.Length(8)
	markerGap       = vg.Length(3)
)

// Plot implements plot.Plotter.
func (mg markerGlyphs) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, m := range mg.markers {
		y := m.Price
		i := sort.Search(len(mg.series), func(i int) bool { return !mg.series[i].Time.Before(m.Time) })
		if i < len(mg.series) && mg.series[i].Time.Equal(m.Time) && finite(mg.series[i].Low) {
			y = mg.series[i].Low
		}
		tip := vg.Point{X: trX(float64(m.Time.Unix())), Y: trY(y) - markerGap}
		triangle(&c, tip)
	}
}

// triangle fills an upward triangle with its tip at tip.
func triangle(c *draw.Canvas, tip vg.Point) {
	base := tip.Y - markerHeight
	c.FillPolygon(markerColor, c.ClipPolygonXY([]vg.Point{
		tip, {X: tip.X + markerHalfWidth, Y: base}, {X: tip.X - markerHalfWidth, Y: base}}))
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (mg markerGlyphs) Thumbnail(c *draw.Canvas) {
	ctr := c.Center()
	triangle(c, vg.Point{X: ctr.X, Y: ctr.Y + markerHeight/2})
}
