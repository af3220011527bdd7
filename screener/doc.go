// Package screener runs stock screeners: it filters a universe of symbols by
// fundamentals (market cap, P/E, average volume) and by an alert rule tree on
// indicators, ranks the matches and renders them for a notification.
//
// Universes: the S&P 500 and Nasdaq-100 snapshots shipped in data/ (their
// sources and dates are in data/README.md; "nasdaq" is an alias of
// "nasdaq100", not the whole exchange), custom lists, and plain ticker lists
// (ExpandTarget).
//
// It is a pure domain package: no database, job queue, HTTP client or
// framework, Telegram or logger (archtest enforces that it imports no pgx,
// River, huma or net/http). Figures are market.Fundamentals, from the leaf
// package market. Run takes its data as functions (Sources), so the worker
// wires in the marketdata and fundamentals managers and tests wire in fakes.
//
//	p, err := screener.ParseParams(taskParams)     // *ParamsError names the field
//	syms, err := screener.ExpandTarget(p.ScreenerSet, target, custom)
//	res, err := screener.Run(ctx, p, syms, screener.Sources{...})
//	send(res.TextLimit(3900, "full list in run 42"))
//
// # Evaluation
//
// Run fetches the fundamentals of the whole universe in one call and applies
// the fundamentals criteria first (min_market_cap >= and max_pe_ratio <=,
// both inclusive; min_volume >= on the average daily volume). Criteria
// combine like the alert engine's "and": a symbol failing any criterion is
// not a match; otherwise a symbol for which a criterion cannot be decided
// (the figure is unknown) is listed in Result.Missing with the reason, e.g.
// "no P/E ratio". A symbol absent from the fundamentals is Missing ("no
// fundamentals") when a fundamentals criterion or rank field needs it.
//
// Bars are then fetched, at most once per symbol and only for the symbols
// that survived the fundamentals criteria, when the rule needs them, when the
// rank field is bar-based (close, change_pct, a rule operand), or when
// min_volume needs the average volume the fundamentals lack: that falls back
// to the mean volume of the last 20 bars. Each fetch asks for
// max(rule Lookback, 21) bars. The rule is evaluated on the latest bar the
// source returns (as an alert with once_per_bar does). Not enough bars, a
// missing indicator value or a failed fetch puts the symbol in Missing when
// the rule or min_volume needed the bars; when only the rank field did, the
// symbol stays a match without a rank value.
//
// Bars are fetched concurrently (Sources.Concurrency at a time); ending ctx
// stops further fetches and fails the run. Without a rule or a bar-based
// rank field, bars are fetched only for the top_n matches, to show their
// close and change; a failed fetch there only leaves them unknown.
//
// # Ranking
//
// rank_by names a field; the direction is fixed per field:
//
//	market_cap (default)   descending
//	pe_ratio               ascending (cheapest first)
//	avg_volume, volume     descending (volume is avg_volume)
//	close                  descending (latest close)
//	change_pct             descending (latest close against the close before, in %)
//	a rule operand         the direction of the first condition testing it:
//	                       ascending when it must be below its level
//	                       (< <= crosses_below, change_pct down), else
//	                       descending; so rsi < 30 lists the most oversold first
//
// A rule operand is named by its label ("rsi(14)"), its label in snake case
// ("rsi_14", "sma_200", "bollinger_20_2_lower", "change_pct_close_5" for a
// change_pct condition) or, when only one operand uses it, the indicator
// name ("rsi"). A suffix _asc or _desc overrides the direction
// ("market_cap_asc"). Ties are broken by symbol; matches without a value for
// the rank field come after the ranked ones, by symbol.
package screener
