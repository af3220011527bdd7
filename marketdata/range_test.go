package marketdata

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// pagedProvider is a provider that says it serves at most perCall bars a
// call, refuses longer calls, and records the calls it gets.
type pagedProvider struct {
	Provider
	perCall int

	mu    sync.Mutex
	calls [][2]time.Time
}

func (p *pagedProvider) MaxBarsPerCall() int { return p.perCall }

func (p *pagedProvider) Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	p.mu.Lock()
	p.calls = append(p.calls, [2]time.Time{from, to})
	p.mu.Unlock()
	if p.perCall > 0 && to.Sub(from) > time.Duration(p.perCall)*tf.Duration() {
		return nil, errTooMany
	}
	return p.Provider.Bars(ctx, symbol, tf, from, to)
}

var errTooMany = errors.New("more bars than one call serves")

func TestManagerRangePages(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	syn := &Synthetic{Seed: 3, Now: clock(now)}
	p := &pagedProvider{Provider: syn, perCall: 100}
	m := NewManager(p, nil, time.Minute, nil)

	// 1,050 hourly bars, from a time inside a bar: the first bar is the one
	// opening after from.
	from := time.Date(2027, 1, 1, 0, 30, 0, 0, time.UTC)
	to := from.Add(1050 * time.Hour)
	got, err := m.Range(context.Background(), "aapl", bars.H1, from, to)
	require.NoError(t, err)

	want, err := syn.Bars(context.Background(), "AAPL", bars.H1, from, to)
	require.NoError(t, err)
	require.Len(t, got, 1050)
	require.Equal(t, want, got, "the pages join into the series one call would give")
	for i := 1; i < len(got); i++ {
		require.Equal(t, time.Hour, got[i].Time.Sub(got[i-1].Time), "no bar lost or repeated at a page boundary")
	}
	require.Len(t, p.calls, 11, "10 pages of 100 bars and one of 50")
	require.Equal(t, from, p.calls[0][0])
	require.Equal(t, to, p.calls[10][1])
	for i := 1; i < len(p.calls); i++ {
		require.Equal(t, p.calls[i-1][1], p.calls[i][0], "pages are contiguous")
	}
	require.EqualValues(t, 11, m.Fetches())
}

// A provider without a per-call limit (CSV) is asked once; the synthetic
// provider says how much it serves.
func TestManagerRangeOneCall(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"XYZ_1d.csv": "time,open,high,low,close,volume\n" +
		"2027-01-04,1,2,1,2,10\n2027-01-05,2,3,2,3,10\n2027-01-06,3,4,3,4,10\n2027-01-08,4,5,4,5,10\n"})
	p := &pagedProvider{Provider: NewCSV(dir)}
	m := NewManager(p, nil, 0, nil)
	got, err := m.Range(context.Background(), "XYZ", bars.D1, day(2027, 1, 5), day(2027, 1, 9))
	require.NoError(t, err)
	require.Len(t, p.calls, 1)
	require.Equal(t, []float64{3, 4, 5}, got.Closes())
	require.Zero(t, NewCSV(dir).MaxBarsPerCall())
	require.Equal(t, maxSyntheticBars, (&Synthetic{}).MaxBarsPerCall())
	require.Equal(t, 100_000, (&Binance{}).MaxBarsPerCall())

	// Daily and weekly bars from the synthetic provider: one call (its
	// per-call bound in days would overflow a time.Duration).
	syn := NewManager(&Synthetic{Now: clock(day(2027, 3, 1))}, nil, 0, nil)
	got, err = syn.Range(context.Background(), "AAPL", bars.D1, day(2026, 12, 1), day(2027, 3, 1))
	require.NoError(t, err)
	require.Equal(t, 90, len(got))
	got, err = syn.Range(context.Background(), "AAPL", bars.W1, day(2020, 1, 6), day(2027, 3, 1))
	require.NoError(t, err)
	require.Equal(t, 373, len(got))
	require.EqualValues(t, 2, syn.Fetches())

	// A range with no bars is empty, not an error.
	got, err = m.Range(context.Background(), "XYZ", bars.D1, day(2030, 1, 1), day(2030, 2, 1))
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestManagerRangeErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	p := &pagedProvider{Provider: &Synthetic{Now: clock(now)}}
	m := NewManager(p, nil, time.Minute, nil)
	ctx := context.Background()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	// Exactly a million minute bars is allowed; one more minute is not.
	_, err := m.Range(ctx, "AAPL", bars.M1, from, from.Add((MaxRangeBars+1)*time.Minute))
	require.ErrorIs(t, err, ErrRangeTooLong)
	_, err = m.Range(ctx, "AAPL", bars.M1, from, from.Add(MaxRangeBars*time.Minute+time.Second))
	require.ErrorIs(t, err, ErrRangeTooLong)
	require.Empty(t, p.calls, "a range too long is refused before any provider call")

	_, err = m.Range(ctx, "AAPL", bars.H1, from, from)
	require.ErrorIs(t, err, ErrEmptyRange)
	_, err = m.Range(ctx, "AAPL", bars.H1, from, from.Add(-time.Hour))
	require.ErrorIs(t, err, ErrEmptyRange)
	_, err = m.Range(ctx, "AA PL", bars.H1, from, from.Add(time.Hour))
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	_, err = m.Range(ctx, "AAPL", bars.Timeframe("2h"), from, from.Add(time.Hour))
	require.Error(t, err)

	csv := NewManager(NewCSV(t.TempDir()), nil, 0, nil)
	_, err = csv.Range(ctx, "NOPE", bars.D1, from, from.Add(24*time.Hour))
	require.ErrorIs(t, err, market.ErrUnknownSymbol)

	// The million-bar range itself works (the synthetic provider serves it
	// in one call).
	got, err := m.Range(ctx, "AAPL", bars.M1, from, from.Add(MaxRangeBars*time.Minute))
	require.NoError(t, err)
	require.Len(t, got, MaxRangeBars)
}

// CSVFile replays one file for any symbol, aggregated into the timeframe
// asked for, and Range reads it in one call.
func TestManagerRangeCSVFile(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"bars.csv": "time,open,high,low,close,volume\n" +
		"2027-01-04T00:00:00Z,1,2,1,2,10\n2027-01-04T01:00:00Z,2,3,2,3,10\n" +
		"2027-01-04T02:00:00Z,3,4,3,4,10\n2027-01-04T04:00:00Z,4,5,4,5,10\n"})
	f := &CSVFile{Path: filepath.Join(dir, "bars.csv")}
	m := NewManager(f, nil, 0, nil)
	got, err := m.Range(context.Background(), "ANY", bars.H1, day(2027, 1, 4), day(2027, 1, 5))
	require.NoError(t, err)
	require.Equal(t, []float64{2, 3, 4, 5}, got.Closes())
	got, err = m.Range(context.Background(), "ANY", bars.H4, day(2027, 1, 4), day(2027, 1, 5))
	require.NoError(t, err)
	require.Equal(t, []float64{4, 5}, got.Closes(), "four-hour buckets")
	require.Equal(t, 30.0, got[0].Volume)

	_, err = m.Range(context.Background(), "ANY", bars.M1, day(2027, 1, 4), day(2027, 1, 5))
	require.ErrorContains(t, err, "coarser")
	_, err = NewManager(&CSVFile{Path: filepath.Join(dir, "missing.csv")}, nil, 0, nil).
		Range(context.Background(), "ANY", bars.H1, day(2027, 1, 4), day(2027, 1, 5))
	require.ErrorIs(t, err, fs.ErrNotExist)
}
