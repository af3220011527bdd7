// Package market holds the value types and rules that the market-data and
// fundamentals providers share with the pure domain packages: a company's
// Fundamentals, the symbol rules (NormalizeSymbol, YahooSymbol) and the
// errors providers report (ErrUnknownSymbol, RateLimitError).
//
// It is a leaf: it imports only the standard library (no net/http, pgx,
// River, huma or Telegram), so that screener and the other domain packages
// can use these types without pulling in the providers' I/O.
package market
