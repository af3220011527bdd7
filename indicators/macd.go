package indicators

import "fmt"

// MACDResult holds the three MACD series, each as long as the input.
type MACDResult struct {
	// Line is EMA(close, fast) - EMA(close, slow).
	Line []float64
	// Signal is EMA(Line, signal).
	Signal []float64
	// Histogram is Line - Signal.
	Histogram []float64
}

// MACD returns Appel's moving average convergence/divergence of close. The
// conventional periods are fast 12, slow 26, signal 9.
//
// Definition: Line = EMA(close, fast) - EMA(close, slow), Signal =
// EMA(Line, signal) and Histogram = Line - Signal, where every EMA is EMA in
// this package (seeded with the SMA of its first values). The signal EMA
// starts at the first defined Line value.
//
// Warm-up: Line has slow-1 leading NaNs; Signal and Histogram have
// slow+signal-2 (33 for 12/26/9), which is TA-Lib's MACD lookback. TA-Lib
// blanks the line until then too; we publish it as soon as it is defined.
// C TA-Lib also seeds the fast EMA with the mean of the fast values ending at
// index slow-1 rather than the first fast values, so its earliest values
// differ from ours by an amount that decays by a factor (fast-1)/(fast+1) a
// bar. A missing close makes every following value NaN.
//
// It returns an error unless 1 <= fast < slow and signal >= 1.
func MACD(close []float64, fast, slow, signal int) (MACDResult, error) {
	for _, p := range []struct {
		name string
		n    int
	}{{"fast period", fast}, {"slow period", slow}, {"signal period", signal}} {
		if err := checkPeriod("macd", p.name, p.n); err != nil {
			return MACDResult{}, err
		}
	}
	if fast >= slow {
		return MACDResult{}, fmt.Errorf("macd: fast period %d must be < slow period %d: %w", fast, slow, ErrInvalidParameter)
	}
	fastEMA := ema(close, fast)
	line := ema(close, slow)
	for i := range line {
		line[i] = fastEMA[i] - line[i]
	}
	sig := ema(line, signal)
	hist := make([]float64, len(line))
	for i := range hist {
		hist[i] = line[i] - sig[i]
	}
	return MACDResult{Line: line, Signal: sig, Histogram: hist}, nil
}
