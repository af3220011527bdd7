package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/db/dbtest"
)

// Saving a series again rewrites only the bars that changed and the newest
// one (whose fetched_at is the cache's freshness); an unchanged older bar
// keeps its row version.
func TestBarStoreSkipsUnchangedBars(t *testing.T) {
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
	versions := func() map[time.Time]string {
		rows, err := d.Pool.Query(ctx, `SELECT ts, xmin::text FROM market_bars WHERE symbol = 'AAPL' ORDER BY ts`)
		require.NoError(t, err)
		defer rows.Close()
		out := map[time.Time]string{}
		for rows.Next() {
			var ts time.Time
			var x string
			require.NoError(t, rows.Scan(&ts, &x))
			out[ts.UTC()] = x
		}
		require.NoError(t, rows.Err())
		return out
	}
	_, firstFetch, err := s.LoadBars(ctx, "synthetic", "AAPL", bars.H1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	v1 := versions()

	again := append(bars.Series(nil), series...)
	again[1].Close = 2.6 // the middle bar was corrected
	require.NoError(t, s.SaveBars(ctx, "synthetic", "AAPL", bars.H1, again))
	v2 := versions()
	require.Equal(t, v1[t0], v2[t0], "an unchanged bar is not rewritten")
	require.NotEqual(t, v1[t0.Add(time.Hour)], v2[t0.Add(time.Hour)], "a changed bar is")
	require.NotEqual(t, v1[t0.Add(2*time.Hour)], v2[t0.Add(2*time.Hour)], "the newest bar always is")

	got, fetchedAt, err := s.LoadBars(ctx, "synthetic", "AAPL", bars.H1, t0, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, again, got)
	require.False(t, fetchedAt.Before(firstFetch), "freshness advances with the newest bar")
}
