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
// market_bars table, and when the provider fails serves cached data (in
// process, else market_bars) with a warning, or fails with ErrDataUnavailable
// so that the job is retried.
//
// This package imports bars and the sqlc queries; it must not import jobs, api,
// telegram, River or anything above it.
package marketdata
