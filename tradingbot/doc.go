// Package tradingbot is the trading bot service: bots stored as rows of
// trading_bots, run on live bars by any number of runners (`vigil
// tradingbot`, `vigil serve`), each decision of the pure engine of package
// trading persisted in one transaction. It is the layer the CLI, and later
// the API, the Telegram bot and the alert and screener actions, call.
//
// # Bots
//
// A bot is defined by a Definition (schemas/tradingbot.v1.json: strategy,
// params, symbols, timeframe, broker, cash, fees, risk settings, state),
// from a JSON configuration file (ParseDefinition) or code. Service creates,
// updates (Apply: create or update by owner and name), starts, stops, gets
// and lists bots, scoped to the Actor's bots and audited in the caller's
// transaction. A bot is running (decided on every closed bar), halted (a
// kill switch tripped: new entries are refused, but exits, stops and open
// orders are still worked, so nothing is left unattended) or stopped (not
// run; positions and open orders are kept as they are).
//
// # Interfaces
//
// The API (/api/bots), the Telegram commands and the reports call the
// service: Update and Delete by id, FindByName, Status (cash, equity,
// positions with unrealised P&L), Trades (round trips rebuilt from
// bot_fills), Profit, Orders and Equity, all scoped to the actor in SQL.
// ForceExit stores an exit action per held symbol in the bot's engine
// state (and cancels the symbol's open orders); the runner turns it into a
// market sell of the whole position at the bot's next decision. StopEntry
// sets trading.State.EntriesStopped and halts the bot: buys are refused,
// exits and stops still work, until Start clears it. Both bump the row's
// revision, so a decision computed before them commits nothing and is made
// again from the new state.
//
// # Runners and leases
//
// A Runner holds a lease on each bot it runs (trading_bots.lease_owner and
// lease_expires_at): it takes every runnable bot whose lease is free,
// expired or its own, renews them every LeaseTTL/3 and releases them when
// it stops. Any number of runners, in any number of processes, may share a
// database; when one dies, another takes its bots over once their leases
// expire (LeaseTTL, 30 s by default). A decision commits only if its
// first write, the claim, changes the bot's row: an update guarded by this
// runner's unexpired lease and by the row's revision (bumped by every
// decision, edit and stop) that the decision was computed from. A runner
// that lost its lease, however stale its view, decides nothing, and the
// claim keeps the row locked until the commit, so no other runner can take
// the lease meanwhile.
//
// # A decision
//
// When a bar of the bot's timeframe closes (by the runner's clock), the
// runner fetches the newest bars of the bot's symbols from marketdata (the
// Manager the alert worker uses: coalesced, cached, synthetic by default)
// and, from the bot's row (as its last decision left it, or read again):
//
//  1. restores its engine from engine_state (a trading.State), or a fresh
//     account before the first decision;
//  2. warms up, on history, the strategy of every symbol not yet warmed up
//     (trading.WarmupBars: sma_cross slow + 1 bars), without trading;
//  3. shows the strategy, without trading, the bars that closed since the
//     last decision and before the newest one (the bot was down or
//     stopped) and records them in bot_skipped_bars with the count and the
//     reason: missed bars are never replayed as trades;
//  4. steps the newest closed bar of each symbol (in the bot's order);
//  5. writes, in one transaction and one round trip: the claim with the
//     compacted engine state, last_bar_time and the bot's state (halted
//     when a kill switch tripped, audited with source tradingbot); the
//     orders it placed, filled or refused (bot_orders), its fills
//     (bot_fills, the closing one with the round trip's P&L), the positions
//     (bot_positions) and an equity snapshot (bot_equity_snapshots);
//  6. enqueues, in the same transaction, the owner's notifications
//     (Notifier, type trade): fills and closed positions with P&L, stops
//     hit, the kill switch (urgent) and, at the first decision of a UTC
//     day, the previous day's P&L summary.
//
// A decision is a pure function of the stored state and the bars, so a
// decision that died before its commit (the process was killed) is made
// again, identically, by whichever runner holds the bot next; a restart
// within the same bar finds that bar decided and waits for the next. Every
// order row carries the idempotency key "<bot id>:<bar unix time>:<signal
// index>" (unique; an alpaca bot's broker gets it as its client_order_id), and
// (bot, engine order id) and (bot, bar time) of the equity snapshot are
// unique too: an order is never recorded twice for one bar and signal.
//
// Symbols without a bar at the decision's time (a closed market) are not
// stepped; a bot whose provider does not know a symbol is stopped with the
// reason. The heartbeat (Runner.Check, system trading_bot) reports the bots
// held, the counters, the age of the most lagging bot's last decided bar and
// the brokers' connectivity.
//
// # Real brokers (broker alpaca)
//
// A bot with broker alpaca runs its engine in broker-filled mode
// (trading.Config.BrokerFills): the decision is the same, but the engine
// fills nothing itself. Its account is resolved by Brokers (AlpacaBrokers:
// the owner's broker_credentials row, or the operator's account for an
// admin owner without one); a bot is refused at save (field broker) when
// its owner has none, and stopped with the reason when its credentials
// disappear.
//
//   - A decision records each new order in bot_orders with broker_status
//     pending, in its transaction. After the commit the runner submits it
//     with client_order_id = the idempotency key; every submission first
//     looks the key up at the broker, so an order recorded before a crash
//     (or submitted and its answer lost) is placed exactly once. Pending
//     orders are retried by a broker pass every Options.BrokerPoll and
//     before each decision, by whichever runner holds the bot.
//   - Before each decision the runner polls every submitted open order and
//     the decision books, before stepping, what the broker filled since the
//     last poll (Engine.ApplyFill; one bot_fills row per growth of the
//     cumulative filled quantity, keyed by fill_key) and the orders that
//     became final (Engine.FinishOrder). Fills are booked at bar
//     granularity.
//   - A refusal by the broker (a 4xx answer to a submission) is final: the
//     row becomes refused with broker_status rejected and the broker's
//     reason, audited (tradingbot.order_rejected) and notified; the next
//     decision drops the order from the engine.
//   - Stop loss, trailing stop and take profit become a market order closing
//     the position when a closed bar touches the level (the broker fills it
//     after that bar, at its market price); the kill switch's flatten orders
//     too. A force exit does not cancel orders already at the broker.
//   - The heartbeat reports, per alpaca bot, the newest broker call (account
//     read, submit, lookup, poll), its latency and error, and turns DEGRADED
//     while a broker fails.
package tradingbot
