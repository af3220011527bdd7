package indicators

import "math"

// RSI returns Wilder's relative strength index of close over n bars.
//
// Definition: each change d = close[i] - close[i-1] is split into a gain
// max(d, 0) and a loss max(-d, 0). The first average gain G and average loss
// L are the simple means of the first n changes; after that Wilder's smoothing
// applies, G = (G·(n-1) + gain)/n and likewise for L. RSI = 100·G/(G+L),
// which equals 100 - 100/(1 + G/L).
//
// Warm-up: n changes need n+1 closes, so the first RSI is at index n and the
// first n values are NaN (TA-Lib convention; counted from the first finite
// close). A later missing close makes every following value NaN.
//
// Convention: when there is no movement at all (G + L == 0, e.g. a constant
// series) RSI is 50, the neutral value; TA-Lib returns 0 there.
func RSI(close []float64, n int) ([]float64, error) {
	if err := checkPeriod("rsi", "period", n); err != nil {
		return nil, err
	}
	out := nans(len(close))
	start := firstFinite(close)
	if start+n >= len(close) {
		return out, nil
	}
	gain, loss := 0.0, 0.0
	for i := start + 1; i <= start+n; i++ {
		g, l := split(close[i] - close[i-1])
		gain += g
		loss += l
	}
	nf := float64(n)
	gain /= nf
	loss /= nf
	out[start+n] = rsiValue(gain, loss)
	for i := start + n + 1; i < len(close); i++ {
		g, l := split(close[i] - close[i-1])
		gain = (gain*(nf-1) + g) / nf
		loss = (loss*(nf-1) + l) / nf
		out[i] = rsiValue(gain, loss)
	}
	return out, nil
}

// split returns the gain and loss parts of change d, both NaN when d is not
// finite.
func split(d float64) (gain, loss float64) {
	switch {
	case !finite(d):
		return math.NaN(), math.NaN()
	case d > 0:
		return d, 0
	default:
		return 0, -d
	}
}

// rsiValue maps average gain and loss to RSI, 50 when both are zero.
func rsiValue(gain, loss float64) float64 {
	sum := gain + loss
	if sum == 0 {
		return 50
	}
	return 100 * gain / sum
}
