package fundamentals

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestNewProvider(t *testing.T) {
	t.Parallel()

	t.Run("Synthetic", func(t *testing.T) {
		t.Parallel()
		lookup := func(string) (string, string, bool) { return "", "", false }
		for _, name := range []string{"", "synthetic", " Synthetic "} {
			p, err := NewProvider(name, Options{Seed: 3, Lookup: lookup})
			require.NoError(t, err, name)
			s, ok := p.(*Synthetic)
			require.True(t, ok, "%q gives %T", name, p)
			require.Equal(t, int64(3), s.Seed)
			require.NotNil(t, s.Lookup)
		}
	})

	t.Run("Snapshot", func(t *testing.T) {
		t.Parallel()
		_, err := NewProvider("snapshot", Options{})
		require.EqualError(t, err, "fundamentals provider snapshot: a file is required")

		p, err := NewProvider("snapshot", Options{File: writeFile(t, "f.csv", "symbol,market_cap\nAAPL,3e12\n")})
		require.NoError(t, err)
		require.Equal(t, "snapshot", p.Name())
		require.Equal(t, 1, p.(*Snapshot).Len())

		_, err = NewProvider("snapshot", Options{File: writeFile(t, "f.csv", "symbol,market_cap\nAAPL,big\n")})
		require.ErrorContains(t, err, "f.csv:2:6:", "a bad file fails here, at start-up")
	})

	t.Run("Yahoo", func(t *testing.T) {
		t.Parallel()
		client := &http.Client{}
		p, err := NewProvider("yahoo", Options{BaseURL: "http://localhost:1", CookieURL: "http://localhost:2", HTTPClient: client,
			UserAgent: "ua", WithSector: true})
		require.NoError(t, err)
		y := p.(*Yahoo)
		require.Equal(t, "http://localhost:1", y.BaseURL)
		require.Equal(t, "http://localhost:2", y.CookieURL)
		require.Same(t, client, y.Client)
		require.Equal(t, "ua", y.UserAgent)
		require.True(t, y.WithSector)
		require.Equal(t, rate.Limit(DefaultYahooRequestsPerSecond), y.Limiter.Limit())
		require.Equal(t, yahooBurst, y.Limiter.Burst())

		p, err = NewProvider("yahoo", Options{HTTPTimeout: time.Second, RequestsPerSecond: 0.5})
		require.NoError(t, err)
		require.Equal(t, time.Second, p.(*Yahoo).Client.Timeout)
		require.Equal(t, rate.Limit(0.5), p.(*Yahoo).Limiter.Limit())

		p, err = NewProvider("yahoo", Options{RequestsPerSecond: -1})
		require.NoError(t, err)
		require.Nil(t, p.(*Yahoo).Limiter, "negative: no pacing")
		require.Equal(t, DefaultHTTPTimeout, p.(*Yahoo).Client.Timeout)
	})

	t.Run("Unknown", func(t *testing.T) {
		t.Parallel()
		_, err := NewProvider("bloomberg", Options{})
		require.EqualError(t, err, `fundamentals provider "bloomberg": must be one of synthetic, snapshot, yahoo`)
	})
}

func TestNormalizeSymbol(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{
		" aapl ": "AAPL", "brk.b": "BRK.B", "^gspc": "^GSPC", "eurusd=x": "EURUSD=X", "BTC-USD": "BTC-USD",
		"": "", "  ": "", "A B": "", "AAPL;": "", "ÄPFEL": "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456": "",
	} {
		got, ok := normalizeSymbol(in)
		require.Equal(t, want, got, in)
		require.Equal(t, want != "", ok, in)
	}
}
