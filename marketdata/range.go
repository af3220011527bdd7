package marketdata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/market"

	"github.com/vigilhq/vigil/bars"
)

// MaxRangeBars bounds Manager.Range: a range may span at most this many bars
// of its timeframe (a million minute bars is about 694 days).
const MaxRangeBars = 1_000_000

// defaultBarsPerCall is how many bars Range asks a provider for at once when
// the provider does not say (see BarsPerCall).
const defaultBarsPerCall = MaxBars

// Errors of Manager.Range.
var (
	// ErrRangeTooLong: the range spans more than MaxRangeBars bars.
	ErrRangeTooLong = errors.New("range too long")
	// ErrEmptyRange: from is not before to.
	ErrEmptyRange = errors.New("empty range")
)

// BarsPerCall is implemented by providers that say how many bars one Bars
// call may cover; Range splits longer ranges into calls of that many bars.
// 0 means no limit (one call). Providers without the method get MaxBars
// per call.
type BarsPerCall interface {
	MaxBarsPerCall() int
}

// MaxBarsPerCall is 0: a CSV file is read whole on every call, so one call
// is cheapest.
func (c *CSV) MaxBarsPerCall() int { return 0 }

// MaxBarsPerCall is the synthetic provider's bound on one call.
func (s *Synthetic) MaxBarsPerCall() int { return maxSyntheticBars }

// MaxBarsPerCall is what one Bars call pages through (100 requests of 1,000
// klines).
func (b *Binance) MaxBarsPerCall() int {
	limit := b.limit
	if limit <= 0 {
		limit = binanceMaxLimit
	}
	return binanceMaxPages * limit
}

// Range returns every bar of symbol opening in [from, to), ascending, for a
// backtest: it pages through the provider in calls of the provider's
// per-call maximum (BarsPerCall), each paced by the rate limit, and joins
// them. It neither uses nor fills the cache and market_bars: a range is read
// once, and may be far larger than what alerts keep.
//
// It returns an error wrapping ErrEmptyRange when from is not before to,
// ErrRangeTooLong when [from, to) spans more than MaxRangeBars bars of tf
// (calendar time divided by the bar duration, checked before any call),
// ErrUnknownSymbol as the provider reports it, and the provider's other
// errors. A range with no bars (a closed market, data the provider no
// longer has) is an empty series, not an error.
func (m *Manager) Range(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return nil, fmt.Errorf("range %q: %w", symbol, err)
	}
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("range %s: %w", sym, err)
	}
	from, to = from.UTC(), to.UTC()
	if !from.Before(to) {
		return nil, fmt.Errorf("range %s %s: from %s is not before to %s: %w", sym, tf,
			from.Format(time.RFC3339), to.Format(time.RFC3339), ErrEmptyRange)
	}
	d := tf.Duration()
	if span := to.Sub(from); span/d > MaxRangeBars || (span/d == MaxRangeBars && span%d != 0) {
		return nil, fmt.Errorf("range %s %s: %s to %s spans more than %d bars: %w", sym, tf,
			from.Format(time.RFC3339), to.Format(time.RFC3339), MaxRangeBars, ErrRangeTooLong)
	}

	per := defaultBarsPerCall
	if p, ok := m.provider.(BarsPerCall); ok {
		per = p.MaxBarsPerCall()
	}
	chunk := to.Sub(from)
	if per > 0 && chunk/d > time.Duration(per) {
		chunk = time.Duration(per) * d // < the span: no overflow (1M daily bars would be)
	}
	out := bars.Series{}
	for a := from; a.Before(to); a = a.Add(chunk) {
		b := a.Add(chunk)
		if b.After(to) {
			b = to
		}
		if m.limiter != nil {
			if err := m.limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("range %s %s: wait for %s's rate limit: %w", sym, tf, m.provider.Name(), err)
			}
		}
		m.fetches.Add(1)
		got, err := m.provider.Bars(ctx, sym, tf, a, b)
		if err != nil {
			return nil, fmt.Errorf("range %s %s from %s: %w", sym, tf, a.Format(time.RFC3339), err)
		}
		for _, bar := range got {
			t := bar.Time.UTC()
			if t.Before(a) || !t.Before(b) {
				continue // a provider answering beyond what was asked
			}
			if n := len(out); n > 0 && !t.After(out[n-1].Time) {
				continue
			}
			bar.Time = t
			out = append(out, bar)
		}
		if len(out) > MaxRangeBars {
			return nil, fmt.Errorf("range %s %s: more than %d bars: %w", sym, tf, MaxRangeBars, ErrRangeTooLong)
		}
	}
	return out, nil
}
