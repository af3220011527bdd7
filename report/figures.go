package report

import (
	"math"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// Returns gives the simple returns closes[i]/closes[i-1] - 1 for i ≥ 1, so
// the result has one element fewer than closes (and is empty for fewer than
// two closes). A return from a zero or missing close is NaN.
func Returns(closes []float64) []float64 {
	if len(closes) < 2 {
		return []float64{}
	}
	out := make([]float64, len(closes)-1)
	for i := 1; i < len(closes); i++ {
		prev, cur := closes[i-1], closes[i]
		if prev == 0 || !finite(prev) || !finite(cur) {
			out[i-1] = math.NaN()
			continue
		}
		out[i-1] = cur/prev - 1
	}
	return out
}

// MaxDrawdown finds the largest fall of equity below its running peak. pct is
// that fall as a positive percentage of the peak (25 means the equity lost a
// quarter of its peak value); peakIdx and troughIdx are the indices of the
// peak and of the trough that give it. If equity never falls (or is empty),
// MaxDrawdown returns 0, -1, -1. Non-finite values are skipped.
func MaxDrawdown(equity []float64) (pct float64, peakIdx, troughIdx int) {
	peakIdx, troughIdx = -1, -1
	runPeak := -1
	for i, v := range equity {
		if !finite(v) {
			continue
		}
		if runPeak < 0 || v > equity[runPeak] {
			runPeak = i
			continue
		}
		if equity[runPeak] <= 0 {
			continue
		}
		if dd := (equity[runPeak] - v) / equity[runPeak] * 100; dd > pct {
			pct, peakIdx, troughIdx = dd, runPeak, i
		}
	}
	return pct, peakIdx, troughIdx
}

// DrawdownSeries gives, for each point, the percentage by which equity is
// below its running peak (0 at a new peak, -10 when 10% below it). Values
// before the first finite point, and non-finite points, are NaN.
func DrawdownSeries(equity []float64) []float64 {
	out := make([]float64, len(equity))
	peak := math.NaN()
	for i, v := range equity {
		if !finite(v) {
			out[i] = math.NaN()
			continue
		}
		if math.IsNaN(peak) || v > peak {
			peak = v
		}
		if peak <= 0 {
			out[i] = math.NaN()
			continue
		}
		out[i] = (v - peak) / peak * 100
	}
	return out
}

// Volatility is the annualised sample standard deviation of returns:
// stdev(returns, n-1) · √periodsPerYear (252 for daily bars, 52 for weekly).
// Non-finite returns are skipped; fewer than two give NaN.
func Volatility(returns []float64, periodsPerYear float64) float64 {
	_, sd := meanStdev(returns)
	return sd * math.Sqrt(periodsPerYear)
}

// Sharpe is the annualised Sharpe ratio of per-period returns:
// mean(r - riskFreePerPeriod) / stdev(r) · √periodsPerYear, with the sample
// standard deviation. Non-finite returns are skipped; fewer than two returns,
// or returns that never vary, give NaN.
func Sharpe(returns []float64, riskFreePerPeriod, periodsPerYear float64) float64 {
	mean, sd := meanStdev(returns)
	if sd == 0 || math.IsNaN(sd) {
		return math.NaN()
	}
	return (mean - riskFreePerPeriod) / sd * math.Sqrt(periodsPerYear)
}

// DayChangePct is the percentage change of the latest close against the
// close of the last bar of an earlier UTC day: for daily bars the previous
// bar, for intraday bars yesterday's last bar. It is NaN when the series has
// no earlier day or that close is zero.
func DayChangePct(s bars.Series) float64 {
	last, ok := s.Last()
	if !ok {
		return math.NaN()
	}
	t := last.Time.UTC()
	dayStart := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for i := len(s) - 2; i >= 0; i-- {
		if s[i].Time.Before(dayStart) {
			if s[i].Close == 0 {
				return math.NaN()
			}
			return (last.Close/s[i].Close - 1) * 100
		}
	}
	return math.NaN()
}

// Correlation is the Pearson correlation of a and b over the positions where
// both are finite. It is NaN when the lengths differ, fewer than two pairs
// remain, or either side is constant.
func Correlation(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.NaN()
	}
	var n, sa, sb float64
	for i := range a {
		if finite(a[i]) && finite(b[i]) {
			n++
			sa += a[i]
			sb += b[i]
		}
	}
	if n < 2 {
		return math.NaN()
	}
	ma, mb := sa/n, sb/n
	var cov, va, vb float64
	for i := range a {
		if finite(a[i]) && finite(b[i]) {
			da, db := a[i]-ma, b[i]-mb
			cov += da * db
			va += da * da
			vb += db * db
		}
	}
	if va == 0 || vb == 0 {
		return math.NaN()
	}
	return cov / math.Sqrt(va*vb)
}

// meanStdev returns the mean and sample standard deviation of the finite
// values of x (NaN, NaN for fewer than two).
func meanStdev(x []float64) (mean, sd float64) {
	var n, sum float64
	for _, v := range x {
		if finite(v) {
			n++
			sum += v
		}
	}
	if n < 2 {
		return math.NaN(), math.NaN()
	}
	mean = sum / n
	var ss float64
	for _, v := range x {
		if finite(v) {
			ss += (v - mean) * (v - mean)
		}
	}
	return mean, math.Sqrt(ss / (n - 1))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
