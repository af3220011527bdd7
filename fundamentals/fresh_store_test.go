package fundamentals

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/market"
)

// freshStore is a FreshStore in memory: it remembers when each symbol was
// saved, on the bundle's clock.
type freshStore struct {
	*fakeStore
	clock   *fakeClock
	savedAt map[string]time.Time
}

func (s *freshStore) Save(ctx context.Context, provider string, fs []market.Fundamentals) error {
	if err := s.fakeStore.Save(ctx, provider, fs); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range fs {
		s.savedAt[provider+"/"+f.Symbol] = s.clock.Now()
	}
	return nil
}

func (s *freshStore) LoadSince(_ context.Context, provider string, symbols []string, since time.Time) (map[string]market.Fundamentals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]market.Fundamentals{}
	for _, sym := range symbols {
		k := provider + "/" + sym
		if at, ok := s.savedAt[k]; ok && !at.Before(since) {
			f := s.rows[k]
			f.AsOf = at
			out[sym] = f
		}
	}
	return out, nil
}

// A Manager over a FreshStore starts warm: a second Manager (a restarted
// process) serves what the first saved less than ttl ago without asking the
// provider, asks only for the rest, and refetches once the saved figures
// have aged past ttl.
func TestManagerStartsWarmFromFreshStore(t *testing.T) {
	t.Parallel()
	b := setup(t)
	store := &freshStore{fakeStore: b.store, clock: b.clock, savedAt: map[string]time.Time{}}
	newManager := func() *Manager {
		return NewManager(b.provider, store, time.Hour, nil, WithNow(b.clock.Now))
	}
	first := newManager()
	got, err := first.Get(t.Context(), []string{"AAPL", "MSFT"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, int64(1), first.Fetches())

	b.clock.Advance(30 * time.Minute)
	restarted := newManager()
	got, err = restarted.Get(t.Context(), []string{"AAPL", "MSFT", "NVDA"})
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, int64(2), restarted.StoreHits(), "AAPL and MSFT come from the store")
	require.Equal(t, int64(1), restarted.FetchedSymbols(), "only NVDA is asked of the provider")
	require.Equal(t, 1, b.provider.perSymbol["AAPL"])

	// The stored figures stay fresh only for what is left of their ttl.
	b.clock.Advance(31 * time.Minute)
	_, err = restarted.Get(t.Context(), []string{"AAPL"})
	require.NoError(t, err)
	require.Equal(t, 2, b.provider.perSymbol["AAPL"], "an hour after it was saved, AAPL is fetched again")
}
