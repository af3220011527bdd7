package alertbacktest

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
)

// now is the test clock: mid-bar, so that the bar containing it is open.
var now = time.Date(2027, 3, 10, 14, 30, 0, 0, time.UTC)

type bundle struct {
	market *marketdata.Manager
	syn    *marketdata.Synthetic
}

func setup(t *testing.T) bundle {
	t.Helper()
	syn := &marketdata.Synthetic{Seed: 9, Now: func() time.Time { return now }}
	return bundle{market: marketdata.NewManager(syn, nil, 0, nil), syn: syn}
}

func mustParse(t *testing.T, doc string) *alerts.Config {
	t.Helper()
	cfg, err := alerts.Parse([]byte(doc))
	require.NoError(t, err)
	return cfg
}

// rsiAlert is an hourly RSI + price alert with hysteresis.
const rsiAlert = `{"ticker": "AAPL", "timeframe": "1h",
	"rule": {"operator": "and", "conditions": [
		{"indicator": "rsi", "operator": ">", "value": 65},
		{"indicator": "price", "operator": ">", "value": 1}]},
	"rearm": {"type": "hysteresis", "threshold": 0.05}}`

// The default range is the 90 days up to the last closed bar; the warm-up
// before it lets the first bar be decided; the answer is the engine's on the
// same bars; the chart is a PNG.
func TestRun_DefaultRange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := mustParse(t, rsiAlert)
	res, err := Run(context.Background(), b.market, cfg, time.Time{}, time.Time{}, now)
	require.NoError(t, err)

	open := bars.H1.Open(now)
	require.Equal(t, open, res.To, "the bar still open at now is left out")
	require.Equal(t, open.Add(-DefaultRange), res.From)
	require.Equal(t, 90*24, len(res.Bars), "90 days of hourly bars")
	require.Equal(t, open.Add(-time.Hour), res.Bars[len(res.Bars)-1].Time, "the last bar is the last closed one")
	require.Equal(t, len(res.Bars), res.BarsEvaluated, "warm-up history: every bar of the range is decided")
	require.Greater(t, res.Count, 0)
	require.Equal(t, "AAPL", res.Symbol)
	require.Equal(t, "1h", res.Timeframe)

	// The same as the engine on the warm-up and the range.
	all, err := b.syn.Bars(context.Background(), "AAPL", bars.H1, res.From.Add(-time.Duration(cfg.Lookback())*time.Hour), res.To)
	require.NoError(t, err)
	want, err := cfg.Backtest(all, res.From, res.To)
	require.NoError(t, err)
	require.Equal(t, want, res.BacktestResult)

	img, err := png.Decode(bytes.NewReader(res.Chart))
	require.NoError(t, err)
	require.Equal(t, 1000, img.Bounds().Dx())
}

func TestRun_ExplicitRange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := mustParse(t, rsiAlert)
	from := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2027, 2, 8, 0, 0, 0, 0, time.UTC)
	res, err := Run(context.Background(), b.market, cfg, from, to, now)
	require.NoError(t, err)
	require.Equal(t, from, res.From)
	require.Equal(t, to, res.To)
	require.Equal(t, 7*24, len(res.Bars))
	for _, tr := range res.Triggers {
		require.False(t, tr.Time.Before(from) || !tr.Time.Before(to), "trigger %s in range", tr.Time)
	}
	require.Equal(t, []alerts.WeekCount{{Week: "2027-02-01", Count: res.Count}}, res.PerWeek)
}

func TestRun_Errors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cfg := mustParse(t, rsiAlert)
	from := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)

	_, err := Run(ctx, b.market, cfg, from, from, now)
	require.ErrorIs(t, err, ErrInvalidRange)
	_, err = Run(ctx, b.market, cfg, from, from.Add(-time.Hour), now)
	require.ErrorIs(t, err, ErrInvalidRange)

	// Entirely in the future: no closed bar.
	_, err = Run(ctx, b.market, cfg, now.Add(time.Hour), now.Add(48*time.Hour), now)
	require.ErrorIs(t, err, ErrNoData)

	minutes := mustParse(t, strings.Replace(rsiAlert, `"1h"`, `"1m"`, 1))
	_, err = Run(ctx, b.market, minutes, now.AddDate(-2, 0, 0), now, now)
	require.ErrorIs(t, err, marketdata.ErrRangeTooLong)

	// A CSV file with bars elsewhere: no data in the range.
	dir := t.TempDir()
	path := filepath.Join(dir, "bars.csv")
	require.NoError(t, os.WriteFile(path, []byte("time,open,high,low,close,volume\n2020-01-01T00:00:00Z,1,1,1,1,1\n"), 0o600))
	file := marketdata.NewManager(&marketdata.CSVFile{Path: path}, nil, 0, nil)
	_, err = Run(ctx, file, cfg, from, from.AddDate(0, 0, 7), now)
	require.ErrorIs(t, err, ErrNoData)

	unknown := marketdata.NewManager(marketdata.NewCSV(dir), nil, 0, nil)
	_, err = Run(ctx, unknown, cfg, from, from.AddDate(0, 0, 7), now)
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
}

func TestChartName(t *testing.T) {
	t.Parallel()
	for sym, want := range map[string]string{
		"AAPL":     "AAPL-1h-backtest.png",
		"BRK.B":    "BRK.B-1h-backtest.png",
		"^GSPC":    "alert-GSPC-1h-backtest.png",
		"EURUSD=X": "EURUSD-X-1h-backtest.png",
	} {
		cfg := mustParse(t, strings.Replace(rsiAlert, `"AAPL"`, `"`+sym+`"`, 1))
		require.Equal(t, want, ChartName(cfg), sym)
	}
}

// Daily and weekly alerts (whose spans in bars overflow a time.Duration if
// multiplied carelessly) get the default range and their warm-up.
func TestRun_LongTimeframes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for tf, n := range map[string]int{"1d": 90, "1w": 12} { // 12 Mondays open in 90 days
		cfg := mustParse(t, strings.Replace(rsiAlert, `"1h"`, `"`+tf+`"`, 1))
		res, err := Run(context.Background(), b.market, cfg, time.Time{}, time.Time{}, now)
		require.NoError(t, err, tf)
		require.Equal(t, n, len(res.Bars), tf)
		require.Equal(t, n, res.BarsEvaluated, tf)
	}
}
