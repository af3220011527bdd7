// Package store holds the database adapters behind the small interfaces the
// domain packages define, so that those packages do no database I/O of
// their own:
//
//   - BarStore: marketdata.Store over the market_bars table;
//   - FundamentalsStore: fundamentals.FreshStore over the fundamentals table;
//   - TelegramGate: notify.SendGate, a bot's flood limits kept across
//     processes.
//
// cmd/vigil builds them from the pool and passes them in. The package uses
// the sqlc queries of db/dbsqlc; it must not import jobs, api, telegram or
// anything above them.
package store
