package indicators

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// bars is a deterministic OHLCV series for tests.
type bars struct {
	high, low, close, volume []float64
}

// randomBars returns n bars of a seeded geometric random walk starting at 100
// with 1% daily volatility, so prices stay positive and well scaled.
func randomBars(n int, seed uint64) bars {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	b := bars{
		high:   make([]float64, n),
		low:    make([]float64, n),
		close:  make([]float64, n),
		volume: make([]float64, n),
	}
	price := 100.0
	for i := range n {
		open := price
		price *= math.Exp(0.01 * r.NormFloat64())
		b.close[i] = price
		b.high[i] = max(open, price) * (1 + 0.01*r.Float64())
		b.low[i] = min(open, price) * (1 - 0.01*r.Float64())
		b.volume[i] = float64(1_000 + r.IntN(1_000_000))
	}
	return b
}

// testBundle is what most tests need: a 500-bar random walk.
type testBundle struct {
	bars bars
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return &testBundle{bars: randomBars(500, 42)}
}

// requireClose checks got[i] against want[i] for every i >= from, allowing
// |got - want| <= tol·max(1, |want|): relative for values above 1 in
// magnitude, absolute below (MACD and ROC cross zero).
func requireClose(t *testing.T, want, got []float64, from int, tol float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := from; i < len(want); i++ {
		require.False(t, math.IsNaN(got[i]), "index %d: got NaN, want %v", i, want[i])
		require.LessOrEqual(t, math.Abs(got[i]-want[i]), tol*max(1, math.Abs(want[i])),
			"index %d: got %v, want %v", i, got[i], want[i])
	}
}

// requireWarmup checks that got has exactly warmup leading NaNs followed by
// finite values only.
func requireWarmup(t *testing.T, got []float64, warmup int) {
	t.Helper()
	for i, v := range got {
		if i < warmup {
			require.True(t, math.IsNaN(v), "index %d: want NaN during warm-up of %d, got %v", i, warmup, v)
		} else {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "index %d: want a finite value after warm-up of %d, got %v", i, warmup, v)
		}
	}
}

// requireSeries checks got against want value by value (NaN matches NaN)
// within an absolute tolerance.
func requireSeries(t *testing.T, want, got []float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		if math.IsNaN(want[i]) {
			require.True(t, math.IsNaN(got[i]), "index %d: got %v, want NaN", i, got[i])
			continue
		}
		require.InDelta(t, want[i], got[i], tol, "index %d", i)
	}
}

// noErr returns a function that fails the test on a non-nil error and
// otherwise passes the series through: ok := noErr(t); x := ok(SMA(y, 3)).
func noErr(t *testing.T) func([]float64, error) []float64 {
	return func(x []float64, err error) []float64 {
		t.Helper()
		require.NoError(t, err)
		return x
	}
}

// nan is shorthand for math.NaN() in expected series.
var nan = math.NaN()

// withPrefix returns x with k NaNs in front.
func withPrefix(x []float64, k int) []float64 {
	return append(nans(k), x...)
}
