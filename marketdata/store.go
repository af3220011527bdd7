package marketdata

import (
	"context"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// Store keeps fetched bars beyond the process, shared by every process that
// uses it: a Manager saves every fetch to it and reads it back when its
// provider fails. db/store implements it over the market_bars table; this
// package does no database I/O of its own.
type Store interface {
	// SaveBars upserts the bars of symbol and timeframe that provider gave.
	SaveBars(ctx context.Context, provider, symbol string, tf bars.Timeframe, s bars.Series) error
	// LoadBars returns the stored bars of symbol and timeframe that provider
	// gave (never another provider's) opening in [from, to), ascending, and
	// when the most recently saved of them was fetched (zero when none).
	LoadBars(ctx context.Context, provider, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, time.Time, error)
}
