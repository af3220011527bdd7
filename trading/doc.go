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
package trading
