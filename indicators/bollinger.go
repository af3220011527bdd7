package indicators

import (
	"fmt"
	"math"
)

// BollingerResult holds the Bollinger Band series, each as long as the input.
type BollingerResult struct {
	// Upper is Middle + k·σ.
	Upper []float64
	// Middle is the n-bar SMA.
	Middle []float64
	// Lower is Middle - k·σ.
	Lower []float64
	// PercentB is (close - Lower) / (Upper - Lower): 0 at the lower band,
	// 1 at the upper band, 0.5 when the bands have zero width.
	PercentB []float64
	// Width is (Upper - Lower) / Middle as a fraction (StockCharts'
	// BandWidth is this times 100); NaN when Middle is 0.
	Width []float64
}

// Bollinger returns Bollinger Bands of close over n bars, k standard
// deviations wide (conventionally n = 20, k = 2).
//
// Definition: Middle = SMA(close, n); σ is the population standard deviation
// (divide by n, not n-1) of the same n closes, as in TA-Lib and StockCharts;
// Upper/Lower = Middle ± k·σ. σ is computed in two passes per window, which is
// exact for constant windows: they give σ = 0 and PercentB = 0.5.
//
// Warm-up: the first n-1 values of every series are NaN. A window holding a
// missing value gives NaN; the output recovers once the gap leaves the window.
//
// It returns an error unless n >= 1 and k is finite and > 0.
func Bollinger(close []float64, n int, k float64) (BollingerResult, error) {
	if err := checkPeriod("bollinger", "period", n); err != nil {
		return BollingerResult{}, err
	}
	if !finite(k) || k <= 0 {
		return BollingerResult{}, fmt.Errorf("bollinger: multiplier %v must be finite and > 0: %w", k, ErrInvalidParameter)
	}
	res := BollingerResult{
		Upper:    nans(len(close)),
		Middle:   nans(len(close)),
		Lower:    nans(len(close)),
		PercentB: nans(len(close)),
		Width:    nans(len(close)),
	}
	nf := float64(n)
	lastBad := -1
	for i, c := range close {
		if !finite(c) {
			lastBad = i
		}
		if i < n-1 || lastBad > i-n {
			continue
		}
		window := close[i-n+1 : i+1]
		sum := 0.0
		constant := true
		for _, v := range window {
			sum += v
			constant = constant && v == c
		}
		mid, sd := sum/nf, 0.0
		if constant {
			mid = c
		} else {
			ss := 0.0
			for _, v := range window {
				d := v - mid
				ss += d * d
			}
			sd = math.Sqrt(ss / nf)
		}
		upper, lower := mid+k*sd, mid-k*sd
		res.Upper[i], res.Middle[i], res.Lower[i] = upper, mid, lower
		res.PercentB[i] = 0.5
		if upper != lower {
			res.PercentB[i] = (c - lower) / (upper - lower)
		}
		if mid != 0 {
			res.Width[i] = (upper - lower) / mid
		}
	}
	return res, nil
}
