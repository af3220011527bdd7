// Package report builds Vigil's reports: the figures, plain-text message and
// PNG charts of the design's three report types, from market data the
// caller supplies.
//
// Build is the entry point the report job worker calls. It takes a Request
// (the decoded task_params, with the portfolio and today's fired alerts
// resolved by the caller) and a Data function reading the caller's cached
// bars, fetches each symbol once (a few at a time), and returns an Output:
// a JSON-ready result (*DailySummary, *PortfolioAnalysis or
// *PerformanceReport; undefined figures are Float NaN and encode as null),
// a plain-text message, the charts, and the symbols whose data was missing.
// A failed fetch never fails the report; a request that can never succeed
// returns an error wrapping ErrInvalidRequest.
//
//   - daily_summary: per symbol, the latest close, change against the
//     previous close, volume against the 20 bars before, RSI 14, distance
//     to SMA 50 and SMA 200, and the alerts fired today; a candlestick chart
//     of the last 120 bars with both SMAs.
//   - portfolio_analysis: per holding, price, value, weight and P&L against
//     the cost basis; totals; the return windows, annualised volatility,
//     Sharpe ratio and maximum drawdown of the portfolio's equity; the
//     correlation matrix of the holdings' returns; equity and drawdown
//     charts. The history assumes the current holdings were held unchanged
//     over the whole window (see PortfolioAnalysis).
//   - performance_report: for each symbol (and the portfolio's equity when
//     the request has one), returns over the windows, annualised volatility,
//     Sharpe ratio (risk-free rate 0) and maximum drawdown over about a year
//     of bars; growth-of-100 and drawdown charts.
//
// Annualising uses PeriodsPerYear: 252 bars a year for daily bars (stock
// trading days), 52 for weekly, unless the request says otherwise.
//
// The building blocks are exported too: simple statistics on price and
// equity series (returns, drawdown, volatility, Sharpe ratio, day change,
// correlation) and charts rendered with gonum.org/v1/plot (candlesticks
// with indicator overlays, equity curve, drawdown). Indicators come from
// package indicators.
//
// It is a pure domain package: no I/O beyond calling Data and encoding PNG
// bytes in memory, no database, logger or clock (the report time is
// Request.Now). It must not import pgx, River, huma or Telegram. Charts use
// the Liberation fonts embedded in gonum/plot, so rendering works offline.
package report
