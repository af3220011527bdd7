package indicators

// ROC returns the percent rate of change of x over n bars:
// out[i] = 100·(x[i]/x[i-n] - 1).
//
// Warm-up: the first n values are NaN. The value is NaN when x[i-n] is zero
// (TA-Lib returns 0 there) or when x[i] or x[i-n] is missing.
func ROC(x []float64, n int) ([]float64, error) {
	if err := checkPeriod("roc", "period", n); err != nil {
		return nil, err
	}
	out := nans(len(x))
	for i := n; i < len(x); i++ {
		base, v := x[i-n], x[i]
		if base == 0 || !finite(base) || !finite(v) {
			continue
		}
		out[i] = (v/base - 1) * 100
	}
	return out, nil
}
