package screener

import (
	"testing"

	"github.com/stretchr/testify/require"
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
	require.Equal(t, "BRK-B", ProviderSymbol("yahoo", "BRK.B"))
	require.Equal(t, "BRK.B", ProviderSymbol("synthetic", "BRK.B"))
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
}
