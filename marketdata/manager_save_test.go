package marketdata

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

// countingStore is a memStore that records how many bars each save sent.
type countingStore struct {
	*memStore
	mu    sync.Mutex
	saves []int
}

func (s *countingStore) SaveBars(ctx context.Context, provider, symbol string, tf bars.Timeframe, series bars.Series) error {
	s.mu.Lock()
	s.saves = append(s.saves, len(series))
	s.mu.Unlock()
	return s.memStore.SaveBars(ctx, provider, symbol, tf, series)
}

func (s *countingStore) sent() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.saves...)
}

// A Manager saves a (symbol, timeframe)'s lookback once: the fetch for the
// next bar sends only the bars that are new or changed (and the newest),
// not the whole lookback again, and the store still holds every bar fetched.
func TestManagerSavesOnlyNewBars(t *testing.T) {
	t.Parallel()
	store := &countingStore{memStore: newMemStore()}
	ctx := context.Background()
	b := setup(t, time.Minute, store)

	first, err := b.m.Bars(ctx, "AAPL", bars.M1, 86, b.now)
	require.NoError(t, err)
	require.Len(t, first, 86)
	require.Equal(t, []int{86}, store.sent(), "the first fetch saves the lookback")

	// Three bars later: a fetch for the new bar period.
	later := b.now.Add(3 * time.Minute)
	b.clock.Set(later)
	second, err := b.m.Bars(ctx, "AAPL", bars.M1, 86, later)
	require.NoError(t, err)
	sent := store.sent()
	require.Len(t, sent, 2)
	require.LessOrEqual(t, sent[1], 4, "only the new bars and the one that was open (sent %d of 86)", sent[1])
	require.GreaterOrEqual(t, sent[1], 3, "the three new bars")

	stored, _, err := store.LoadBars(ctx, "synthetic", "AAPL", bars.M1, second[0].Time, later.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, second, stored, "the store holds every bar of the second fetch")
}

// unsaved keeps the bars that are new or differ from the ones saved, and the
// newest in any case.
func TestUnsaved(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	bar := func(i int, c float64) bars.Bar {
		return bars.Bar{Time: t0.Add(time.Duration(i) * time.Minute), Open: 1, High: 2, Low: 0.5, Close: c, Volume: 10}
	}
	prev := bars.Series{bar(0, 1), bar(1, 1), bar(2, 1), bar(3, 1)}
	for _, tc := range []struct {
		name string
		s    bars.Series
		want bars.Series
	}{
		{"nothing saved before", prev, prev},
		{"same bars: the newest only", prev, bars.Series{bar(3, 1)}},
		{"a changed bar", bars.Series{bar(1, 1), bar(2, 9), bar(3, 1)}, bars.Series{bar(2, 9), bar(3, 1)}},
		{"new bars", bars.Series{bar(2, 1), bar(3, 1), bar(4, 1), bar(5, 1)}, bars.Series{bar(4, 1), bar(5, 1)}},
		{"older than saved", bars.Series{{Time: t0.Add(-time.Minute), Close: 1}, bar(0, 1), bar(1, 1)},
			bars.Series{{Time: t0.Add(-time.Minute), Close: 1}, bar(1, 1)}},
	} {
		before := prev
		if tc.name == "nothing saved before" {
			before = nil
		}
		require.Equal(t, tc.want, unsaved(before, tc.s), tc.name)
	}
	// The same instant in another location is the same bar.
	local := bar(2, 1)
	local.Time = local.Time.In(time.FixedZone("X", 3600))
	require.Equal(t, bars.Series{bar(3, 1)}, unsaved(prev, bars.Series{local, bar(3, 1)}))
}
