package indicators

import "math"

// TrueRange returns Wilder's true range of each bar:
// TR[i] = max(high[i]-low[i], |high[i]-close[i-1]|, |low[i]-close[i-1]|).
//
// Warm-up: TR needs the previous close, so TR[0] is NaN (TA-Lib convention;
// StockCharts uses high[0]-low[0] there). A missing input makes the true
// ranges that use it NaN.
func TrueRange(high, low, close []float64) ([]float64, error) {
	if err := checkLengths("true range", "high, low, close", len(high), len(low), len(close)); err != nil {
		return nil, err
	}
	return trueRange(high, low, close), nil
}

// trueRange is TrueRange without length checks.
func trueRange(high, low, close []float64) []float64 {
	out := nans(len(close))
	for i := 1; i < len(close); i++ {
		h, l, pc := high[i], low[i], close[i-1]
		if !finite(h) || !finite(l) || !finite(pc) {
			continue
		}
		out[i] = math.Max(h-l, math.Max(math.Abs(h-pc), math.Abs(l-pc)))
	}
	return out
}

// ATR returns Wilder's average true range over n bars.
//
// Definition and seeding (TA-Lib convention): true ranges start at index 1
// (see TrueRange); the first ATR, at index n, is the simple mean of
// TR[1..n]; after that ATR = (ATR·(n-1) + TR)/n. StockCharts instead counts
// TR[0] = high[0]-low[0] and publishes its first ATR at index n-1; values
// from the two conventions converge as the seed decays.
//
// Warm-up: the first n values are NaN (counted from the first bar whose high,
// low and close are all finite). A later missing input makes every following
// value NaN.
func ATR(high, low, close []float64, n int) ([]float64, error) {
	if err := checkPeriod("atr", "period", n); err != nil {
		return nil, err
	}
	if err := checkLengths("atr", "high, low, close", len(high), len(low), len(close)); err != nil {
		return nil, err
	}
	out := nans(len(close))
	start := firstFinite(high, low, close)
	if start+n >= len(close) {
		return out, nil
	}
	tr := trueRange(high, low, close)
	atr := 0.0
	for _, v := range tr[start+1 : start+n+1] {
		atr += v
	}
	nf := float64(n)
	atr /= nf
	out[start+n] = atr
	for i := start + n + 1; i < len(close); i++ {
		atr = (atr*(nf-1) + tr[i]) / nf
		out[i] = atr
	}
	return out, nil
}
