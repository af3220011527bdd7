package store

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/market"
)

// The fundamentals table keeps what providers returned (unknown numbers as
// NULL, read back as NaN); LoadSince returns only rows saved since a time,
// so a restarted manager starts warm without the provider.
func TestFundamentalsStore(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	s := NewFundamentalsStore(d.Pool)
	require.NoError(t, s.Save(ctx, "yahoo", []market.Fundamentals{
		{Symbol: "AAPL", Name: "Apple Inc.", MarketCap: 3.4e12, PERatio: 31.2, AvgVolume: 5.5e7, Sector: "Technology", Currency: "USD"},
		{Symbol: "BFLY", MarketCap: 6e8, PERatio: math.NaN(), AvgVolume: math.NaN()},
	}))
	all, err := s.Load(ctx, "yahoo", []string{"AAPL", "BFLY", "MSFT"})
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, 31.2, all["AAPL"].PERatio)
	require.Equal(t, "Technology", all["AAPL"].Sector)
	require.True(t, math.IsNaN(all["BFLY"].PERatio), "NULL reads back as NaN")
	require.True(t, math.IsNaN(all["BFLY"].AvgVolume))
	require.Empty(t, all["BFLY"].Name)

	fresh, err := s.LoadSince(ctx, "yahoo", []string{"AAPL", "BFLY"}, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.Len(t, fresh, 2)
	stale, err := s.LoadSince(ctx, "yahoo", []string{"AAPL"}, time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Empty(t, stale)
	other, err := s.Load(ctx, "synthetic", []string{"AAPL"})
	require.NoError(t, err)
	require.Empty(t, other, "rows are per provider")

	// A manager over the table after a "restart" asks the provider nothing.
	m := fundamentals.NewManager(namedProvider{name: "yahoo"}, s, time.Hour, nil)
	got, err := m.Get(ctx, []string{"AAPL"})
	require.NoError(t, err)
	require.Zero(t, m.Fetches(), "served from the table")
	require.Equal(t, "Apple Inc.", got["AAPL"].Name)
}

// namedProvider is a provider of that name that must not be called.
type namedProvider struct{ name string }

func (p namedProvider) Name() string { return p.name }

func (p namedProvider) Fundamentals(context.Context, []string) (map[string]market.Fundamentals, error) {
	return nil, errors.New("the provider was called")
}
