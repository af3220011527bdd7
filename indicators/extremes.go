package indicators

// Highest returns the highest value of x over the last n bars:
// out[i] = max(x[i-n+1..i]).
//
// Warm-up: the first n-1 values are NaN. A window holding a missing value
// gives NaN; the output recovers once the gap leaves the window.
func Highest(x []float64, n int) ([]float64, error) {
	if err := checkPeriod("highest", "period", n); err != nil {
		return nil, err
	}
	return extreme(x, n, func(a, b float64) bool { return a >= b }), nil
}

// Lowest returns the lowest value of x over the last n bars:
// out[i] = min(x[i-n+1..i]).
//
// Warm-up: the first n-1 values are NaN. A window holding a missing value
// gives NaN; the output recovers once the gap leaves the window.
func Lowest(x []float64, n int) ([]float64, error) {
	if err := checkPeriod("lowest", "period", n); err != nil {
		return nil, err
	}
	return extreme(x, n, func(a, b float64) bool { return a <= b }), nil
}

// extreme returns the rolling extreme of x over n bars, where better(a, b)
// reports whether a should replace b. It tracks the index of the current
// extreme and rescans the window only when that index drops out of it.
func extreme(x []float64, n int, better func(a, b float64) bool) []float64 {
	out := nans(len(x))
	lastBad := -1
	best, bestIdx := 0.0, -1
	for i, v := range x {
		if !finite(v) {
			lastBad = i
		}
		if i < n-1 || lastBad > i-n {
			bestIdx = -1
			continue
		}
		switch {
		case bestIdx <= i-n:
			bestIdx = i - n + 1
			best = x[bestIdx]
			for j := bestIdx + 1; j <= i; j++ {
				if better(x[j], best) {
					best, bestIdx = x[j], j
				}
			}
		case better(v, best):
			best, bestIdx = v, i
		}
		out[i] = best
	}
	return out
}
