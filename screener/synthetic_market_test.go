package screener_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/screener"
)

// TestSyntheticSP500ReadsLikeAMarket: with the offline synthetic sources, the
// S&P 500 by market cap has a few real mega caps on top, most caps between
// 10e9 and 200e9, and every cap is the last daily close times the shares.
func TestSyntheticSP500ReadsLikeAMarket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 8, 10, 15, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cs, err := screener.SP500()
	require.NoError(t, err)
	syms := make([]string, len(cs))
	for i, c := range cs {
		syms[i] = c.Symbol
	}
	figs, err := (&fundamentals.Synthetic{Now: clock, Lookup: screener.Lookup()}).Fundamentals(ctx, syms)
	require.NoError(t, err)
	require.Len(t, figs, len(syms))

	type row struct {
		sym string
		cap float64
	}
	rows := make([]row, 0, len(figs))
	inBand := 0
	md := &marketdata.Synthetic{Now: clock}
	for _, sym := range syms {
		f := figs[sym]
		rows = append(rows, row{sym, f.MarketCap})
		if f.MarketCap >= 10e9 && f.MarketCap <= 200e9 {
			inBand++
		}
		// Market cap ≈ last daily close × shares (to the million it is rounded to).
		norm, err := market.NormalizeSymbol(sym)
		require.NoError(t, err)
		day, err := md.Bars(ctx, norm, bars.D1, now.Add(-72*time.Hour), now.Truncate(24*time.Hour))
		require.NoError(t, err)
		require.NotEmpty(t, day)
		want := day[len(day)-1].Close * market.CompanyOf(norm).Shares
		require.InDelta(t, want, f.MarketCap, want*0.001+1e6, "%s: cap = last close × shares", sym)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].cap > rows[j].cap })
	t.Logf("top 10: %v", rows[:10])

	mega := 0
	for _, r := range rows[:10] {
		if r.cap >= 1e12 {
			mega++
		}
	}
	require.GreaterOrEqual(t, mega, 3, "a few mega caps on top")
	require.Less(t, mega, 10, "but not all of the top ten")
	top := map[string]bool{}
	for _, r := range rows[:5] {
		top[r.sym] = true
	}
	require.True(t, top["AAPL"] || top["MSFT"] || top["NVDA"], "a real mega cap leads: %v", rows[:5])
	require.Greater(t, float64(inBand)/float64(len(rows)), 0.6, "most caps within 10e9..200e9")
	require.Less(t, rows[len(rows)-1].cap, 10e9, "and a tail of small ones")
}
