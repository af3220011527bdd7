// Package alerts is the alert engine: it parses an alert's task_params into a
// rule tree, evaluates the tree on bars, and runs the re-arm state machine
// that decides whether an alert fires.
//
// It is a pure domain package. It imports only the standard library, bars and
// indicators: no database, job queue, HTTP framework, Telegram, logger or
// clock. Evaluation and Step take the bars and now as arguments; the caller
// fetches bars, loads job_schedules.state_json with LoadState, and stores
// Decision.State back.
//
//	cfg, err := alerts.Parse(taskParams)          // once per schedule
//	series := fetch(cfg.Ticker, cfg.Timeframe, cfg.Lookback())
//	ev, err := cfg.EvaluateAt(series, now)         // on error: keep the state
//	                                               // (EvaluateWith for other timeframes' bars and traces)
//	state, err := alerts.LoadState(stateJSON)
//	d := cfg.Step(state, ev, now)                  // store d.State
//	if d.Fire { send(cfg.Notify.Channels, cfg.Message(ev, now)) }
//
// # Config
//
// Parse accepts the design's full form
//
//	{"ticker": "AAPL", "timeframe": "1h",
//	 "rule": {"operator": "and", "conditions": [
//	   {"indicator": "rsi", "operator": ">", "value": 70},
//	   {"indicator": "price", "operator": ">", "value": 150}]},
//	 "rearm": {"type": "hysteresis", "threshold": 0.02, "cooldown": 300},
//	 "notify": {"channels": ["telegram"], "message_template": "Alert triggered for {ticker}"},
//	 "frequency": "once_per_bar", "expires_at": "2027-06-30T00:00:00Z"}
//
// and the short form {"symbol", "condition", "threshold",
// "notification_channels", "timeframe"}, rewritten as
//
//	price_above     close > threshold
//	price_below     close < threshold
//	volume_spike    volume_spike_ratio(20) > threshold (default 2: twice the average of the 20 bars before)
//	rsi_oversold    rsi(14) < threshold (default 30)
//	rsi_overbought  rsi(14) > threshold (default 70)
//
// with timeframe 1d and channels [telegram] by default. A config with errors
// gives a *ParseError listing every problem with its JSON pointer; it wraps
// ErrInvalidConfig. schemas/alert.v1.json describes the same format.
//
// A group is {"operator": "and"|"or"|"not", "conditions": [...]}; not takes
// exactly one condition. A condition names its operand with "indicator" and
// its parameters beside it or under "params" ({"indicator": "sma",
// "period": 50} or {"indicator": "sma", "params": {"period": 50}}). The other
// side is "value" (a number or an operand object) or "right" (an operand
// object). Operands are the bar fields open, high, low, close (alias price)
// and volume, and the indicators of package indicators:
//
//	sma, ema, wma      period 20, source close
//	rsi                period 14, source close
//	roc                period 10, source close
//	macd               fast 12, slow 26, signal 9, source close; output line (default), signal, histogram
//	bollinger          period 20, stddev 2, source close; output upper, middle, lower, percent_b, width (required)
//	atr                period 14
//	stoch              k_period 14, k_smooth 3, d_period 3; output k (default), d
//	vwap               period 20 (rolling; a cumulative VWAP would depend on where the fetch starts)
//	highest, lowest    period 20, source high / low
//	volume_avg         period 20
//	volume_spike_ratio period 20: volume / mean volume of the 20 bars before
//
// Every operand also takes "offset": its value that many bars back, e.g.
// close crosses_above highest(20) offset 1 for a breakout.
//
// # Multiple timeframes
//
// An operand may take "timeframe", the alert's or a longer one
// ({"indicator": "sma", "period": 200, "timeframe": "1d"} in a 1h alert;
// a shorter one is a Parse error). It is computed on that timeframe's bars,
// passed in Input.Frames (Config.Timeframes lists them, Config.LookbackFor
// says how many to fetch), and at each bar of the alert it reads the last
// bar of its timeframe that had closed by then: by the bar's close, or by
// Input.Now for a bar still open. Bars still open are never read, so there
// is no look-ahead; its offset counts its own bars. Its label names the
// timeframe: sma(200,1d), close(1w)[1].
//
// # Conditions
//
// x is the condition's operand on the latest bar, x' on the bar before.
// Values within a relative 1e-9 of each other are equal, so float rounding in
// an indicator does not decide "exactly at the level".
//
//	> >= < <= == !=    x compared with the right side
//	crosses_above      x' <= r' and x > r: "at the level" counts as at-or-below,
//	                   so 99, 100, 101 against 100 crosses on the bar of 101, once
//	crosses_below      x' >= r' and x < r
//	crosses            either
//	inside_channel     lower <= x <= upper ("lower" and "upper": numbers or operands)
//	outside_channel    not inside
//	entering_channel   outside on the previous bar, inside now
//	exiting_channel    inside on the previous bar, outside now
//	change_pct         p = 100·(x - x[N bars back]) / |x[N bars back]|, "bars": N;
//	                   "direction": "up" needs p >= value, "down" needs p <= -value
//
// Missing values and gaps: an operand that is NaN where a condition needs it
// (warm-up, a missing or non-finite input in its window) makes the condition
// unknown. Unknown never matches; not(unknown) is unknown; "and" is false if
// any child is false, "or" true if any child is true, else unknown. An
// unknown rule is an ErrMissingValue error, listed in Evaluation.Missing.
// Bars are taken per index, not per clock: a gap in time (a missing bar)
// simply makes the bar before it the previous bar, for crossings, change_pct
// and the indicators alike.
//
// Evaluate needs MinBars bars (warm-up of the slowest operand, plus one for
// crossings and entering/exiting, plus N for change_pct); Lookback adds the
// history recursive indicators want to converge and one bar for a dropped
// open bar, and is what to fetch.
//
// # Re-arming
//
// Evaluation.Value and Level are the main condition's value and level: the
// rule's first condition, depth first. Hysteresis and crossing refer to it.
// After a trigger the alert re-arms by its rearm type:
//
//	no rearm     edge-triggered: fires when the condition is true (also on the
//	             first evaluation) and re-arms once it has been false, so it
//	             never repeats while the condition stays true
//	simple       re-arms at once: may fire again on the next evaluation; with
//	             the default frequency once_per_bar, once per bar while true
//	cooldown     re-arms "cooldown" seconds after the trigger (required, >= 1):
//	             a reminder every cooldown while the condition holds
//	hysteresis   re-arms once Value has moved back beyond the level by
//	             "threshold", a fraction in [0, 1) (0.02 = 2%): Value <=
//	             Level - |Level|·threshold when the main condition fires above its
//	             level (> >= crosses_above, change_pct up), Value >= Level +
//	             |Level|·threshold when it fires below (< <= crosses_below,
//	             change_pct down); a not around it flips the direction
//	persistence  fires only after the condition held on "bars" consecutive
//	             evaluated bars (several evaluations of one bar count it once),
//	             then re-arms like no rearm, once the condition is false
//	crossing     tracks the side of Value against Level (State.Side; a value
//	             exactly at the level keeps the previous side) and fires only on
//	             the evaluation where the side changes and the rule holds; the
//	             first evaluation only records the side
//
// Any type also takes "cooldown" (no trigger within that many seconds of the
// last one; a trigger suppressed by cooldown is dropped, not deferred) and any
// but crossing takes "bars" (the persistence gate), so the design's
// {"type": "hysteresis", "threshold": 0.02, "cooldown": 300} needs both the
// 2% retreat and 5 minutes.
//
// Frequency limits triggers further:
//
//	once                fires once ever; then TRIGGERED for good
//	once_per_bar        (default) at most once per bar open time
//	once_per_bar_close  only on closed bars, at most once per bar: EvaluateAt
//	                    drops the bars still open at now (ClosedBars), and Step
//	                    refuses an evaluation of a bar still open at now
//	every_time          no per-bar limit; with no rearm it also drops edge
//	                    triggering, firing on every evaluation where the
//	                    condition holds (still subject to cooldown). Explicit
//	                    rearm types keep their re-arm rule.
//
// After ExpiresAt the alert never fires (reason "expired"). Step ignores an
// evaluation of a bar older than the last one it saw.
//
// # Backtest
//
// Backtest replays an alert over past bars with the same evaluator and state
// machine: bar by bar, each closed bar evaluated once at its close, the state
// carried from bar to bar as the worker carries it between fires. It answers
// "how often would this alert have fired?":
//
//	res, err := cfg.Backtest(series, from, to) // series may start before from (warm-up)
//	res.Count, res.Triggers, res.PerWeek
//
// The operand series are computed once for the whole series, and the loop
// allocates nothing per bar: a year of minute bars takes tens of
// milliseconds (BenchmarkBacktestYearOfMinutes).
//
// # Traces
//
// With Input.Trace the evaluation keeps the rule tree with every node's
// outcome (true, false, unknown) and operand values (Evaluation.Trace);
// Explain adds the state before and after Step and why the alert fired or
// not, in words, and Trace.Text renders it:
//
//	ev, err := cfg.EvaluateWith(alerts.Input{Series: s, Frames: f, Now: now, Trace: true})
//	d := cfg.Step(prev, ev, now)
//	tr := cfg.Explain(prev, ev, d, now) // or ExplainError(prev, ev, err, now)
//
// A trace holds at most MaxTraceNodes nodes and stays under MaxTraceBytes
// of JSON.
//
// # State
//
// State is JSON for job_schedules.state_json with snake_case keys. Empty,
// null and {} load as a fresh ARMED state. Status is ARMED (may fire),
// TRIGGERED (fired, waiting for its re-arm rule) or COOLDOWN (re-armed,
// waiting for the cooldown to pass).
//
// # Messages
//
// notify.message_template may use {ticker}, {timeframe}, {price}, {value},
// {level}, {condition} and {triggered_at}; {{ and }} are literal braces.
// Unknown placeholders are Parse errors. The default is DefaultTemplate.
package alerts
