// Package backtests runs a trading strategy over past bars for `vigil
// backtest`, POST /api/backtests and the bot's /backtest, so that the three
// check the same input, fetch the same bars and answer with the same figures.
//
// A Request names the strategy (trading.NewStrategy: its parameters are
// checked against schemas/strategy.<name>.v1.json, absent ones take the
// schema's defaults), the symbol and timeframe, the range [from, to) as
// RFC 3339 or YYYY-MM-DD (00:00 UTC), the starting cash and the fees and
// slippage in basis points (one fee for maker and taker fills alike). A
// Runner checks it (every problem is an *InputError naming the field),
// fetches the bars from a market-data Manager (or takes a CSV file's) and
// runs trading.Backtest: the same Strategy, paper broker and risk engine as
// a live bot, with the fill model of the trading package's documentation.
//
// Without a to, the range ends at the last closed bar (the bar still open
// is never used); without a from, it starts a year earlier, or DefaultBars
// bars earlier when that is nearer (a year of 1m bars is half a million).
// A to later than the last closed bar is cut to it. A range of more than
// MaxBars bars is refused.
//
// The bars come through Manager.Range, which pages the provider in its
// largest calls under the Manager's rate limit (past the cache: a range is
// read once).
package backtests
