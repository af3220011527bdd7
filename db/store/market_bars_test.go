package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/marketdata"
)

// barsNow is a fixed clock for the synthetic provider.
var barsNow = time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC)

// downProvider is a market-data provider of that name that is down.
type downProvider struct{ name string }

func (p downProvider) Name() string { return p.name }

func (p downProvider) Bars(context.Context, string, bars.Timeframe, time.Time, time.Time) (bars.Series, error) {
	return nil, errors.New(p.name + " is down")
}

func (p downProvider) Quote(context.Context, string) (marketdata.Quote, error) {
	return marketdata.Quote{}, errors.New(p.name + " is down")
}

// market_bars keeps what providers returned, per provider: a read gives back
// the same bars and the time they were fetched; another provider's rows are
// not returned, and a save of the same bar time replaces the row.
func TestBarStore(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	s := NewBarStore(d.Pool)
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	series := bars.Series{
		{Time: t0, Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 100},
		{Time: t0.Add(time.Hour), Open: 1.5, High: 3, Low: 1, Close: 2.5, Volume: 200},
		{Time: t0.Add(2 * time.Hour), Open: 2.5, High: 2.5, Low: 2, Close: 2, Volume: 50},
	}
	before := time.Now().Add(-time.Minute)
	require.NoError(t, s.SaveBars(ctx, "synthetic", "AAPL", bars.H1, series))
	require.NoError(t, s.SaveBars(ctx, "synthetic", "AAPL", bars.H1, nil), "nothing to save is no error")

	got, fetchedAt, err := s.LoadBars(ctx, "synthetic", "AAPL", bars.H1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, series, got)
	require.True(t, fetchedAt.After(before), "fetched_at is when the bars were saved: %s", fetchedAt)

	got, _, err = s.LoadBars(ctx, "synthetic", "AAPL", bars.H1, t0.Add(time.Hour), t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, series[1:2], got, "[from, to)")

	got, fetchedAt, err = s.LoadBars(ctx, "yahoo", "AAPL", bars.H1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Empty(t, got, "another provider's bars are never returned")
	require.True(t, fetchedAt.IsZero())

	got, _, err = s.LoadBars(ctx, "synthetic", "AAPL", bars.D1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Empty(t, got, "per timeframe")

	// Yahoo re-fetches the middle bar: the row becomes Yahoo's.
	newer := bars.Series{{Time: t0.Add(time.Hour), Open: 9, High: 9, Low: 9, Close: 9, Volume: 9}}
	require.NoError(t, s.SaveBars(ctx, "yahoo", "AAPL", bars.H1, newer))
	got, _, err = s.LoadBars(ctx, "yahoo", "AAPL", bars.H1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, newer, got)
	got, _, err = s.LoadBars(ctx, "synthetic", "AAPL", bars.H1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, bars.Series{series[0], series[2]}, got)
}

// A Manager writes what it fetched through to market_bars; a fresh Manager
// (another process, or after a restart) whose provider is down serves those
// bars with the design's warning.
func TestBarStoreBehindManagers(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	s := NewBarStore(d.Pool)
	up := marketdata.NewManager(&marketdata.Synthetic{Now: func() time.Time { return barsNow }}, s, time.Minute, nil)
	fetched, err := up.Bars(ctx, "AAPL", bars.H1, 24, barsNow)
	require.NoError(t, err)
	var rows int
	require.NoError(t, d.Pool.QueryRow(ctx,
		"SELECT count(*) FROM market_bars WHERE symbol = 'AAPL' AND timeframe = '1h' AND provider = 'synthetic'").Scan(&rows))
	require.Equal(t, 24, rows, "written through")

	var logs syncBuffer
	down := marketdata.NewManager(downProvider{name: "synthetic"}, s, time.Minute, slog.New(slog.NewTextHandler(&logs, nil)))
	got, err := down.Bars(ctx, "aapl", bars.H1, 24, barsNow.Add(5*time.Minute))
	require.NoError(t, err)
	require.Equal(t, fetched, got)
	require.Contains(t, logs.String(), `msg="Market data unavailable for AAPL, using cached data"`)
	require.Contains(t, logs.String(), "source=market_bars")

	other := marketdata.NewManager(downProvider{name: "yahoo"}, s, time.Minute, nil)
	_, err = other.Bars(ctx, "AAPL", bars.H1, 24, barsNow)
	require.ErrorIs(t, err, marketdata.ErrDataUnavailable, "another provider's bars are not served")
}

// syncBuffer collects log output from the Manager's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// A save of bars stored with the same values by the same provider leaves
// their rows alone (not rewritten, not locked: xmin unchanged); a changed
// bar, or one another provider stored, is rewritten.
func TestBarStoreSkipsUnchanged(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	s := NewBarStore(d.Pool)
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	series := bars.Series{
		{Time: t0, Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 100},
		{Time: t0.Add(time.Hour), Open: 1.5, High: 3, Low: 1, Close: 2.5, Volume: 200},
		{Time: t0.Add(2 * time.Hour), Open: 2.5, High: 2.5, Low: 2, Close: 2, Volume: 50},
	}
	require.NoError(t, s.SaveBars(ctx, "synthetic", "AAPL", bars.H1, series))
	xmins := func() []string {
		rows, err := d.Pool.Query(ctx, "SELECT xmin::text FROM market_bars WHERE symbol = 'AAPL' ORDER BY ts")
		require.NoError(t, err)
		var out []string
		for rows.Next() {
			var x string
			require.NoError(t, rows.Scan(&x))
			out = append(out, x)
		}
		require.NoError(t, rows.Err())
		return out
	}
	before := xmins()
	require.Len(t, before, 3)

	require.NoError(t, s.SaveBars(ctx, "synthetic", "AAPL", bars.H1, series))
	require.Equal(t, before, xmins(), "unchanged bars are not written again")

	changed := append(bars.Series(nil), series...)
	changed[1].Close = 2.75
	require.NoError(t, s.SaveBars(ctx, "synthetic", "AAPL", bars.H1, changed))
	after := xmins()
	require.Equal(t, before[0], after[0])
	require.NotEqual(t, before[1], after[1], "the changed bar is rewritten")
	require.Equal(t, before[2], after[2])
	got, _, err := s.LoadBars(ctx, "synthetic", "AAPL", bars.H1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, changed, got)

	require.NoError(t, s.SaveBars(ctx, "yahoo", "AAPL", bars.H1, changed[:1]))
	require.NotEqual(t, after[0], xmins()[0], "the same values from another provider: the row becomes its")
}
