// Package indicators computes technical indicators on plain []float64 series.
//
// It is a pure domain package: no I/O, no logger, no clock, and it imports
// only the standard library. Callers fetch bars elsewhere and pass the values
// in, oldest first.
//
// # Output shape
//
// Every function returns slices with the same length as its input. Positions
// that are not yet defined (the warm-up) hold math.NaN(). Input shorter than
// the warm-up gives an all-NaN result, not an error; empty input gives an
// empty result. A period below 1 (or another impossible parameter) returns an
// error wrapping ErrInvalidParameter, and inputs of different lengths return
// an error wrapping ErrLengthMismatch. Use Last to read the latest value.
//
// # Indicators
//
// With n the period and i the bar index (warm-up = number of leading NaNs):
//
//	SMA(x, n)            mean(x[i-n+1..i])                              warm-up n-1
//	EMA(x, n)            e = e + 2/(n+1)·(x[i]-e), seed SMA of first n  warm-up n-1
//	WMA(x, n)            Σ w·x / Σ w, weights 1..n (newest = n)         warm-up n-1
//	RSI(x, n)            100·G/(G+L), Wilder averages of gains/losses   warm-up n
//	MACD(x, f, s, g)     line = EMA_f - EMA_s                           warm-up s-1
//	                     signal = EMA_g(line), histogram = line-signal  warm-up s+g-2
//	Bollinger(x, n, k)   middle = SMA, upper/lower = middle ± k·σ       warm-up n-1
//	                     (σ population std dev), %B, width
//	TrueRange(h, l, c)   max(h-l, |h-c[i-1]|, |l-c[i-1]|)               warm-up 1
//	ATR(h, l, c, n)      Wilder average of TrueRange                    warm-up n
//	Stochastic(h,l,c,kp,ks,dp)  fast %K = 100·(c-LL)/(HH-LL) over kp;   K warm-up kp+ks-2
//	                     K = SMA_ks(fast %K), D = SMA_dp(K)             D warm-up kp+ks+dp-3
//	VWAP(h, l, c, v)     Σ tp·v / Σ v from the first bar, tp=(h+l+c)/3  warm-up 0
//	RollingVWAP(…, n)    the same over the last n bars                  warm-up n-1
//	ROC(x, n)            100·(x[i]/x[i-n] - 1)                          warm-up n
//	Highest(x, n)        max(x[i-n+1..i])                               warm-up n-1
//	Lowest(x, n)         min(x[i-n+1..i])                               warm-up n-1
//	VolumeAverage(v, n)  SMA(v, n)                                      warm-up n-1
//	VolumeSpikeRatio(v, n)  v[i] / mean(v[i-n..i-1]), current bar out   warm-up n
//
// # Conventions
//
// Values match TA-Lib (checked against github.com/markcheno/go-talib in the
// tests) except where noted here and on each function:
//
//   - EMA is seeded with the SMA of its first n values, as TA-Lib and
//     StockCharts do. pandas ewm(adjust=False) and TradingView's ema seed with
//     the first value instead; the two agree only after the seed has decayed.
//   - RSI and ATR use Wilder's smoothing, a = (a·(n-1) + v)/n, seeded with
//     the simple mean of the first n values. ATR follows TA-Lib: the first
//     true range is at index 1 (it needs a previous close), so the first ATR
//     is the mean of TR[1..n] at index n. StockCharts also counts TR[0]=H-L
//     and publishes its first ATR one bar earlier, at index n-1.
//   - MACD uses two EMAs seeded as above. C TA-Lib seeds the fast EMA with the
//     mean of the fast-period values ending at index slow-1 instead, so its
//     early MACD values differ slightly (the gap decays geometrically); TA-Lib
//     also hides the line until the signal exists, while we publish the line
//     from index slow-1.
//   - Where TA-Lib returns 0 for an undefined ratio, we return a neutral value
//     or NaN: RSI with no movement (no gains and no losses) is 50, Stochastic
//     fast %K with a flat range (HH == LL) is 50, Bollinger %B with zero width
//     is 0.5, and ROC from a zero base is NaN.
//
// # Missing values
//
// NaN and ±Inf inputs are treated as missing. Leading missing values (for
// example another indicator's warm-up) are skipped: the indicator starts at
// the first bar where every input is finite, so indicators chain, e.g.
// EMA(SMA(x, 5), 3). After that, a missing value makes every output that
// depends on it NaN. Windowed indicators (SMA, WMA, Bollinger, Highest,
// Lowest, ROC, Stochastic, RollingVWAP, the volume functions) recover once the
// gap leaves the window; recursive ones (EMA, RSI, ATR, MACD, VWAP) stay NaN
// to the end of the series, because their state depends on every earlier
// value. Fill or drop gaps before calling if that is not wanted.
package indicators
