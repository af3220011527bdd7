package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/indicators"
)

type chartBundle struct {
	series   bars.Series
	overlays []Overlay
	times    []time.Time
	equity   []float64
}

// setup builds a fixed synthetic daily series (a rising wave with volume),
// SMA 20 and Bollinger (20, 2) overlays, and an equity curve with a drawdown.
func setup(t *testing.T) chartBundle {
	t.Helper()

	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const n = 90
	s := make(bars.Series, n)
	prev := 100.0
	for i := range s {
		c := 100 + 0.2*float64(i) + 8*math.Sin(float64(i)/6)
		hi, lo := math.Max(prev, c)+1.5, math.Min(prev, c)-1.5
		s[i] = bars.Bar{
			Time: start.AddDate(0, 0, i), Open: prev, High: hi, Low: lo, Close: c,
			Volume: 1e6 + 4e5*math.Abs(math.Cos(float64(i)/4)),
		}
		prev = c
	}
	closes := s.Closes()
	sma, err := indicators.SMA(closes, 20)
	require.NoError(t, err)
	bb, err := indicators.Bollinger(closes, 20, 2)
	require.NoError(t, err)

	times := make([]time.Time, n)
	equity := make([]float64, n)
	for i := range times {
		times[i] = s[i].Time
		equity[i] = 10000 * closes[i] / closes[0]
	}
	return chartBundle{
		series: s,
		overlays: []Overlay{
			{Name: "SMA 20", Values: sma},
			{Name: "Bollinger upper (20, 2)", Values: bb.Upper},
			{Name: "Bollinger lower (20, 2)", Values: bb.Lower},
		},
		times:  times,
		equity: equity,
	}
}

// decode checks that b is a PNG of the given size and returns it.
func decode(t *testing.T, b []byte, width, height int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, width, height), img.Bounds())
	return img
}

// requireNotBlank checks that more than 1% of pixels differ from the white
// background and that the image uses a handful of colours.
func requireNotBlank(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	colors := map[color.RGBA]bool{}
	var ink int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgba(img, x, y)
			colors[c] = true
			if c != (color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}) {
				ink++
			}
		}
	}
	require.Greater(t, ink, b.Dx()*b.Dy()/100, "non-background pixels")
	require.Greater(t, len(colors), 10, "distinct colours")
}

func rgba(img image.Image, x, y int) color.RGBA {
	r, g, b, a := img.At(x, y).RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
}

func greenish(c color.RGBA) bool {
	return int(c.G) > int(c.R)+60 && int(c.G) > int(c.B)+40
}

func reddish(c color.RGBA) bool {
	return int(c.R) > int(c.G)+80 && int(c.R) > int(c.B)+80
}

func TestCandles(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	for _, tc := range []struct {
		name          string
		width, height int
		overlays      []Overlay
	}{
		{name: "WithVolumeAndOverlays", width: 900, height: 600, overlays: bundle.overlays},
		{name: "NoVolumePanel", width: 480, height: 240},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := Candles("BTCUSDT 1d", bundle.series, tc.overlays, tc.width, tc.height)
			require.NoError(t, err)
			requireNotBlank(t, decode(t, b, tc.width, tc.height))
		})
	}

	t.Run("IntradayWithGapsAndDoji", func(t *testing.T) {
		t.Parallel()
		s := make(bars.Series, 48)
		values := make([]float64, len(s))
		for i := range s {
			s[i] = bundle.series[i]
			s[i].Time = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 5 * time.Minute)
			values[i] = s[i].Close
			if i < 5 || (i >= 20 && i < 25) {
				values[i] = math.NaN()
			}
		}
		s[10].Close = s[10].Open // doji
		b, err := Candles("ETHUSDT 5m", s, []Overlay{{Name: "close", Values: values}}, 500, 400)
		require.NoError(t, err)
		requireNotBlank(t, decode(t, b, 500, 400))
	})

	t.Run("SingleBar", func(t *testing.T) {
		t.Parallel()
		b, err := Candles("one", bundle.series[:1], nil, 300, 200)
		require.NoError(t, err)
		requireNotBlank(t, decode(t, b, 300, 200))
	})
}

func TestCandlesColors(t *testing.T) {
	t.Parallel()

	// Two up bars then two down bars, no volume: every green pixel must lie
	// left of every red one, in the left and right halves of the plot area.
	day := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	s := bars.Series{
		{Time: day, Open: 10, High: 13, Low: 9, Close: 12},
		{Time: day.AddDate(0, 0, 1), Open: 12, High: 15, Low: 11, Close: 14},
		{Time: day.AddDate(0, 0, 2), Open: 14, High: 15, Low: 11, Close: 12},
		{Time: day.AddDate(0, 0, 3), Open: 12, High: 13, Low: 9, Close: 10},
	}
	const w, h = 400, 300
	b, err := Candles("colours", s, nil, w, h)
	require.NoError(t, err)
	img := decode(t, b, w, h)

	minG, maxG, minR, maxR := w, -1, w, -1
	var nG, nR, sumG, sumR int
	for y := range h {
		for x := range w {
			c := rgba(img, x, y)
			switch {
			case greenish(c):
				nG++
				sumG += x
				minG, maxG = min(minG, x), max(maxG, x)
			case reddish(c):
				nR++
				sumR += x
				minR, maxR = min(minR, x), max(maxR, x)
			}
		}
	}
	require.Greater(t, nG, 500, "green body pixels")
	require.Greater(t, nR, 500, "red body pixels")
	require.Less(t, maxG, minR, "up candles left of down candles")
	// Bodies are 70% of a bar step wide, so each colour spans about 1.7 of
	// the 4 bar steps and the gap between them is about 0.3 of a step.
	spanG, spanR := maxG-minG, maxR-minR
	require.InDelta(t, spanG, spanR, 4, "equal widths")
	require.Greater(t, minR-maxG, spanG/10, "gap between bar 1 and bar 2")
	require.Less(t, minR-maxG, spanG/2)
	require.Less(t, sumG/nG, sumR/nR)
}

func TestCandlesErrors(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	_, err := Candles("x", nil, nil, 100, 100)
	require.ErrorIs(t, err, ErrNoData)
	_, err = Candles("x", bundle.series, []Overlay{{Name: "short", Values: []float64{1}}}, 100, 100)
	require.ErrorIs(t, err, ErrLengthMismatch)
	_, err = Candles("x", bundle.series, nil, 0, 100)
	require.ErrorIs(t, err, ErrInvalidSize)
}

func TestEquityCurveAndDrawdown(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	const w, h = 640, 360
	b, err := EquityCurve("Strategy equity", bundle.times, bundle.equity, w, h)
	require.NoError(t, err)
	requireNotBlank(t, decode(t, b, w, h))

	b, err = Drawdown("Strategy drawdown", bundle.times, bundle.equity, w, h)
	require.NoError(t, err)
	img := decode(t, b, w, h)
	requireNotBlank(t, img)
	var red int
	for y := range h {
		for x := range w {
			if c := rgba(img, x, y); int(c.R) > int(c.G)+30 && int(c.R) > int(c.B)+30 {
				red++
			}
		}
	}
	require.Greater(t, red, w*h/100, "filled drawdown area")

	_, err = EquityCurve("x", bundle.times, bundle.equity[:3], w, h)
	require.ErrorIs(t, err, ErrLengthMismatch)
	_, err = Drawdown("x", nil, nil, w, h)
	require.ErrorIs(t, err, ErrNoData)
	_, err = Drawdown("x", bundle.times, bundle.equity, w, -1)
	require.ErrorIs(t, err, ErrInvalidSize)
}

func TestTimeTicks(t *testing.T) {
	t.Parallel()

	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		first    string
	}{
		{name: "Intraday", from: day.Add(9 * time.Hour), to: day.Add(15 * time.Hour), first: "09:00"},
		{name: "Days", from: day, to: day.AddDate(0, 0, 30), first: "2026-01-05"},
		{name: "Months", from: day, to: day.AddDate(0, 8, 0), first: "Mar 2026"}, // 2-month steps on even months,
		{name: "Years", from: day, to: day.AddDate(6, 0, 0), first: "2027"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ticks := timeTicks{}.Ticks(float64(tc.from.Unix()), float64(tc.to.Unix()))
			require.NotEmpty(t, ticks)
			require.LessOrEqual(t, len(ticks), maxTicks+1)
			require.Equal(t, tc.first, ticks[0].Label)
		})
	}
}

// TestWriteSample writes sample charts to /tmp for a human to look at. Run
// with VIGIL_WRITE_CHARTS=1.
func TestWriteSample(t *testing.T) {
	t.Parallel()
	if os.Getenv("VIGIL_WRITE_CHARTS") != "1" {
		t.Skip("set VIGIL_WRITE_CHARTS=1 to write /tmp/vigil-*.png")
	}
	bundle := setup(t)

	b, err := Candles("BTCUSDT 1d — SMA 20, Bollinger (20, 2)", bundle.series, bundle.overlays, 1000, 600)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("/tmp/vigil-candles.png", b, 0o644))

	b, err = EquityCurve("Strategy equity", bundle.times, bundle.equity, 800, 400)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("/tmp/vigil-equity.png", b, 0o644))

	b, err = Drawdown("Strategy drawdown", bundle.times, bundle.equity, 800, 400)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile("/tmp/vigil-drawdown.png", b, 0o644))
}

// Value axes get about four to eight round labels whatever the range.
func TestValueTicks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{-27.5, 3, []string{"-25", "-20", "-15", "-10", "-5", "0"}},
		{24.1, 45.3, []string{"25", "30", "35", "40", "45"}},
		{99.2, 100.4, []string{"99.2", "99.4", "99.6", "99.8", "100.0", "100.2", "100.4"}},
		{1.2e6, 1.9e6, []string{"1.2M", "1.3M", "1.4M", "1.5M", "1.6M", "1.7M", "1.8M", "1.9M"}},
		{0.5, 1.3, []string{"0.6", "0.8", "1.0", "1.2"}},
	} {
		var labels []string
		for _, tk := range (valueTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		require.Equal(t, c.want, labels, "range %v..%v", c.lo, c.hi)
	}
	require.Nil(t, (valueTicks{}).Ticks(1, 1))
}
