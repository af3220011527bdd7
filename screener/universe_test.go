package screener

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/market"
)

func TestSP500Snapshot(t *testing.T) {
	t.Parallel()
	cs, err := SP500()
	require.NoError(t, err)
	require.Len(t, cs, 503)
	require.Equal(t, Constituent{Symbol: "MMM", Name: "3M", Sector: "Industrials"}, cs[0])
	syms, err := ExpandTarget("sp500", "ignored", nil)
	require.NoError(t, err)
	require.Contains(t, syms, "BRK.B")
	require.Equal(t, "BRK-B", market.YahooSymbol("BRK.B"), "the yahoo providers ask for BRK-B")
}

func TestExpandTarget(t *testing.T) {
	t.Parallel()
	got, err := ExpandTarget("", "aapl, MSFT msft\tNVDA", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"AAPL", "MSFT", "NVDA"}, got)
	got, err = ExpandTarget("custom:tech", "", func(name string) ([]string, error) {
		require.Equal(t, "tech", name)
		return []string{"AAPL"}, nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{"AAPL"}, got)
	_, err = ExpandTarget("custom:tech", "", nil)
	require.ErrorIs(t, err, ErrUnknownUniverse)
	_, err = ExpandTarget("ftse", "", nil)
	require.ErrorIs(t, err, ErrUnknownUniverse)
	require.ErrorContains(t, err, "nasdaq100")
}

func TestNasdaq100Snapshot(t *testing.T) {
	t.Parallel()
	cs, err := Nasdaq100()
	require.NoError(t, err)
	require.Len(t, cs, 100) // 99 companies on 2026-10-07, Alphabet twice
	require.Equal(t, Constituent{Symbol: "ADBE", Name: "Adobe Inc.", Sector: "Technology"}, cs[0])
	seen := map[string]bool{}
	for _, c := range cs {
		require.False(t, seen[c.Symbol], "%s listed twice", c.Symbol)
		seen[c.Symbol] = true
		require.Regexp(t, tickerRE, c.Symbol)
		require.NotEmpty(t, c.Name, c.Symbol)
		require.NotEmpty(t, c.Sector, c.Symbol)
		require.Equal(t, c.Symbol, market.YahooSymbol(c.Symbol), "no class shares to map")
	}
	for _, s := range []string{"AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "GOOGL", "COST", "NFLX"} {
		require.True(t, seen[s], s)
	}
	require.False(t, seen["BRK.B"], "an S&P 500 member, not Nasdaq-listed")

	// The returned slice is a copy.
	cs[0].Symbol = "XXX"
	again, err := Nasdaq100()
	require.NoError(t, err)
	require.Equal(t, "ADBE", again[0].Symbol)

	syms, err := ExpandTarget("nasdaq100", "ignored", nil)
	require.NoError(t, err)
	require.Len(t, syms, 100)
	require.Equal(t, "ADBE", syms[0])
	alias, err := ExpandTarget("nasdaq", "", nil)
	require.NoError(t, err)
	require.Equal(t, syms, alias)

	// The S&P 500 snapshot and its provider mapping are unaffected.
	sp, err := ExpandTarget("sp500", "", nil)
	require.NoError(t, err)
	require.Len(t, sp, 503)
	require.Contains(t, sp, "BRK.B")
	require.Equal(t, "BRK-B", market.YahooSymbol("BRK.B"))
}

// Lookup names a symbol from the snapshots: the S&P 500's GICS sector for
// one in both, the Nasdaq-100's for one only there.
func TestLookup(t *testing.T) {
	t.Parallel()
	lookup := Lookup()
	name, sector, ok := lookup("AAPL")
	require.True(t, ok)
	require.Equal(t, "Apple Inc.", name)
	require.Equal(t, "Information Technology", sector, "the S&P 500 sector wins")
	name, sector, ok = lookup("ASML")
	require.True(t, ok)
	require.Equal(t, "ASML Holding", name)
	require.Equal(t, "Technology", sector)
	_, _, ok = lookup("NOPE")
	require.False(t, ok)
}
