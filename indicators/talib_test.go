package indicators

import (
	"testing"

	talib "github.com/markcheno/go-talib"
	"github.com/stretchr/testify/require"
)

// talibTol is the tolerance against go-talib: 1e-9 relative (absolute below 1).
const talibTol = 1e-9

// TestAgainstTALib compares every indicator with a TA-Lib counterpart on a
// 500-bar random walk. TA-Lib writes 0 during its warm-up, so only positions
// from `from` on are compared; `warmup` is our own count of leading NaNs,
// which can be shorter where TA-Lib hides values it could publish (MACD line,
// Stochastic K).
func TestAgainstTALib(t *testing.T) {
	t.Parallel()

	type result = func(b bars) ([]float64, error)
	single := func(f func([]float64, int) ([]float64, error), n int) result {
		return func(b bars) ([]float64, error) { return f(b.close, n) }
	}
	macd := func(fast, slow, signal int, pick func(MACDResult) []float64) result {
		return func(b bars) ([]float64, error) {
			r, err := MACD(b.close, fast, slow, signal)
			return pick(r), err
		}
	}
	bollinger := func(n int, k float64, pick func(BollingerResult) []float64) result {
		return func(b bars) ([]float64, error) {
			r, err := Bollinger(b.close, n, k)
			return pick(r), err
		}
	}
	stoch := func(kp, ks, dp int, pick func(StochasticResult) []float64) result {
		return func(b bars) ([]float64, error) {
			r, err := Stochastic(b.high, b.low, b.close, kp, ks, dp)
			return pick(r), err
		}
	}
	atr := func(n int) result {
		return func(b bars) ([]float64, error) { return ATR(b.high, b.low, b.close, n) }
	}

	tests := []struct {
		name   string
		ours   result
		talib  func(b bars) []float64
		warmup int
		from   int
	}{
		{"SMA 1", single(SMA, 1), func(b bars) []float64 { return talib.Sma(b.close, 1) }, 0, 0},
		{"SMA 2", single(SMA, 2), func(b bars) []float64 { return talib.Sma(b.close, 2) }, 1, 1},
		{"SMA 20", single(SMA, 20), func(b bars) []float64 { return talib.Sma(b.close, 20) }, 19, 19},
		{"SMA 500 (period == len)", single(SMA, 500), func(b bars) []float64 { return talib.Sma(b.close, 500) }, 499, 499},
		{"EMA 1", single(EMA, 1), func(b bars) []float64 { return talib.Ema(b.close, 1) }, 0, 0},
		{"EMA 12", single(EMA, 12), func(b bars) []float64 { return talib.Ema(b.close, 12) }, 11, 11},
		{"EMA 200", single(EMA, 200), func(b bars) []float64 { return talib.Ema(b.close, 200) }, 199, 199},
		{"WMA 1", single(WMA, 1), func(b bars) []float64 { return talib.Wma(b.close, 1) }, 0, 0},
		{"WMA 10", single(WMA, 10), func(b bars) []float64 { return talib.Wma(b.close, 10) }, 9, 9},
		{"WMA 50", single(WMA, 50), func(b bars) []float64 { return talib.Wma(b.close, 50) }, 49, 49},
		{"RSI 2", single(RSI, 2), func(b bars) []float64 { return talib.Rsi(b.close, 2) }, 2, 2},
		{"RSI 14", single(RSI, 14), func(b bars) []float64 { return talib.Rsi(b.close, 14) }, 14, 14},
		{"RSI 30", single(RSI, 30), func(b bars) []float64 { return talib.Rsi(b.close, 30) }, 30, 30},
		{"ROC 1", single(ROC, 1), func(b bars) []float64 { return talib.Roc(b.close, 1) }, 1, 1},
		{"ROC 10", single(ROC, 10), func(b bars) []float64 { return talib.Roc(b.close, 10) }, 10, 10},
		{"Highest 2", single(Highest, 2), func(b bars) []float64 { return talib.Max(b.close, 2) }, 1, 1},
		{"Highest 20", single(Highest, 20), func(b bars) []float64 { return talib.Max(b.close, 20) }, 19, 19},
		{"Lowest 2", single(Lowest, 2), func(b bars) []float64 { return talib.Min(b.close, 2) }, 1, 1},
		{"Lowest 20", single(Lowest, 20), func(b bars) []float64 { return talib.Min(b.close, 20) }, 19, 19},
		{
			"VolumeAverage 20",
			func(b bars) ([]float64, error) { return VolumeAverage(b.volume, 20) },
			func(b bars) []float64 { return talib.Sma(b.volume, 20) }, 19, 19,
		},
		{
			"TrueRange",
			func(b bars) ([]float64, error) { return TrueRange(b.high, b.low, b.close) },
			func(b bars) []float64 { return talib.TRange(b.high, b.low, b.close) }, 1, 1,
		},
		{"ATR 1", atr(1), func(b bars) []float64 { return talib.Atr(b.high, b.low, b.close, 1) }, 1, 1},
		{"ATR 14", atr(14), func(b bars) []float64 { return talib.Atr(b.high, b.low, b.close, 14) }, 14, 14},
		{"ATR 30", atr(30), func(b bars) []float64 { return talib.Atr(b.high, b.low, b.close, 30) }, 30, 30},
		{
			"Bollinger 20 2 upper", bollinger(20, 2, func(r BollingerResult) []float64 { return r.Upper }),
			func(b bars) []float64 { u, _, _ := talib.BBands(b.close, 20, 2, 2, talib.SMA); return u }, 19, 19,
		},
		{
			"Bollinger 20 2 middle", bollinger(20, 2, func(r BollingerResult) []float64 { return r.Middle }),
			func(b bars) []float64 { _, m, _ := talib.BBands(b.close, 20, 2, 2, talib.SMA); return m }, 19, 19,
		},
		{
			"Bollinger 20 2 lower", bollinger(20, 2, func(r BollingerResult) []float64 { return r.Lower }),
			func(b bars) []float64 { _, _, l := talib.BBands(b.close, 20, 2, 2, talib.SMA); return l }, 19, 19,
		},
		{
			"Bollinger 10 1.5 upper", bollinger(10, 1.5, func(r BollingerResult) []float64 { return r.Upper }),
			func(b bars) []float64 { u, _, _ := talib.BBands(b.close, 10, 1.5, 1.5, talib.SMA); return u }, 9, 9,
		},
		{
			"Bollinger 10 1.5 lower", bollinger(10, 1.5, func(r BollingerResult) []float64 { return r.Lower }),
			func(b bars) []float64 { _, _, l := talib.BBands(b.close, 10, 1.5, 1.5, talib.SMA); return l }, 9, 9,
		},
		{
			"Stochastic 14 3 3 K", stoch(14, 3, 3, func(r StochasticResult) []float64 { return r.K }),
			func(b bars) []float64 {
				k, _ := talib.Stoch(b.high, b.low, b.close, 14, 3, talib.SMA, 3, talib.SMA)
				return k
			}, 15, 17,
		},
		{
			"Stochastic 14 3 3 D", stoch(14, 3, 3, func(r StochasticResult) []float64 { return r.D }),
			func(b bars) []float64 {
				_, d := talib.Stoch(b.high, b.low, b.close, 14, 3, talib.SMA, 3, talib.SMA)
				return d
			}, 17, 17,
		},
		{
			"Stochastic 5 1 3 K (fast)", stoch(5, 1, 3, func(r StochasticResult) []float64 { return r.K }),
			func(b bars) []float64 {
				k, _ := talib.Stoch(b.high, b.low, b.close, 5, 1, talib.SMA, 3, talib.SMA)
				return k
			}, 4, 6,
		},
		{
			"Stochastic 21 5 7 D", stoch(21, 5, 7, func(r StochasticResult) []float64 { return r.D }),
			func(b bars) []float64 {
				_, d := talib.Stoch(b.high, b.low, b.close, 21, 5, talib.SMA, 7, talib.SMA)
				return d
			}, 30, 30,
		},
		// go-talib publishes the MACD line from slow+signal-3, one bar before
		// its signal; the line itself is the same difference of EMAs.
		{
			"MACD 12 26 9 line", macd(12, 26, 9, func(r MACDResult) []float64 { return r.Line }),
			func(b bars) []float64 { l, _, _ := talib.Macd(b.close, 12, 26, 9); return l }, 25, 32,
		},
		{
			"MACD 5 35 5 line", macd(5, 35, 5, func(r MACDResult) []float64 { return r.Line }),
			func(b bars) []float64 { l, _, _ := talib.Macd(b.close, 5, 35, 5); return l }, 34, 37,
		},
		// go-talib runs the signal EMA over zeros before the line starts,
		// so its early signal differs (by 0.5 at bar 33 here); the gap
		// shrinks by 0.8 a bar and is about 2e-12 at bar 150.
		// TestMACDSignalIsEMAOfLine checks the exact definition from the
		// first value.
		{
			"MACD 12 26 9 signal", macd(12, 26, 9, func(r MACDResult) []float64 { return r.Signal }),
			func(b bars) []float64 { _, s, _ := talib.Macd(b.close, 12, 26, 9); return s }, 33, 150,
		},
		{
			"MACD 12 26 9 histogram", macd(12, 26, 9, func(r MACDResult) []float64 { return r.Histogram }),
			func(b bars) []float64 { _, _, h := talib.Macd(b.close, 12, 26, 9); return h }, 33, 150,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bundle := setup(t)

			got, err := tt.ours(bundle.bars)
			require.NoError(t, err)
			requireWarmup(t, got, tt.warmup)
			requireClose(t, tt.talib(bundle.bars), got, tt.from, talibTol)
		})
	}
}

func TestMACDSignalIsEMAOfLine(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	for _, p := range []struct{ fast, slow, signal int }{{12, 26, 9}, {5, 35, 5}, {3, 10, 1}} {
		got, err := MACD(bundle.bars.close, p.fast, p.slow, p.signal)
		require.NoError(t, err)

		// Line is exactly the difference of our EMAs.
		ok := noErr(t)
		fast := ok(EMA(bundle.bars.close, p.fast))
		slow := ok(EMA(bundle.bars.close, p.slow))
		for i := range fast {
			fast[i] -= slow[i]
		}
		requireSeries(t, fast, got.Line, 0)

		// Signal is TA-Lib's EMA of the defined part of the line.
		start := p.slow - 1
		want := append(nans(start), talib.Ema(got.Line[start:], p.signal)...)
		warmup := p.slow + p.signal - 2
		requireWarmup(t, got.Signal, warmup)
		requireClose(t, want, got.Signal, warmup, talibTol)
		requireWarmup(t, got.Histogram, warmup)
		for i := warmup; i < len(got.Line); i++ {
			require.Equal(t, got.Line[i]-got.Signal[i], got.Histogram[i])
		}
	}
}
