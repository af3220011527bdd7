// Package fundamentals supplies company figures screeners filter and rank on:
// market capitalisation, trailing P/E, average daily volume and sector.
// Providers: synthetic (deterministic, the default with synthetic bars), a
// snapshot file, and Yahoo's quote API; NewProvider builds one by name. A
// Manager caches figures in memory and in the fundamentals table, like
// marketdata does bars: it batches, paces and coalesces provider calls, writes
// every fetch through to a Store and falls back on it when the provider fails.
//
// The package does no database I/O of its own: Store is implemented over the
// fundamentals table in db/store (NaN as NULL). The figures themselves
// (market.Fundamentals), the symbol rules, Yahoo symbol mapping and
// rate-limit error live in the leaf package market, shared with marketdata
// and the screener; this package must not import pgx, River, huma or
// Telegram.
package fundamentals

import (
	"context"
	"errors"

	"github.com/vigilhq/vigil/market"
)

// Provider is a source of fundamentals.
type Provider interface {
	// Name identifies the provider in logs and in the fundamentals table.
	Name() string
	// Fundamentals returns the figures of the symbols it knows, keyed by the
	// symbol as given. A symbol the provider does not know is absent from
	// the map (not an error); an error means the call as a whole failed.
	Fundamentals(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error)
}

// ErrUnavailable means no figures could be had, neither from the provider nor
// from a cache.
var ErrUnavailable = errors.New("fundamentals unavailable")
