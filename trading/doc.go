// Package trading is the pure core of Vigil's trading bots: strategies, a
// paper broker with its fill model, accounting, the risk engine, and the
// decision step that a backtest and a live runner both drive bar by bar.
//
// It imports no pgx, River, huma or net/http and reads no clock: bars,
// parameters and submitted actions come in as arguments, and everything the
// step changes lives in a serialisable State (encoding/json), so a live
// runner can store it in the transaction of each bar decision and restore it
// after a restart. Money (cash, prices of fills, fees, P&L) is
// github.com/shopspring/decimal; the per-bar statistics (equity curve,
// drawdown, Sharpe) and the indicators use float64.
//
// # Decision step
//
// Engine.Step(bar) is called once per closed bar, in order:
//
//  1. pending orders are matched against the bar (fill model below);
//  2. open positions' protective exits (stoploss_pct, trailing_stop_pct,
//     take_profit_pct) are checked against the bar, starting with the bar
//     after the entry fill;
//  3. the bar's equity (cash + quantity × close) is computed and the kill
//     switches (max_daily_loss_pct, max_drawdown_pct) are checked;
//  4. the strategy sees the closed bar (with its history, position and cash)
//     and returns orders, which the risk engine checks and the broker queues
//     for the next bar. Refused orders are recorded with their reason.
//
// # Fill model and assumptions
//
//   - A market order fills at the next bar's open, plus slippage_bps for buys
//     and minus it for sells. An order is never filled on the bar whose close
//     produced it.
//   - A buy limit fills when the bar's low ≤ the limit (a sell limit: high ≥
//     the limit), at the limit, or at the open when the open is already
//     better. Limit fills pay maker_fee_bps and no slippage.
//   - A stop (buy: high ≥ stop; sell: low ≤ stop) triggers when the bar
//     touches it and fills as a market order at max(stop, open) for buys and
//     min(stop, open) for sells, with slippage and taker fees.
//   - A stop-limit triggers like a stop; on the trigger bar it fills at
//     max(stop, open) (buys) / min(stop, open) (sells) when that price is
//     within the limit, paying maker fees, otherwise it rests as a limit
//     order from the next bar on.
//   - Market and stop fills pay taker_fee_bps; every fee is quantity × price ×
//     bps / 10000, charged in cash at the fill.
//   - Buys sized by money (all available cash, a percentage of equity, a cap
//     from max_position_pct) get quantity = floor(money / (price × (1 + fee)))
//     in whole units, or in steps of 1e-8 when fractional: cost plus fee
//     never exceeds the money, so cash never goes negative. A buy whose
//     quantity floors to 0 is refused ("insufficient cash").
//   - Sells never exceed the position unless allow_short; a sell of more is
//     cut to the position, a sell with no position is refused.
//   - Time in force: GTC orders rest until filled or cancelled; day orders
//     are cancelled by the first bar of a later UTC day.
//   - Positions use average cost; realised P&L is (exit − average cost) ×
//     quantity, fees apart; a trade (round trip) runs from flat to flat and
//     its pnl is net of its entry and exit fees.
//   - Protective exits are evaluated in the order stop loss, trailing stop,
//     take profit; the stop is assumed to be hit first when a bar touches
//     both (the conservative choice). Stop-type exits fill at min(level,
//     open) less slippage; take profit fills at max(level, open) as a limit.
//     The trailing stop follows the highest high since entry, from the bars
//     before the current one.
//   - max_daily_loss_pct compares equity at a bar's close with equity at the
//     last close of the previous UTC day (the first equity for the first
//     day); when hit, new entries are halted until the next UTC day.
//     max_drawdown_pct compares with the peak equity at bar closes; when hit,
//     the bot is halted for good (State.Halted). Either emits a kill-switch
//     event and, with flatten_on_halt, closes every position at the next
//     open.
//   - cooldown_bars: after a trade closes at a loss, entries on that symbol
//     are refused for that many bars.
//   - Sharpe is the mean over the standard deviation of per-bar equity
//     returns, times the square root of the bars in a 365-day year (markets
//     are assumed to trade around the clock, like the synthetic provider);
//     the risk-free rate is 0.
//
// # Short selling (allow_short)
//
// Config.AllowShort, or a strategy's "allow_short" parameter, lets sells
// open and extend short positions. Without it nothing above changes.
//
//   - A short is a negative Position.Quantity; AvgCost is the average price
//     sold at. A short sale credits its proceeds to cash (less its fee);
//     equity is cash + Σ quantity × close, so a short counts negatively.
//   - An order against the position reduces it first: a buy covers a short
//     before it buys, a sell sells a long before it shorts (one fill of the
//     whole quantity; the trade that closed and the one opened are separate
//     round trips). Money-sized orders (notional, all_cash — with
//     allow_short they size short sales too) close an opposite position in
//     full and size the new one. close covers a short with a buy.
//   - Realised P&L of a cover is (entry − exit) × units; a short trade's
//     quantity is negative in Trade and the backtest's JSON, its entry price
//     the average sale and its exit price the average cover.
//   - Margin rule: buying power = cash − 2 × the short notional (each short
//     at the fill price for the symbol being filled, the others at their last
//     close). Short proceeds stay as collateral and the account backs each
//     short with as much of its own money again — an initial margin of 100%
//     of the short's value (Reg T's 150% rule asks 50%). Buys and short
//     sales both spend buying power, fee included, and are cut to it (a fill
//     of nothing is refused: "insufficient margin" for a short sale), so at
//     every entry longs + |shorts| ≤ equity: no leverage, and equity cannot
//     go negative on an entry. There is no maintenance margin or forced
//     liquidation: a short that more than doubles makes equity negative, and
//     a cover is never refused for cash (it reduces risk), so cash can then
//     go negative; stoploss_pct is the protection.
//   - Borrow is assumed always available, at no fee; no dividends are paid
//     on shorts.
//   - Risk: a short sale is an entry (stopentry, kill switches, cooldown,
//     max_open_positions, max_position_pct of |notional|); a cover is an
//     exit. An order that would first close the opposite position and whose
//     entry is refused is cut to the close. Protective exits are mirrored:
//     the stop loss is avg × (1 + stoploss_pct) and triggers when the high
//     reaches it, filling at max(stop, open) plus slippage; the trailing
//     stop follows the lowest low since entry; take profit is avg × (1 −
//     take_profit_pct), filled at min(level, open) when the low reaches it.
//     Flattening on a kill switch covers shorts with buys.
//   - Strategies: with allow_short sma_cross and rsi_reversion stop and
//     reverse — on a sell signal they exit a long and sell short with all
//     the buying power, on a buy signal they cover and buy; both orders fill
//     at the next open, the exit first.
//   - Trading actions never short: an action's sell is reduce-only (it
//     sells part of a long and is refused against a short), exit covers a
//     short, buy covers a short before buying.
//
// # Broker-filled mode (Config.BrokerFills)
//
// For a bot whose orders go to a real broker (tradingbot's alpaca bots)
// the decision is the same but the fills are the broker's:
//
//   - Step fills nothing and expires no day order; the service books the
//     broker's executions with ApplyFill (exactly: quantity and price as
//     reported, the bot's fee rates, no buying-power cut, so cash can go
//     below zero when a buy filled above its sizing price) and the final
//     status with FinishOrder, before the next Step.
//   - Every accepted order gets a fixed Quantity when placed: a close order
//     the whole position; a money-sized buy floor(money / (close × (1 +
//     taker fee))) units at the placing bar's close (RefPrice), money being
//     the cash not promised to open buys; a sell is cut to the position.
//   - Stop loss, trailing stop and take profit place a market order closing
//     the position when the bar touches the level (EventStopHit for the
//     stops), filled by the broker after that bar at its market price,
//     instead of filling at the level; one at a time per symbol. Kill-switch
//     flatten orders carry the position's quantity.
//   - A position opened by a broker fill is protected from the bar after
//     the one it filled in. Short selling is refused.
package trading
