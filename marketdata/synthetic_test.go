package marketdata

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// fixedNow is a Wednesday afternoon, 40 minutes into an hourly bar.
var fixedNow = time.Date(2027, 3, 17, 13, 40, 12, 0, time.UTC)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func requireOHLC(t *testing.T, s bars.Series) {
	t.Helper()
	for i, b := range s {
		require.LessOrEqual(t, b.Low, b.Open, "bar %d %s", i, b.Time)
		require.LessOrEqual(t, b.Low, b.Close, "bar %d %s", i, b.Time)
		require.GreaterOrEqual(t, b.High, b.Open, "bar %d %s", i, b.Time)
		require.GreaterOrEqual(t, b.High, b.Close, "bar %d %s", i, b.Time)
		require.Positive(t, b.Low, "bar %d %s", i, b.Time)
		require.Positive(t, b.Volume, "bar %d %s", i, b.Time)
		if i > 0 {
			require.True(t, b.Time.After(s[i-1].Time), "bar %d ascends", i)
		}
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &Synthetic{Now: clock(fixedNow)}

	a, err := s.Bars(ctx, "AAPL", bars.H1, fixedNow.Add(-100*time.Hour), fixedNow.Add(-20*time.Hour))
	require.NoError(t, err)
	b, err := (&Synthetic{Now: clock(fixedNow.Add(72 * time.Hour))}).Bars(ctx, "aapl ", bars.H1, fixedNow.Add(-60*time.Hour), fixedNow)
	require.NoError(t, err)
	require.Len(t, a, 80)
	require.Len(t, b, 60)

	// The overlap (40 bars) is identical, whatever the range and the clock.
	byTime := map[time.Time]bars.Bar{}
	for _, x := range a {
		byTime[x.Time] = x
	}
	overlap := 0
	for _, y := range b {
		if x, ok := byTime[y.Time]; ok {
			require.Equal(t, x, y)
			overlap++
		}
	}
	require.Equal(t, 40, overlap)
	requireOHLC(t, a)
	requireOHLC(t, b)
}

func TestSyntheticSymbolsAndSeedsDiffer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from := fixedNow.Add(-30 * 24 * time.Hour)
	get := func(seed int64, sym string) []float64 {
		s, err := (&Synthetic{Seed: seed, Now: clock(fixedNow)}).Bars(ctx, sym, bars.D1, from, fixedNow)
		require.NoError(t, err)
		require.Len(t, s, 30)
		return s.Closes()
	}
	aapl, msft, aapl2 := get(0, "AAPL"), get(0, "MSFT"), get(7, "AAPL")
	require.NotEqual(t, aapl, msft)
	require.NotEqual(t, aapl, aapl2)
	require.Equal(t, aapl, get(0, "AAPL"))
}

func TestSyntheticNoFutureBarsAndOpenBar(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	barOpen := bars.H1.Open(fixedNow) // 13:00
	at := func(now time.Time) bars.Series {
		s, err := (&Synthetic{Now: clock(now)}).Bars(ctx, "TSLA", bars.H1, barOpen.Add(-5*time.Hour), barOpen.Add(48*time.Hour))
		require.NoError(t, err)
		return s
	}
	early, late := at(barOpen.Add(10*time.Minute)), at(barOpen.Add(50*time.Minute))
	require.Len(t, early, 6, "five closed bars and the open one; nothing after now")
	require.Len(t, late, 6)
	last, _ := late.Last()
	require.Equal(t, barOpen, last.Time)

	require.Equal(t, early[:5], late[:5], "closed bars do not move")
	require.Equal(t, early[5].Open, late[5].Open)
	require.NotEqual(t, early[5].Close, late[5].Close, "the open bar's close follows now")
	require.Less(t, early[5].Volume, late[5].Volume, "the open bar's volume grows")
	requireOHLC(t, early)
	requireOHLC(t, late)

	q, err := (&Synthetic{Now: clock(barOpen.Add(50 * time.Minute))}).Quote(ctx, "tsla")
	require.NoError(t, err)
	require.Equal(t, Quote{Symbol: "TSLA", Price: late[5].Close, Time: barOpen.Add(50 * time.Minute), Currency: "USD"}, q)
}

func TestSyntheticEveryTimeframe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &Synthetic{Seed: 3, Now: clock(fixedNow)}
	for _, tf := range bars.Timeframes {
		from := fixedNow.Add(-300 * tf.Duration())
		got, err := s.Bars(ctx, "BTC-USD", tf, from, fixedNow.Add(time.Hour*24*365))
		require.NoError(t, err, tf)
		require.Len(t, got, 300, tf)
		requireOHLC(t, got)
		for _, b := range got {
			require.Equal(t, tf.Open(b.Time), b.Time, "%s bars open on the grid", tf)
		}
		last, _ := got.Last()
		require.Equal(t, tf.Open(fixedNow), last.Time, tf)
	}
}

func TestSyntheticRangeIsHalfOpen(t *testing.T) {
	t.Parallel()
	s := &Synthetic{Now: clock(fixedNow)}
	from := time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC)
	got, err := s.Bars(context.Background(), "AAPL", bars.D1, from, from.Add(3*24*time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, from, got[0].Time)
	require.Equal(t, from.Add(2*24*time.Hour), got[2].Time)

	got, err = s.Bars(context.Background(), "AAPL", bars.D1, from.Add(time.Minute), from.Add(3*24*time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 2, "a bar opening before from is left out")

	got, err = s.Bars(context.Background(), "AAPL", bars.D1, from, from)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestSyntheticTimeframesAgree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &Synthetic{Now: clock(fixedNow)}
	hourStart := time.Date(2027, 3, 16, 10, 0, 0, 0, time.UTC)
	h, err := s.Bars(ctx, "AAPL", bars.H1, hourStart, hourStart.Add(time.Hour))
	require.NoError(t, err)
	m, err := s.Bars(ctx, "AAPL", bars.M1, hourStart, hourStart.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, h, 1)
	require.Len(t, m, 60)
	require.Equal(t, h[0].Open, m[0].Open)
	require.Equal(t, h[0].Close, m[59].Close)
}

func TestSyntheticErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &Synthetic{Now: clock(fixedNow)}
	_, err := s.Bars(ctx, "", bars.H1, fixedNow.Add(-time.Hour), fixedNow)
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	_, err = s.Bars(ctx, "AA PL", bars.H1, fixedNow.Add(-time.Hour), fixedNow)
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	_, err = s.Bars(ctx, "AAPL", bars.Timeframe("2h"), fixedNow.Add(-time.Hour), fixedNow)
	require.ErrorContains(t, err, "must be one of")
	_, err = s.Bars(ctx, "AAPL", bars.M1, fixedNow.AddDate(-5, 0, 0), fixedNow)
	require.ErrorContains(t, err, "at most")
}
