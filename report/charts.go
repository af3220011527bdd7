package report

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vigilhq/vigil/bars"
)

// Errors returned by the chart functions; callers may branch on them with
// errors.Is.
var (
	// ErrNoData means there is nothing to plot.
	ErrNoData = errors.New("no data to plot")
	// ErrLengthMismatch means parallel slices have different lengths.
	ErrLengthMismatch = errors.New("slices of different lengths")
	// ErrInvalidSize means the requested image size is not positive or too large.
	ErrInvalidSize = errors.New("invalid image size")
)

// maxSide bounds each image side, in pixels.
const maxSide = 10000

// margin is the blank border kept on the right of every chart (half of it at
// the top and bottom), so the last candle and the title do not touch the edge.
const margin = vg.Length(10)

// Overlay is a line drawn over a candlestick chart, such as an SMA or one
// Bollinger band. Values are aligned with the series; NaN leaves a gap.
type Overlay struct {
	Name   string
	Values []float64
}

// Candles renders a candlestick chart of s as PNG bytes of width×height
// pixels: a green body for an up bar (close ≥ open), a red one for a down bar,
// a wick from low to high, the overlays as coloured lines named in a legend,
// and, when the series has volume and the image is at least 300 pixels tall, a
// volume panel below sharing the date axis.
func Candles(title string, s bars.Series, overlays []Overlay, width, height int) ([]byte, error) {
	return candles(title, s, overlays, nil, width, height)
}

// candles is Candles with trigger markers (see CandlesWithMarkers).
func candles(title string, s bars.Series, overlays []Overlay, markers []Marker, width, height int) ([]byte, error) {
	if err := checkSize(width, height); err != nil {
		return nil, err
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("candles %q: %w", title, ErrNoData)
	}
	for _, o := range overlays {
		if len(o.Values) != len(s) {
			return nil, fmt.Errorf("candles %q: overlay %q has %d values for %d bars: %w",
				title, o.Name, len(o.Values), len(s), ErrLengthMismatch)
		}
	}
	half := 0.35 * barStep(s).Seconds()

	price := newPlot(title)
	price.Y.Label.Text = "Price"
	price.Y.Tick.Marker = valueTicks{}
	cs := candlesticks{series: s, halfWidth: half}
	price.Add(cs)
	legendRows := 0
	for i, o := range overlays {
		style := draw.LineStyle{Color: overlayColors[i%len(overlayColors)], Width: vg.Points(1.5)}
		lines, err := segments(s, o.Values, style)
		if err != nil {
			return nil, fmt.Errorf("candles %q: overlay %q: %w", title, o.Name, err)
		}
		for _, l := range lines {
			price.Add(l)
		}
		if len(lines) > 0 {
			price.Legend.Add(o.Name, lines[0])
			legendRows++
		}
	}
	ms := inSeries(s, markers)
	if len(ms) > 0 {
		mk := markerGlyphs{series: s, markers: ms}
		price.Add(mk)
		price.Legend.Add("trigger", mk)
		legendRows++
	}
	xmin, xmax, ymin, ymax := cs.DataRange()
	price.X.Min, price.X.Max = xmin-half, xmax+half
	if len(ms) > 0 { // room for the triangles below the lowest bar
		price.Y.Min = math.Min(price.Y.Min, ymin-(ymax-ymin)*0.06)
	}
	if rows := legendRows; rows > 0 {
		price.Y.Max = math.Max(price.Y.Max, ymax+(ymax-ymin)*legendRoom(rows))
	}

	withVolume := height >= 300 && hasVolume(s)
	if !withVolume {
		price.X.Label.Text = "Date (UTC)"
		return render(width, height, func(dc draw.Canvas) { price.Draw(dc) })
	}

	price.X.Tick.Marker = timeTicks{hideLabels: true}
	vol := plot.New()
	vol.Add(plotter.NewGrid())
	vol.Add(volumeBars{series: s, halfWidth: half})
	vol.X.Tick.Marker = timeTicks{}
	vol.X.Label.Text = "Date (UTC)"
	vol.Y.Label.Text = "Volume"
	vol.Y.Tick.Marker = volumeTicks{}
	vol.X.Min, vol.X.Max = price.X.Min, price.X.Max
	vol.Y.Min = 0

	return render(width, height, func(dc draw.Canvas) {
		volH := (dc.Max.Y - dc.Min.Y) * 0.28
		top := draw.Crop(dc, 0, 0, volH, 0)
		bottom := draw.Crop(dc, 0, 0, 0, -(dc.Max.Y - dc.Min.Y - volH))
		cs := alignX([]*plot.Plot{price, vol}, []draw.Canvas{top, bottom})
		price.Draw(cs[0])
		vol.Draw(cs[1])
	})
}

// EquityCurve renders equity against time as a line chart in PNG bytes of
// width×height pixels.
func EquityCurve(title string, times []time.Time, equity []float64, width, height int) ([]byte, error) {
	if err := checkSeries(title, times, equity, width, height); err != nil {
		return nil, err
	}
	p := newPlot(title)
	p.X.Label.Text = "Date (UTC)"
	p.Y.Label.Text = "Equity"
	p.Y.Tick.Marker = valueTicks{}
	xys := make(plotter.XYs, 0, len(times))
	for i, t := range times {
		if finite(equity[i]) {
			xys = append(xys, plotter.XY{X: float64(t.Unix()), Y: equity[i]})
		}
	}
	if len(xys) == 0 {
		return nil, fmt.Errorf("equity curve %q: %w", title, ErrNoData)
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("equity curve %q: %w", title, err)
	}
	l.Color = overlayColors[0]
	l.Width = vg.Points(1.5)
	p.Add(l)
	p.Legend.Add("Equity", l)
	p.Y.Max += (p.Y.Max - p.Y.Min) * legendRoom(1)
	return render(width, height, func(dc draw.Canvas) { p.Draw(dc) })
}

// Drawdown renders, as PNG bytes of width×height pixels, how far equity is
// below its running peak in percent (see DrawdownSeries) as a filled area
// hanging from zero.
func Drawdown(title string, times []time.Time, equity []float64, width, height int) ([]byte, error) {
	if err := checkSeries(title, times, equity, width, height); err != nil {
		return nil, err
	}
	dd := DrawdownSeries(equity)
	p := newPlot(title)
	p.X.Label.Text = "Date (UTC)"
	p.Y.Label.Text = "Drawdown (%)"
	p.Y.Tick.Marker = valueTicks{}
	var line plotter.XYs
	for i, t := range times {
		if finite(dd[i]) {
			line = append(line, plotter.XY{X: float64(t.Unix()), Y: dd[i]})
		}
	}
	if len(line) == 0 {
		return nil, fmt.Errorf("drawdown %q: %w", title, ErrNoData)
	}
	ring := make(plotter.XYs, 0, len(line)+2)
	ring = append(ring, plotter.XY{X: line[0].X, Y: 0})
	ring = append(ring, line...)
	ring = append(ring, plotter.XY{X: line[len(line)-1].X, Y: 0})
	area, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, fmt.Errorf("drawdown %q: %w", title, err)
	}
	area.Color = color.NRGBA{R: 0xd6, G: 0x2c, B: 0x2c, A: 0x60}
	area.LineStyle.Width = 0
	edge, err := plotter.NewLine(line)
	if err != nil {
		return nil, fmt.Errorf("drawdown %q: %w", title, err)
	}
	edge.Color = downColor
	edge.Width = vg.Points(1.5)
	p.Add(area, edge)
	p.Legend.Add("Drawdown below running peak", area)
	lo := math.Inf(1)
	for _, v := range line {
		lo = math.Min(lo, v.Y)
	}
	p.Y.Min = math.Min(lo*1.1, -1)
	p.Y.Max = -p.Y.Min * legendRoom(1) // room for the legend above zero
	if len(line) == 1 {
		p.X.Min, p.X.Max = line[0].X-43200, line[0].X+43200
	}
	return render(width, height, func(dc draw.Canvas) { p.Draw(dc) })
}

// newPlot returns a plot with a title, a grid, a date X axis and the legend
// in the top-left corner.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Tick.Marker = timeTicks{}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(6)
	p.Legend.YOffs = -vg.Points(4)
	p.Add(plotter.NewGrid())
	return p
}

// legendRoom is the share of the data range added above the data so that a
// legend of that many rows in the top-left corner does not hide it.
func legendRoom(rows int) float64 { return 0.02 + 0.07*float64(rows) }

// segments turns an overlay into one line per run of finite values.
func segments(s bars.Series, values []float64, style draw.LineStyle) ([]*plotter.Line, error) {
	var out []*plotter.Line
	var cur plotter.XYs
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		l, err := plotter.NewLine(cur)
		if err != nil {
			return err
		}
		l.LineStyle = style
		out = append(out, l)
		cur = nil
		return nil
	}
	for i, v := range values {
		if !finite(v) {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		cur = append(cur, plotter.XY{X: float64(s[i].Time.Unix()), Y: v})
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// alignX crops the canvases of vertically stacked plots so that their data
// areas share the same left and right edges.
func alignX(plots []*plot.Plot, cs []draw.Canvas) []draw.Canvas {
	left := make([]vg.Length, len(plots))
	right := make([]vg.Length, len(plots))
	var maxL, maxR vg.Length
	for i, p := range plots {
		d := p.DataCanvas(cs[i])
		left[i], right[i] = d.Min.X-cs[i].Min.X, cs[i].Max.X-d.Max.X
		maxL, maxR = max(maxL, left[i]), max(maxR, right[i])
	}
	out := make([]draw.Canvas, len(cs))
	for i := range cs {
		out[i] = draw.Crop(cs[i], maxL-left[i], -(maxR - right[i]), 0, 0)
	}
	return out
}

// barStep is the smallest positive gap between consecutive bars, or a day
// for a single bar.
func barStep(s bars.Series) time.Duration {
	var step time.Duration
	for i := 1; i < len(s); i++ {
		if d := s[i].Time.Sub(s[i-1].Time); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	if step == 0 {
		step = 24 * time.Hour
	}
	return step
}

func hasVolume(s bars.Series) bool {
	for _, b := range s {
		if finite(b.Volume) && b.Volume > 0 {
			return true
		}
	}
	return false
}

func checkSize(width, height int) error {
	if width <= 0 || height <= 0 || width > maxSide || height > maxSide {
		return fmt.Errorf("%dx%d pixels (each side 1..%d): %w", width, height, maxSide, ErrInvalidSize)
	}
	return nil
}

func checkSeries(title string, times []time.Time, values []float64, width, height int) error {
	if err := checkSize(width, height); err != nil {
		return err
	}
	if len(times) != len(values) {
		return fmt.Errorf("chart %q: %d times for %d values: %w", title, len(times), len(values), ErrLengthMismatch)
	}
	if len(times) == 0 {
		return fmt.Errorf("chart %q: %w", title, ErrNoData)
	}
	return nil
}

// render draws onto a white width×height image at 96 DPI and encodes it as
// PNG.
func render(width, height int, drawFunc func(draw.Canvas)) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	c := vgimg.NewWith(vgimg.UseImage(img))
	dc := draw.New(c)
	drawFunc(draw.Crop(dc, 0, -margin, margin/2, -margin/2))
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
