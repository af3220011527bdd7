package indicators

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// periodFunc adapts every period-taking indicator to one shape for the
// edge-case and missing-value tables; x is used as close (and to build high,
// low and volume where needed).
type periodFunc = func(x []float64, n int) ([]float64, error)

// periodFuncs lists the indicators with one period, their warm-up for period
// n, and whether a gap only affects its window (windowed) or everything after
// it (recursive).
func periodFuncs() []struct {
	name     string
	f        periodFunc
	warmup   func(n int) int
	windowed bool
} {
	around := func(x []float64, d float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = v + d
		}
		return out
	}
	same := func(n int) int { return n }
	minus1 := func(n int) int { return n - 1 }
	return []struct {
		name     string
		f        periodFunc
		warmup   func(n int) int
		windowed bool
	}{
		{"SMA", SMA, minus1, true},
		{"EMA", EMA, minus1, false},
		{"WMA", WMA, minus1, true},
		{"RSI", RSI, same, false},
		{"ROC", ROC, same, true},
		{"Highest", Highest, minus1, true},
		{"Lowest", Lowest, minus1, true},
		{"VolumeAverage", VolumeAverage, minus1, true},
		{"VolumeSpikeRatio", VolumeSpikeRatio, same, true},
		{"ATR", func(x []float64, n int) ([]float64, error) {
			return ATR(around(x, 1), around(x, -1), x, n)
		}, same, false},
		{"RollingVWAP", func(x []float64, n int) ([]float64, error) {
			return RollingVWAP(around(x, 1), around(x, -1), x, around(x, 1000), n)
		}, minus1, true},
		{"Bollinger middle", func(x []float64, n int) ([]float64, error) {
			r, err := Bollinger(x, n, 2)
			return r.Middle, err
		}, minus1, true},
		{"Bollinger %B", func(x []float64, n int) ([]float64, error) {
			r, err := Bollinger(x, n, 2)
			return r.PercentB, err
		}, minus1, true},
		{"Stochastic K", func(x []float64, n int) ([]float64, error) {
			r, err := Stochastic(around(x, 1), around(x, -1), x, n, 1, 1)
			return r.K, err
		}, minus1, true},
		{"MACD line", func(x []float64, n int) ([]float64, error) {
			r, err := MACD(x, n, n+1, 1)
			return r.Line, err
		}, same, false},
	}
}

func TestPeriodEdgeCases(t *testing.T) {
	t.Parallel()

	x := []float64{10, 11, 10.5, 12, 11.5, 13, 12.5, 12, 14, 13.5}
	for _, tt := range periodFuncs() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := tt.f(nil, 3)
			require.NoError(t, err, "empty input")
			require.Empty(t, got)

			got, err = tt.f([]float64{}, 3)
			require.NoError(t, err, "empty input")
			require.Empty(t, got)

			for _, n := range []int{0, -1} {
				_, err = tt.f(x, n)
				require.ErrorIs(t, err, ErrInvalidParameter, "period %d", n)
				_, err = tt.f(nil, n)
				require.ErrorIs(t, err, ErrInvalidParameter, "period %d on empty input", n)
			}

			for _, n := range []int{1, 2, len(x) - 1, len(x), len(x) + 1, 100} {
				got, err := tt.f(x, n)
				require.NoError(t, err, "period %d", n)
				require.Len(t, got, len(x), "period %d", n)
				requireWarmup(t, got, min(len(x), tt.warmup(n)))
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()

	x := []float64{1, 2, 3}
	short := []float64{1, 2}

	_, err := SMA(x, 0)
	require.EqualError(t, err, "sma: period 0 must be >= 1: invalid parameter")

	tests := []struct {
		name string
		err  error
		want error
	}{
		{"MACD fast 0", second(MACD(x, 0, 26, 9)), ErrInvalidParameter},
		{"MACD slow 0", second(MACD(x, 12, 0, 9)), ErrInvalidParameter},
		{"MACD signal 0", second(MACD(x, 12, 26, 0)), ErrInvalidParameter},
		{"MACD fast == slow", second(MACD(x, 12, 12, 9)), ErrInvalidParameter},
		{"MACD fast > slow", second(MACD(x, 26, 12, 9)), ErrInvalidParameter},
		{"Bollinger k 0", second(Bollinger(x, 2, 0)), ErrInvalidParameter},
		{"Bollinger k negative", second(Bollinger(x, 2, -2)), ErrInvalidParameter},
		{"Bollinger k NaN", second(Bollinger(x, 2, math.NaN())), ErrInvalidParameter},
		{"Bollinger k Inf", second(Bollinger(x, 2, math.Inf(1))), ErrInvalidParameter},
		{"Stochastic k 0", second(Stochastic(x, x, x, 0, 3, 3)), ErrInvalidParameter},
		{"Stochastic smooth 0", second(Stochastic(x, x, x, 14, 0, 3)), ErrInvalidParameter},
		{"Stochastic d 0", second(Stochastic(x, x, x, 14, 3, 0)), ErrInvalidParameter},
		{"Stochastic lengths", second(Stochastic(x, short, x, 14, 3, 3)), ErrLengthMismatch},
		{"TrueRange lengths", second(TrueRange(x, x, short)), ErrLengthMismatch},
		{"ATR lengths", second(ATR(short, x, x, 14)), ErrLengthMismatch},
		{"VWAP lengths", second(VWAP(x, x, x, short)), ErrLengthMismatch},
		{"RollingVWAP lengths", second(RollingVWAP(x, x, x, short, 2)), ErrLengthMismatch},
		{"RollingVWAP period 0", second(RollingVWAP(x, x, x, x, 0)), ErrInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.ErrorIs(t, tt.err, tt.want)
			require.False(t, errors.Is(tt.err, ErrInvalidParameter) && errors.Is(tt.err, ErrLengthMismatch))
		})
	}
}

// second returns the error of a two-value call.
func second[T any](_ T, err error) error { return err }

func TestLast(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		x      []float64
		want   float64
		wantOK bool
	}{
		{"nil", nil, nan, false},
		{"all NaN", []float64{nan, nan}, nan, false},
		{"last value", []float64{1, 2, 3}, 3, true},
		{"skips trailing NaN", []float64{nan, 1, 2, nan}, 2, true},
		{"skips Inf", []float64{1, math.Inf(1)}, 1, true},
		{"zero is a value", []float64{5, 0}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Last(tt.x)
			require.Equal(t, tt.wantOK, ok)
			if tt.wantOK {
				require.Equal(t, tt.want, got)
			} else {
				require.True(t, math.IsNaN(got))
			}
		})
	}
}

// TestMissingValues checks the NaN policy from doc.go on every period
// indicator: leading gaps are skipped, a later gap blanks its windows
// (windowed indicators) or the rest of the series (recursive ones), and
// ±Inf counts as a gap.
func TestMissingValues(t *testing.T) {
	t.Parallel()

	const n, gap = 5, 60
	for _, tt := range periodFuncs() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bundle := setup(t)
			x := bundle.bars.close[:120]
			clean := noErr(t)(tt.f(x, n))

			// Leading gaps shift the output right and change nothing else.
			const lead = 7
			got := noErr(t)(tt.f(withPrefix(x, lead), n))
			requireSeries(t, withPrefix(clean, lead), got, 0)

			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				holed := append([]float64(nil), x...)
				holed[gap] = bad
				got := noErr(t)(tt.f(holed, n))
				require.Len(t, got, len(x))

				// Outputs that can see the gap: from the gap itself to the
				// end for recursive indicators, or for windowed ones up to
				// gap+warm-up, the last window holding it.
				reach := len(x)
				if tt.windowed {
					reach = gap + tt.warmup(n)
				}
				for i := range got {
					switch {
					case i < gap:
						requireSeries(t, clean[i:i+1], got[i:i+1], 0)
					case i == gap || i == reach || (!tt.windowed && i > gap):
						require.True(t, math.IsNaN(got[i]), "index %d, gap %v: got %v", i, bad, got[i])
					case i > reach:
						require.InDelta(t, clean[i], got[i], 1e-9*max(1, math.Abs(clean[i])), "index %d after the window", i)
					}
				}
			}
		})
	}
}

func TestChaining(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	ok := noErr(t)

	smoothed := ok(SMA(bundle.bars.close, 5))
	got := ok(EMA(smoothed, 3))
	requireWarmup(t, got, 4+2)
	requireSeries(t, withPrefix(ok(EMA(smoothed[4:], 3)), 4), got, 0)

	rsiOfEMA := ok(RSI(ok(EMA(bundle.bars.close, 10)), 14))
	requireWarmup(t, rsiOfEMA, 9+14)
}
