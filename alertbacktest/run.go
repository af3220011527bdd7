package alertbacktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/marketdata"
)

// DefaultRange is the range a backtest covers when from is not given: the
// 90 days before to.
const DefaultRange = 90 * 24 * time.Hour

// Errors of Run that callers turn into a message naming the field at fault.
var (
	// ErrInvalidRange: from is not before to.
	ErrInvalidRange = errors.New("invalid range")
	// ErrNoData: the range holds no closed bar of the symbol.
	ErrNoData = errors.New("no data in range")
)

// Source serves the bars of a range; *marketdata.Manager is one (Range),
// and FileSource replays one CSV file.
type Source interface {
	Range(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error)
}

// Result is a backtest with the range it covered and its chart.
type Result struct {
	alerts.BacktestResult
	// From and To are the range replayed, [From, To): the defaults filled
	// in and To cut at the bar still open at now.
	From, To time.Time
	// Bars are the bars of the range (without the warm-up before From).
	Bars bars.Series
	// Chart is a PNG of the last ChartBars bars with the triggers marked.
	Chart []byte
}

// ChartBars is how many of the newest bars the chart shows.
const ChartBars = 300

// Chart size in pixels.
const (
	chartWidth  = 1000
	chartHeight = 600
)

// Run backtests cfg over [from, to) with bars from src. The range is cut at
// the bar still open at now, so only closed bars are replayed, each at its
// close; a zero to means that bar's open time. A zero from means
// DefaultRange before to.
// Before from, Lookback bars of history are fetched for the indicators to
// warm up (they are not evaluated).
//
// Errors: ErrInvalidRange for from >= to; marketdata.ErrRangeTooLong for a
// range spanning more than a million bars (alerts.ErrTooManyBars likewise
// from a source that ignores it); ErrNoData when the range holds no closed
// bar; market.ErrUnknownSymbol from the source; otherwise the source's
// error (market data unavailable).
func Run(ctx context.Context, src Source, cfg *alerts.Config, from, to, now time.Time) (*Result, error) {
	tf := cfg.Timeframe
	d := tf.Duration()
	open := tf.Open(now.UTC()) // the bar containing now is still open
	if to.IsZero() {
		to = open
	}
	if from.IsZero() {
		from = to.Add(-DefaultRange)
		if to.After(open) {
			from = open.Add(-DefaultRange)
		}
	}
	from, to = from.UTC(), to.UTC()
	if !from.Before(to) {
		return nil, fmt.Errorf("backtest %s %s: from %s is not before to %s: %w", cfg.Ticker, tf,
			from.Format(time.RFC3339), to.Format(time.RFC3339), ErrInvalidRange)
	}
	if to.After(open) {
		to = open
	}
	if span := to.Sub(from); span > 0 && span/d > marketdata.MaxRangeBars {
		return nil, fmt.Errorf("backtest %s %s: %s to %s spans more than %d bars: %w", cfg.Ticker, tf,
			from.Format(time.RFC3339), to.Format(time.RFC3339), marketdata.MaxRangeBars, marketdata.ErrRangeTooLong)
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("backtest %s %s: no closed bar between %s and %s: %w", cfg.Ticker, tf,
			from.Format(time.RFC3339), to.Format(time.RFC3339), ErrNoData)
	}

	series, err := src.Range(ctx, cfg.Ticker, tf, from, to)
	if err != nil {
		return nil, fmt.Errorf("backtest %s %s: %w", cfg.Ticker, tf, err)
	}
	if len(series) == 0 {
		return nil, fmt.Errorf("backtest %s %s: no bars between %s and %s: %w", cfg.Ticker, tf,
			from.Format(time.RFC3339), to.Format(time.RFC3339), ErrNoData)
	}
	warm, err := warmUp(ctx, src, cfg.Ticker, tf, cfg.Lookback(), from, alerts.MaxBacktestBars-len(series))
	if err != nil {
		return nil, fmt.Errorf("backtest %s %s: warm-up: %w", cfg.Ticker, tf, err)
	}
	all := slices.Concat(warm, series)

	// Operands on longer timeframes: their bars over the range, with their
	// own warm-up before it.
	var frames map[bars.Timeframe]bars.Series
	for _, other := range cfg.Timeframes() {
		s, err := src.Range(ctx, cfg.Ticker, other, from, to)
		if err != nil {
			return nil, fmt.Errorf("backtest %s %s: %s bars: %w", cfg.Ticker, tf, other, err)
		}
		w, err := warmUp(ctx, src, cfg.Ticker, other, cfg.LookbackFor(other), from, alerts.MaxBacktestBars)
		if err != nil {
			return nil, fmt.Errorf("backtest %s %s: %s warm-up: %w", cfg.Ticker, tf, other, err)
		}
		if frames == nil {
			frames = map[bars.Timeframe]bars.Series{}
		}
		frames[other] = slices.Concat(w, s)
	}

	bt, err := cfg.BacktestWith(all, frames, from, to)
	if err != nil {
		return nil, fmt.Errorf("backtest %s %s: %w", cfg.Ticker, tf, err)
	}
	res := &Result{BacktestResult: bt, From: from, To: to, Bars: series}
	if res.Chart, err = chart(cfg, res); err != nil {
		return nil, fmt.Errorf("backtest %s %s: chart: %w", cfg.Ticker, tf, err)
	}
	return res, nil
}

// maxWarmUp bounds the span fetched for warm-up (weekly bars of a long
// lookback would otherwise overflow a time.Duration).
const maxWarmUp = 50 * 365 * 24 * time.Hour

// warmUp returns up to n bars of symbol's timeframe tf (and at most limit)
// before from. Markets close at night and on weekends, so the span asked for
// is three times the bars' duration plus four days.
func warmUp(ctx context.Context, src Source, symbol string, tf bars.Timeframe, n int, from time.Time, limit int) (bars.Series, error) {
	n = min(n, limit)
	if n <= 0 {
		return nil, nil
	}
	d := tf.Duration()
	span := maxWarmUp
	if k := time.Duration(3 * n); k < (maxWarmUp-4*24*time.Hour)/d {
		span = k*d + 4*24*time.Hour
	}
	s, err := src.Range(ctx, symbol, tf, from.Add(-span), from)
	if err != nil {
		return nil, err
	}
	return s[max(0, len(s)-n):], nil
}
