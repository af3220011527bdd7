// Package marketdata fetches OHLCV bars and quotes for the alert, screener and
// report workers.
//
// A Provider answers "bars of a symbol and timeframe in [from, to)" and "the
// latest quote". Four are built in: Synthetic (the default: deterministic data,
// so demos and tests are reproducible and need no network), CSV (a directory of
// OHLCV files), Yahoo (the v8 chart API) and Binance (spot klines).
//
// The Manager sits in front of a provider: it caches the newest bars per
// (symbol, timeframe) in process for the configured TTL
// (SCHEDULER_DATA_CACHE_TTL), coalesces concurrent requests so that a thousand
// alerts on one symbol cause one fetch, writes what it fetched through to the
// Store (the market_bars table), and when the provider fails serves cached
// data (in process, else the Store) with a warning, or fails with ErrDataUnavailable
// so that the job is retried.
//
// The market_bars table is behind the Store interface (db/store implements
// it): this package does no database I/O of its own. Sources gives one
// Manager per data source. Symbol rules and the errors shared with the
// fundamentals providers (ErrUnknownSymbol, RateLimitError) are in market.
//
// This package imports bars, market and net/http; it must not import pgx,
// jobs, api, telegram, River or anything above it.
package marketdata
