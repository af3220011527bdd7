package marketdata

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
	}
	return dir
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestCSVFormats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		// Dates, with a comment, a blank line and columns in another order.
		"AAPL_1d.csv": "# exported by hand\nTime,Open,High,Low,Close,Volume\n" +
			"2027-03-15,10,12,9,11,1000\n\n" +
			"2027-03-16,11,13,10.5,12.5,2000\n" +
			"2027-03-17,12.5,12.5,11,11.5,0\n",
		// RFC 3339 with offsets (normalized to UTC).
		"BTCUSDT_1h.csv": "open,high,low,close,volume,time\n" +
			"100,101,99,100.5,3.5,2027-03-17T10:00:00Z\n" +
			"100.5,102,100,101,4,2027-03-17T12:00:00+01:00\n",
		// Unix seconds, hourly, no timeframe in the name: aggregated.
		"MSFT.csv": "time,open,high,low,close,volume\n" +
			"1805270400,1,2,0.5,1.5,10\n" + // 2027-03-17 08:00:00Z
			"1805274000,1.5,3,1.4,2.5,20\n" + // 09:00
			"1805277600,2.5,2.6,1,1.2,30\n" + // 10:00
			"1805281200000,1.2,1.3,1.1,1.25,40\n", // 11:00, in milliseconds
	})
	c := NewCSV(dir)
	require.Equal(t, "csv", c.Name())

	got, err := c.Bars(ctx, "aapl", bars.D1, day(2027, 3, 16), day(2027, 3, 18))
	require.NoError(t, err)
	require.Equal(t, bars.Series{
		{Time: day(2027, 3, 16), Open: 11, High: 13, Low: 10.5, Close: 12.5, Volume: 2000},
		{Time: day(2027, 3, 17), Open: 12.5, High: 12.5, Low: 11, Close: 11.5, Volume: 0},
	}, got)

	got, err = c.Bars(ctx, "BTCUSDT", bars.H1, day(2027, 3, 17), day(2027, 3, 18))
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, time.Date(2027, 3, 17, 11, 0, 0, 0, time.UTC), got[1].Time)

	h4, err := c.Bars(ctx, "MSFT", bars.H4, day(2027, 3, 17), day(2027, 3, 18))
	require.NoError(t, err)
	require.Equal(t, bars.Series{
		{Time: time.Date(2027, 3, 17, 8, 0, 0, 0, time.UTC), Open: 1, High: 3, Low: 0.5, Close: 1.25, Volume: 100},
	}, h4)
	h1, err := c.Bars(ctx, "MSFT", bars.H1, day(2027, 3, 17), day(2027, 3, 18))
	require.NoError(t, err)
	require.Len(t, h1, 4, "the file's own resolution")
	_, err = c.Bars(ctx, "MSFT", bars.M15, day(2027, 3, 17), day(2027, 3, 18))
	require.ErrorContains(t, err, "coarser than the 15m asked for")

	q, err := c.Quote(ctx, "MSFT")
	require.NoError(t, err)
	require.Equal(t, Quote{Symbol: "MSFT", Price: 1.25, Time: time.Date(2027, 3, 17, 11, 0, 0, 0, time.UTC)}, q)
}

func TestCSVBadRowsNamed(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"BAD_1d.csv": "time,open,high,low,close,volume\n" +
			"2027-03-15,10,12,9,11,1000\n" + // line 2: fine
			"yesterday,10,12,9,11,1000\n" + // line 3: bad time
			"2027-03-17,10,12,9,abc,1000\n" + // line 4: bad close
			"2027-03-18,10,9,9,11,1000\n" + // line 5: high below close
			"2027-03-14,10,12,9,11,1000\n" + // line 6: out of order
			"2027-03-19,10,12\n" + // line 7: too few fields
			"2027-03-20,10,12,9,11,-5\n", // line 8: negative volume
		"NOHEADER_1d.csv": "2027-03-15,10,12,9,11,1000\n",
	})
	c := NewCSV(dir)
	_, err := c.Bars(context.Background(), "BAD", bars.D1, day(2027, 1, 1), day(2028, 1, 1))
	require.Error(t, err)
	for _, want := range []string{
		`BAD_1d.csv line 3: time "yesterday"`,
		`BAD_1d.csv line 4: close "abc" is not a non-negative number`,
		"BAD_1d.csv line 5: low 9 and high 9 do not contain open 10 and close 11",
		"BAD_1d.csv line 6: time 2027-03-14T00:00:00Z is not after the previous row's 2027-03-15T00:00:00Z",
		"BAD_1d.csv line 7: 3 fields, want 6",
		`BAD_1d.csv line 8: volume "-5"`,
	} {
		require.ErrorContains(t, err, want)
	}
	require.NotErrorIs(t, err, market.ErrUnknownSymbol)

	_, err = c.Bars(context.Background(), "NOHEADER", bars.D1, day(2027, 1, 1), day(2028, 1, 1))
	require.ErrorContains(t, err, `NOHEADER_1d.csv line 1: header "2027-03-15,10,12,9,11,1000" lacks column "time"`)
}

func TestCSVUnknownSymbol(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := NewCSV(t.TempDir())
	_, err := c.Bars(ctx, "NOPE", bars.D1, day(2027, 1, 1), day(2028, 1, 1))
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	_, err = c.Quote(ctx, "NOPE")
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	_, err = c.Bars(ctx, "../etc/passwd", bars.D1, day(2027, 1, 1), day(2028, 1, 1))
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
}
