package report

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/vigilhq/vigil/bars"
)

// TradeMark is a fill drawn on a backtest chart: an entry (a green
// triangle pointing up) or an exit (a red one pointing down) at its time and
// price.
type TradeMark struct {
	Time  time.Time
	Price float64
	Exit  bool
}

// maxChartPoints bounds the points of each line of a backtest chart: longer
// series are thinned to every k-th bar (the last one kept), which a chart a
// few hundred pixels wide cannot tell apart.
const maxChartPoints = 4000

// BacktestChart renders a backtest as PNG bytes of width×height pixels: the
// closes of s as a line with the trades' entries and exits marked, above the
// equity curve (equity[i] at the close of s[i]), both on one date axis.
// Marks without a finite price are left out.
func BacktestChart(title string, s bars.Series, equity []float64, marks []TradeMark, width, height int) ([]byte, error) {
	if err := checkSize(width, height); err != nil {
		return nil, err
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("backtest chart %q: %w", title, ErrNoData)
	}
	if len(equity) != len(s) {
		return nil, fmt.Errorf("backtest chart %q: %d equity values for %d bars: %w", title, len(equity), len(s), ErrLengthMismatch)
	}
	step := (len(s) + maxChartPoints - 1) / maxChartPoints
	closes := make(plotter.XYs, 0, len(s)/step+1)
	curve := make(plotter.XYs, 0, len(s)/step+1)
	for i := 0; i < len(s); i++ {
		if i%step != 0 && i != len(s)-1 {
			continue
		}
		x := float64(s[i].Time.Unix())
		if finite(s[i].Close) {
			closes = append(closes, plotter.XY{X: x, Y: s[i].Close})
		}
		if finite(equity[i]) {
			curve = append(curve, plotter.XY{X: x, Y: equity[i]})
		}
	}
	if len(closes) == 0 || len(curve) == 0 {
		return nil, fmt.Errorf("backtest chart %q: %w", title, ErrNoData)
	}

	price := newPlot(title)
	price.Y.Label.Text = "Close"
	price.Y.Tick.Marker = valueTicks{}
	price.X.Tick.Marker = timeTicks{hideLabels: true}
	line, err := plotter.NewLine(closes)
	if err != nil {
		return nil, fmt.Errorf("backtest chart %q: %w", title, err)
	}
	line.Color = overlayColors[0]
	line.Width = vg.Points(1.2)
	price.Add(line)
	price.Legend.Add("Close", line)
	rows := 1
	for _, kind := range []struct {
		exit  bool
		name  string
		glyph draw.GlyphDrawer
		color color.Color
	}{{false, "Entry", draw.PyramidGlyph{}, upColor}, {true, "Exit", downTriangle{}, downColor}} {
		var xys plotter.XYs
		for _, m := range marks {
			if m.Exit == kind.exit && finite(m.Price) {
				xys = append(xys, plotter.XY{X: float64(m.Time.Unix()), Y: m.Price})
			}
		}
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, fmt.Errorf("backtest chart %q: %w", title, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: kind.color, Radius: vg.Points(4), Shape: kind.glyph}
		price.Add(sc)
		price.Legend.Add(kind.name, sc)
		rows++
	}
	price.Y.Max += (price.Y.Max - price.Y.Min) * legendRoom(rows)

	eq := plot.New()
	eq.Add(plotter.NewGrid())
	eq.X.Tick.Marker = timeTicks{}
	eq.X.Label.Text = "Date (UTC)"
	eq.Y.Label.Text = "Equity"
	eq.Y.Tick.Marker = valueTicks{}
	el, err := plotter.NewLine(curve)
	if err != nil {
		return nil, fmt.Errorf("backtest chart %q: %w", title, err)
	}
	el.Color = upColor
	el.Width = vg.Points(1.5)
	eq.Add(el)
	xmin, xmax := closes[0].X, closes[len(closes)-1].X
	if xmin == xmax {
		xmin, xmax = xmin-43200, xmax+43200
	}
	price.X.Min, price.X.Max = xmin, xmax
	eq.X.Min, eq.X.Max = xmin, xmax
	if eq.Y.Min == eq.Y.Max {
		eq.Y.Min, eq.Y.Max = eq.Y.Min-1, eq.Y.Max+1
	}

	return render(width, height, func(dc draw.Canvas) {
		eqH := (dc.Max.Y - dc.Min.Y) * 0.4
		top := draw.Crop(dc, 0, 0, eqH, 0)
		bottom := draw.Crop(dc, 0, 0, 0, -(dc.Max.Y - dc.Min.Y - eqH))
		cs := alignX([]*plot.Plot{price, eq}, []draw.Canvas{top, bottom})
		price.Draw(cs[0])
		eq.Draw(cs[1])
	})
}

// downTriangle is a filled triangle pointing down, the exits' glyph.
type downTriangle struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (downTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	// draw.PyramidGlyph upside down (Canvas.DrawGlyph has set the colour).
	sin, cos := vg.Length(math.Sin(math.Pi/6)), vg.Length(math.Cos(math.Pi/6))
	r := sty.Radius + (sty.Radius-sty.Radius*sin)/2
	p := make(vg.Path, 0, 4)
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r*cos, Y: pt.Y + r*sin})
	p.Line(vg.Point{X: pt.X + r*cos, Y: pt.Y + r*sin})
	p.Close()
	c.Fill(p)
}
