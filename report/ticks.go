package report

import (
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"

	"github.com/vigilhq/vigil/bars"
)

// timeTicks is a plot.Ticker for X axes holding Unix seconds. It puts about
// six labelled ticks on round UTC boundaries (minutes, hours, midnights,
// Mondays, first of the month, first of the year) and formats the labels for
// the chosen step.
type timeTicks struct {
	// hideLabels keeps the ticks but drops their labels (for a panel stacked
	// above another one that shows the dates).
	hideLabels bool
}

var _ plot.Ticker = timeTicks{}

// tickSteps are the candidate tick spacings up to two weeks, shortest first.
var tickSteps = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour,
}

// tickMonths are the candidate tick spacings in months beyond two weeks.
var tickMonths = []int{1, 2, 3, 6, 12, 24, 60, 120}

const maxTicks = 7

// Ticks implements plot.Ticker.
func (tt timeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	span := time.Duration((hi - lo) * float64(time.Second))
	var times []time.Time
	format := "2006-01-02"
	for _, step := range tickSteps {
		if span/step > maxTicks {
			continue
		}
		start := time.Unix(int64(math.Ceil(lo)), 0).UTC()
		var t time.Time
		switch {
		case step == 7*24*time.Hour || step == 14*24*time.Hour:
			t = bars.W1.Open(start)
		case step >= 24*time.Hour:
			t = bars.D1.Open(start)
		default:
			t = start.Truncate(step)
		}
		for ; float64(t.Unix()) <= hi; t = t.Add(step) {
			if float64(t.Unix()) >= lo {
				times = append(times, t)
			}
		}
		switch {
		case step >= 24*time.Hour:
			format = "2006-01-02"
		case span > 24*time.Hour:
			format = "Jan 02 15:04"
		default:
			format = "15:04"
		}
		break
	}
	if times == nil {
		months := tickMonths[len(tickMonths)-1]
		for _, m := range tickMonths {
			if span <= time.Duration(m)*30*24*time.Hour*maxTicks {
				months = m
				break
			}
		}
		format = "Jan 2006"
		if months >= 12 {
			format = "2006"
		}
		s := time.Unix(int64(math.Floor(lo)), 0).UTC()
		// First of a month whose index is a multiple of the step.
		idx := (s.Year()*12 + int(s.Month()) - 1)
		idx -= idx % months
		for t := time.Date(idx/12, time.Month(idx%12+1), 1, 0, 0, 0, 0, time.UTC); float64(t.Unix()) <= hi; t = t.AddDate(0, months, 0) {
			if float64(t.Unix()) >= lo {
				times = append(times, t)
			}
		}
	}
	ticks := make([]plot.Tick, len(times))
	for i, t := range times {
		ticks[i].Value = float64(t.Unix())
		if !tt.hideLabels {
			ticks[i].Label = t.Format(format)
		}
	}
	return ticks
}

// volumeTicks labels a volume axis with k, M and B suffixes.
type volumeTicks struct{}

var _ plot.Ticker = volumeTicks{}

// Ticks implements plot.Ticker.
func (volumeTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = humanize(ticks[i].Value)
		}
	}
	return ticks
}

func humanize(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'g', 4, 64) + "B"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// valueTicks labels a value axis (price, equity, drawdown) at round steps
// (1, 2, 2.5 or 5 × 10^k) chosen to give about four to eight labels: gonum's
// default ticker labels as few as two on short ranges.
type valueTicks struct{}

var _ plot.Ticker = valueTicks{}

// Ticks implements plot.Ticker.
func (valueTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	step := niceStep((hi - lo) / 7)
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if step*math.Pow(10, float64(decimals)) != math.Round(step*math.Pow(10, float64(decimals))) {
		decimals++ // 2.5 × 10^k needs one more digit
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		label := strconv.FormatFloat(v, 'f', decimals, 64)
		if step >= 1e4 {
			label = humanize(v) // 1.2M rather than 1200000
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
		if minor := v + step/2; minor < hi {
			ticks = append(ticks, plot.Tick{Value: minor})
		}
	}
	return ticks
}

// niceStep rounds x up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if !(x > 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*pow >= x*(1-1e-9) {
			return m * pow
		}
	}
	return 10 * pow
}
