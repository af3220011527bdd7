package backtests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
)

// resolve fills p's default range and cuts to at the last closed bar
// (the bar containing now is still open): an *InputError when the range is
// empty or longer than MaxBars bars.
func (p *plan) resolve(now time.Time) error {
	d := p.tf.Duration()
	last := p.tf.Open(now.UTC())
	if p.to.IsZero() || p.to.After(last) {
		p.to = last
	}
	if p.from.IsZero() {
		p.from = p.to.Add(-min(defaultSpan, DefaultBars*d))
	}
	if !p.from.Before(p.to) {
		return invalid("from", "%s must be before to %s (the last closed %s bar ends there)",
			p.from.Format(time.RFC3339), p.to.Format(time.RFC3339), p.tf)
	}
	if n := p.to.Sub(p.from) / d; n > MaxBars {
		return invalid("from", "the range spans %d %s bars, at most %d: shorten it or use a longer timeframe", n, p.tf, MaxBars)
	}
	return nil
}

// fetch reads the bars of [p.from, p.to) with Manager.Range (paged
// through the provider, past the cache). A symbol the provider does not know
// is an *InputError; any other failure is returned wrapped.
func (p *plan) fetch(ctx context.Context, m *marketdata.Manager) (bars.Series, error) {
	s, err := m.Range(ctx, p.symbol, p.tf, p.from, p.to)
	switch {
	case errors.Is(err, market.ErrUnknownSymbol):
		return nil, invalid("symbol", "%s: the market-data provider %s has no such symbol", p.symbol, m.Provider().Name())
	case errors.Is(err, marketdata.ErrRangeTooLong):
		return nil, invalid("from", "%v", err)
	case err != nil:
		return nil, fmt.Errorf("backtest bars of %s %s: %w", p.symbol, p.tf, err)
	}
	return s, nil
}

// fromCSV reads a CSV file's bars for p: those in [from, to) when given
// (every row otherwise). Bars closer together than the timeframe are an
// *InputError: the timeframe says what the rows are.
func (p *plan) fromCSV(path string) (bars.Series, error) {
	s, err := marketdata.ReadCSVFile(path)
	if err != nil {
		return nil, invalid("csv", "%v", err)
	}
	for i := 1; i < len(s); i++ {
		if gap := s[i].Time.Sub(s[i-1].Time); gap < p.tf.Duration() {
			return nil, invalid("timeframe", "%s rows %s and %s are %s apart, closer than the %s timeframe: name the file's timeframe",
				path, s[i-1].Time.Format(time.RFC3339), s[i].Time.Format(time.RFC3339), gap, p.tf)
		}
	}
	if p.from.IsZero() && len(s) > 0 {
		p.from = s[0].Time
	}
	if p.to.IsZero() && len(s) > 0 {
		p.to = s[len(s)-1].Time.Add(p.tf.Duration())
	}
	if len(s) > MaxBars {
		return nil, invalid("csv", "%s has %d rows, at most %d", path, len(s), MaxBars)
	}
	return inRange(s, p.from, p.to), nil
}

// inRange keeps the bars that open in [from, to).
func inRange(s bars.Series, from, to time.Time) bars.Series {
	i, _ := slices.BinarySearchFunc(s, from, func(b bars.Bar, t time.Time) int { return b.Time.Compare(t) })
	j, _ := slices.BinarySearchFunc(s, to, func(b bars.Bar, t time.Time) int { return b.Time.Compare(t) })
	return s[i:max(i, j)]
}
