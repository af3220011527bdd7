package market

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNormalizeSymbol(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{
		" aapl ": "AAPL", "brk.b": "BRK.B", "^gspc": "^GSPC", "eurusd=x": "EURUSD=X", "BTC-USD": "BTC-USD",
		"btc/usdt": "BTC/USDT",
	} {
		got, err := NormalizeSymbol(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "  ", "A B", "AAPL;", "ÄPFEL", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "a\x00b"} {
		_, err := NormalizeSymbol(in)
		require.ErrorIs(t, err, ErrUnknownSymbol, "%q", in)
	}
}

func TestYahooSymbol(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{
		"BRK.B": "BRK-B", "BF.A": "BF-A", "BRK-B": "BRK-B", "AAPL": "AAPL", "OCDO.L": "OCDO.L", "SHOP.TO": "SHOP.TO",
		"600497.SS": "600497.SS", "7203.T": "7203.T", "BMW.F": "BMW.F", "SAP.F": "SAP.F", "A.1": "A.1", ".B": ".B",
	} {
		require.Equal(t, want, YahooSymbol(in), in)
	}
}

func TestRateLimitError(t *testing.T) {
	t.Parallel()

	var err error = &RateLimitError{Provider: "yahoo", Status: 429, RetryAfter: 30 * time.Second}
	require.ErrorIs(t, err, ErrRateLimited)
	require.EqualError(t, err, "yahoo: rate limited (HTTP 429), retry after 30s")
	var rl *RateLimitError
	require.True(t, errors.As(err, &rl))
	require.EqualError(t, &RateLimitError{Provider: "binance", Status: 418}, "binance: rate limited (HTTP 418)")
}
