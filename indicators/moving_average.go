package indicators

// SMA returns the simple moving average of x over n bars:
// out[i] = (x[i-n+1] + … + x[i]) / n.
//
// Warm-up: the first n-1 values are NaN. A window holding a missing value
// gives NaN; the output recovers once the gap leaves the window.
func SMA(x []float64, n int) ([]float64, error) {
	if err := checkPeriod("sma", "period", n); err != nil {
		return nil, err
	}
	return sma(x, n), nil
}

// sma is SMA without parameter checks; n must be >= 1.
func sma(x []float64, n int) []float64 {
	out := nans(len(x))
	sum := 0.0
	lastBad := -1
	for i, v := range x {
		if finite(v) {
			sum += v
		} else {
			lastBad = i
		}
		if i >= n {
			if old := x[i-n]; finite(old) {
				sum -= old
			}
		}
		if i >= n-1 && lastBad <= i-n {
			out[i] = sum / float64(n)
		}
	}
	return out
}

// EMA returns the exponential moving average of x over n bars with smoothing
// factor alpha = 2/(n+1): e[i] = e[i-1] + alpha·(x[i] - e[i-1]).
//
// Convention: the first value, at index n-1, is the SMA of the first n values
// (TA-Lib and StockCharts). pandas ewm(span=n, adjust=False) and TradingView
// instead start from e[0] = x[0] with no warm-up; the two agree once the seed
// has decayed, roughly after a few multiples of n bars.
//
// Warm-up: the first n-1 values are NaN (counted from the first finite value;
// leading missing values are skipped). A later missing value makes every
// following value NaN.
func EMA(x []float64, n int) ([]float64, error) {
	if err := checkPeriod("ema", "period", n); err != nil {
		return nil, err
	}
	return ema(x, n), nil
}

// ema is EMA without parameter checks; n must be >= 1.
func ema(x []float64, n int) []float64 {
	out := nans(len(x))
	start := firstFinite(x)
	if start+n > len(x) {
		return out
	}
	sum := 0.0
	for _, v := range x[start : start+n] {
		sum += v
	}
	e := sum / float64(n)
	if !finite(e) {
		return out
	}
	out[start+n-1] = e
	alpha := 2 / float64(n+1)
	for i := start + n; i < len(x); i++ {
		v := x[i]
		if !finite(v) {
			break
		}
		e = (v-e)*alpha + e
		out[i] = e
	}
	return out
}

// WMA returns the linearly weighted moving average of x over n bars: weights
// 1, 2, …, n from the oldest to the newest bar, divided by n(n+1)/2.
//
// Warm-up: the first n-1 values are NaN. A window holding a missing value
// gives NaN; the output recovers once the gap leaves the window.
func WMA(x []float64, n int) ([]float64, error) {
	if err := checkPeriod("wma", "period", n); err != nil {
		return nil, err
	}
	out := nans(len(x))
	divisor := float64(n*(n+1)) / 2
	// sum is the plain sum and wsum the weighted sum of the current window,
	// counting missing values as 0.
	sum, wsum := 0.0, 0.0
	lastBad := -1
	for i, v := range x {
		if !finite(v) {
			lastBad = i
			v = 0
		}
		if i < n {
			wsum += float64(i+1) * v
			sum += v
		} else {
			// Every weight drops by one (the oldest bar leaves) and the new
			// bar enters with weight n.
			wsum += float64(n)*v - sum
			sum += v
			if old := x[i-n]; finite(old) {
				sum -= old
			}
		}
		if i >= n-1 && lastBad <= i-n {
			out[i] = wsum / divisor
		}
	}
	return out, nil
}
