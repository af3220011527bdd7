package indicators

// StochasticResult holds the slow stochastic oscillator, each series as long
// as the input.
type StochasticResult struct {
	// K is the smoothed (slow) %K.
	K []float64
	// D is the SMA of K.
	D []float64
}

// Stochastic returns Lane's slow stochastic oscillator, as TA-Lib's STOCH
// with SMA smoothing (conventionally kPeriod 14, kSmooth 3, dPeriod 3;
// kSmooth 1 gives the fast stochastic).
//
// Definition: fast %K = 100·(close - LL)/(HH - LL), where HH is the highest
// high and LL the lowest low of the last kPeriod bars; K = SMA(fast %K,
// kSmooth); D = SMA(K, dPeriod).
//
// Warm-up: K has kPeriod+kSmooth-2 leading NaNs and D kPeriod+kSmooth+dPeriod-3
// (TA-Lib publishes both from the latter index). A window holding a missing
// value gives NaN; the output recovers once the gap leaves the windows.
//
// Convention: with a flat range (HH == LL) fast %K is 50, the neutral value;
// TA-Lib returns 0 there.
func Stochastic(high, low, close []float64, kPeriod, kSmooth, dPeriod int) (StochasticResult, error) {
	if err := checkPeriod("stochastic", "k period", kPeriod); err != nil {
		return StochasticResult{}, err
	}
	if err := checkPeriod("stochastic", "k smoothing period", kSmooth); err != nil {
		return StochasticResult{}, err
	}
	if err := checkPeriod("stochastic", "d period", dPeriod); err != nil {
		return StochasticResult{}, err
	}
	if err := checkLengths("stochastic", "high, low, close", len(high), len(low), len(close)); err != nil {
		return StochasticResult{}, err
	}
	hh := extreme(high, kPeriod, func(a, b float64) bool { return a >= b })
	ll := extreme(low, kPeriod, func(a, b float64) bool { return a <= b })
	fastK := nans(len(close))
	for i, c := range close {
		switch {
		case !finite(c):
			// Stays NaN.
		case hh[i] == ll[i]:
			fastK[i] = 50
		default:
			fastK[i] = 100 * (c - ll[i]) / (hh[i] - ll[i])
		}
	}
	k := sma(fastK, kSmooth)
	return StochasticResult{K: k, D: sma(k, dPeriod)}, nil
}
