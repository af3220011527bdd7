package report

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vigilhq/vigil/bars"
)

// Candle colours: up candles green, down candles red; the volume panel uses
// lighter shades of the same.
var (
	upColor       = color.RGBA{R: 0x1b, G: 0xa0, B: 0x4b, A: 0xff}
	downColor     = color.RGBA{R: 0xd6, G: 0x2c, B: 0x2c, A: 0xff}
	upVolColor    = color.RGBA{R: 0x8f, G: 0xd1, B: 0xa5, A: 0xff}
	downVolColor  = color.RGBA{R: 0xeb, G: 0x96, B: 0x96, A: 0xff}
	overlayColors = []color.Color{
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
		color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
		color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
		color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
		color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
		color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
	}
)

// candlesticks is a plot.Plotter drawing OHLC candles: a wick from low to
// high and a filled body from open to close, green when close ≥ open and red
// otherwise. X values are Unix seconds of the bar open times.
type candlesticks struct {
	series bars.Series
	// halfWidth is half a body's width in X data units (seconds).
	halfWidth float64
}

var (
	_ plot.Plotter    = candlesticks{}
	_ plot.DataRanger = candlesticks{}
)

// Plot implements plot.Plotter.
func (cs candlesticks) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, b := range cs.series {
		if !finite(b.Open) || !finite(b.High) || !finite(b.Low) || !finite(b.Close) {
			continue
		}
		x := float64(b.Time.Unix())
		clr := upColor
		if b.Close < b.Open {
			clr = downColor
		}
		xc := trX(x)
		wick := draw.LineStyle{Color: clr, Width: vg.Points(1)}
		c.StrokeLines(wick, c.ClipLinesXY([]vg.Point{{X: xc, Y: trY(b.Low)}, {X: xc, Y: trY(b.High)}})...)

		x0, x1 := trX(x-cs.halfWidth), trX(x+cs.halfWidth)
		if x1-x0 < 1 {
			x0, x1 = xc-0.5, xc+0.5
		}
		y0, y1 := trY(math.Min(b.Open, b.Close)), trY(math.Max(b.Open, b.Close))
		if y1-y0 < 0.75 { // doji: keep a visible tick
			y0, y1 = y0-0.375, y0+0.375
		}
		body := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(clr, c.ClipPolygonXY(body))
	}
}

// DataRange implements plot.DataRanger.
func (cs candlesticks) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, b := range cs.series {
		if !finite(b.High) || !finite(b.Low) {
			continue
		}
		x := float64(b.Time.Unix())
		xmin, xmax = math.Min(xmin, x-cs.halfWidth), math.Max(xmax, x+cs.halfWidth)
		ymin, ymax = math.Min(ymin, b.Low), math.Max(ymax, b.High)
	}
	return xmin, xmax, ymin, ymax
}

// volumeBars is a plot.Plotter drawing one volume bar per candle, coloured
// by the candle's direction.
type volumeBars struct {
	series    bars.Series
	halfWidth float64
}

var (
	_ plot.Plotter    = volumeBars{}
	_ plot.DataRanger = volumeBars{}
)

// Plot implements plot.Plotter.
func (vb volumeBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, b := range vb.series {
		if !finite(b.Volume) || b.Volume <= 0 {
			continue
		}
		x := float64(b.Time.Unix())
		clr := upVolColor
		if b.Close < b.Open {
			clr = downVolColor
		}
		x0, x1 := trX(x-vb.halfWidth), trX(x+vb.halfWidth)
		if x1-x0 < 1 {
			xc := trX(x)
			x0, x1 = xc-0.5, xc+0.5
		}
		y0, y1 := trY(0), trY(b.Volume)
		c.FillPolygon(clr, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
	}
}

// DataRange implements plot.DataRanger.
func (vb volumeBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, b := range vb.series {
		x := float64(b.Time.Unix())
		xmin, xmax = math.Min(xmin, x-vb.halfWidth), math.Max(xmax, x+vb.halfWidth)
		if finite(b.Volume) {
			ymax = math.Max(ymax, b.Volume)
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	return xmin, xmax, 0, ymax
}
