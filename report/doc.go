// Package report builds the figures and charts of Vigil's reports: simple
// statistics on price and equity series (returns, drawdown, volatility,
// Sharpe ratio, day change, correlation) and PNG charts rendered with
// gonum.org/v1/plot (candlesticks with indicator overlays, equity curve,
// drawdown).
//
// It is a pure domain package: no I/O beyond encoding PNG bytes in memory, no
// database, logger or clock. It must not import pgx, River, huma or Telegram.
// Charts use the Liberation fonts embedded in gonum/plot, so rendering works
// offline.
package report
