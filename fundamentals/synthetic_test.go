package fundamentals

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/market"
)

func TestSynthetic(t *testing.T) {
	t.Parallel()

	now := time.Date(2026, 8, 10, 15, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }

	t.Run("DeterministicAndStable", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()

		a, err := (&Synthetic{Seed: 7, Now: clock}).Fundamentals(ctx, []string{"AAPL", "msft", " nvda "})
		require.NoError(t, err)
		b, err := (&Synthetic{Seed: 7, Now: clock}).Fundamentals(ctx, []string{" nvda ", "AAPL", "msft"})
		require.NoError(t, err)
		require.Len(t, a, 3)
		requireSameFigures(t, a, b)

		// Keyed by the symbol as given, with the symbol normalised inside.
		require.Equal(t, "MSFT", a["msft"].Symbol)
		require.Equal(t, "NVDA", a[" nvda "].Symbol)

		c, err := (&Synthetic{Seed: 8, Now: clock}).Fundamentals(ctx, []string{"AAPL"})
		require.NoError(t, err)
		require.NotEqual(t, a["AAPL"].MarketCap, c["AAPL"].MarketCap, "the seed varies the figures")
	})

	t.Run("GoldenFigures", func(t *testing.T) {
		t.Parallel()

		// Pinned so that a change of hash or ranges, which would reshuffle
		// every demo's screens, is noticed. Same in every process.
		got, err := (&Synthetic{Seed: 1, Now: clock}).Fundamentals(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		f := got["AAPL"]
		require.Equal(t, "AAPL", f.Symbol)
		require.Equal(t, "AAPL", f.Name)
		require.Equal(t, "Unknown", f.Sector)
		require.Equal(t, "USD", f.Currency)
		require.Equal(t, time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC), f.AsOf)
		require.Equal(t, syntheticGolden, fmt.Sprintf("%.0f %.2f %.0f", f.MarketCap, f.PERatio, f.AvgVolume))
	})

	t.Run("Ranges", func(t *testing.T) {
		t.Parallel()

		syms := make([]string, 5000)
		for i := range syms {
			syms[i] = fmt.Sprintf("S%04d", i)
		}
		got, err := (&Synthetic{Now: clock}).Fundamentals(context.Background(), syms)
		require.NoError(t, err)
		require.Len(t, got, len(syms), "every valid symbol is known")

		var noPE, inBand, megaCap int
		for _, f := range got {
			require.Greater(t, f.MarketCap, 0.0)
			require.GreaterOrEqual(t, f.AvgVolume, syntheticMinVolume)
			require.LessOrEqual(t, f.AvgVolume, syntheticMaxVolume)
			require.Equal(t, math.Round(f.AvgVolume), f.AvgVolume, "whole shares")
			if math.IsNaN(f.PERatio) {
				noPE++
			} else {
				require.GreaterOrEqual(t, f.PERatio, float64(syntheticMinPE))
				require.LessOrEqual(t, f.PERatio, float64(syntheticMaxPE))
			}
			if f.MarketCap >= 10e9 && f.MarketCap <= 200e9 {
				inBand++
			}
			if f.MarketCap > 1e12 {
				megaCap++
			}
		}
		// About 8% without P/E; log-normal caps put most between 10e9 and
		// 200e9 and (unknown symbols) almost none over 1e12. Bounds are
		// loose: the hash is fixed, so these never flake, they only catch a
		// broken distribution.
		require.InDelta(t, 0.08, float64(noPE)/float64(len(got)), 0.02)
		require.Greater(t, float64(inBand)/float64(len(got)), 0.75)
		require.Less(t, float64(megaCap)/float64(len(got)), 0.005)
	})

	t.Run("Lookup", func(t *testing.T) {
		t.Parallel()

		s := &Synthetic{Now: clock, Lookup: func(sym string) (string, string, bool) {
			if sym == "AAPL" {
				return "Apple Inc.", "Information Technology", true
			}
			return "", "", false
		}}
		got, err := s.Fundamentals(context.Background(), []string{"aapl", "ZZZZ"})
		require.NoError(t, err)
		require.Equal(t, "Apple Inc.", got["aapl"].Name)
		require.Equal(t, "Information Technology", got["aapl"].Sector)
		require.Equal(t, "ZZZZ", got["ZZZZ"].Name)
		require.Equal(t, "Unknown", got["ZZZZ"].Sector)

		plain, err := (&Synthetic{Now: clock}).Fundamentals(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, plain["AAPL"].MarketCap, got["aapl"].MarketCap, "the lookup changes only name and sector")
	})

	t.Run("InvalidSymbolsAbsent", func(t *testing.T) {
		t.Parallel()

		got, err := (&Synthetic{Now: clock}).Fundamentals(context.Background(), []string{"", "  ", "A B", "ÄPFEL", "BRK.B", "^GSPC"})
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Contains(t, got, "BRK.B")
		require.Contains(t, got, "^GSPC")
	})

	t.Run("Canceled", func(t *testing.T) {
		t.Parallel()

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := (&Synthetic{}).Fundamentals(ctx, []string{"AAPL"})
		require.ErrorIs(t, err, context.Canceled)
	})
}

// requireSameFigures compares two results symbol by symbol, NaN equal to NaN.
func requireSameFigures(t *testing.T, want, got map[string]market.Fundamentals) {
	t.Helper()
	require.Len(t, got, len(want))
	for k, w := range want {
		g, ok := got[k]
		require.True(t, ok, k)
		requireSameFundamentals(t, w, g)
	}
}

func requireSameFundamentals(t *testing.T, want, got market.Fundamentals) {
	t.Helper()
	require.Equal(t, want.Symbol, got.Symbol)
	require.Equal(t, want.Name, got.Name, want.Symbol)
	require.Equal(t, want.Sector, got.Sector, want.Symbol)
	require.Equal(t, want.Currency, got.Currency, want.Symbol)
	require.True(t, want.AsOf.Equal(got.AsOf), "%s: AsOf %s, want %s", want.Symbol, got.AsOf, want.AsOf)
	for _, p := range []struct {
		name string
		w, g float64
	}{{"MarketCap", want.MarketCap, got.MarketCap}, {"PERatio", want.PERatio, got.PERatio}, {"AvgVolume", want.AvgVolume, got.AvgVolume}} {
		if math.IsNaN(p.w) {
			require.True(t, math.IsNaN(p.g), "%s %s: got %v, want NaN", want.Symbol, p.name, p.g)
			continue
		}
		require.Equal(t, p.w, p.g, "%s %s", want.Symbol, p.name)
	}
}

const syntheticGolden = "3688050000000 10.86 25622587"
