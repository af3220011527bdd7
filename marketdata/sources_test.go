package marketdata

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

// Sources builds one Manager per source on first use and shares it; a bad
// source name is an error naming the ones there are.
func TestSources(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	s := NewSources(ProviderOptions{CSVDir: "testdata"}, store, time.Minute, nil)

	syn, err := s.Manager("synthetic")
	require.NoError(t, err)
	again, err := s.Manager("synthetic")
	require.NoError(t, err)
	require.Same(t, syn, again, "one cache per source")
	require.Equal(t, "synthetic", syn.Provider().Name())
	require.Nil(t, syn.limiter, "local providers are not paced")

	csv, err := s.Manager("csv")
	require.NoError(t, err)
	require.NotSame(t, syn, csv)

	yahoo, err := s.Manager("yahoo")
	require.NoError(t, err)
	require.NotNil(t, yahoo.limiter, "yahoo gets its default pacing")

	_, err = s.Manager("bloomberg")
	require.ErrorContains(t, err, `market data source "bloomberg"`)
	require.ErrorContains(t, err, "synthetic, csv, yahoo, binance")

	// The Managers write through to the store they were given.
	_, err = syn.Bars(t.Context(), "AAPL", bars.D1, 5, fixedNow)
	require.NoError(t, err)
	require.Equal(t, 5, store.len())
}
