package trading

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
)

// risk is the risk engine's check of an order before it is placed. Exits —
// close and reduce-only orders, orders against the position no larger than
// it, and every sell without allow_short — always pass when there is
// something to exit. Entries (buys, and short sales with allow_short) face
// the owner's stopentry, the kill switches, the cooldown,
// max_open_positions and max_position_pct of |notional| (which caps a
// money-sized entry and cuts a unit-sized one). An entry that would first
// close an opposite position and is refused is cut to that close. It
// returns the refusal reason, "" to accept.
func (e *Engine) risk(o *Order, in *Input) string {
	p := e.st.Positions[o.Symbol]
	held := decimal.Zero
	if p != nil {
		held = p.Quantity
	}
	buy := o.Side == Buy
	against := (buy && held.IsNegative()) || (!buy && held.IsPositive())
	exit := o.Close || o.ReduceOnly || (!buy && !e.short) ||
		(against && o.Quantity.IsPositive() && o.Quantity.LessThanOrEqual(held.Abs()))
	if exit {
		if !against && !e.pending(o.Symbol, o.Side) {
			return noPosition(buy, e.short)
		}
		return ""
	}
	reason := e.entryRisk(o, in, p, against)
	if reason != "" && against {
		// Keep the exit part: close the opposite position, open nothing.
		o.Quantity, o.Notional, o.AllCash, o.Close = decimal.Zero, decimal.Zero, false, true
		return ""
	}
	return reason
}

// entryRisk is risk's check of an order that opens or extends a position.
func (e *Engine) entryRisk(o *Order, in *Input, p *Position, against bool) string {
	r := e.cfg.Risk
	if e.st.EntriesStopped {
		return "entries stopped by the owner (stopentry); start the bot to allow them again"
	}
	if e.st.Halted {
		return fmt.Sprintf("kill switch: max_drawdown_pct %v reached; new entries are halted", r.MaxDrawdownPct)
	}
	if e.st.HaltedDay == unixDay(in.Bar.Time) {
		return fmt.Sprintf("kill switch: max_daily_loss_pct %v reached; new entries are halted until the next UTC day", r.MaxDailyLossPct)
	}
	if until := e.st.Cooldown[o.Symbol]; until > e.st.Bars+1 {
		return fmt.Sprintf("cooldown_bars %d: %d bars left after a losing trade", r.CooldownBars, until-e.st.Bars-1)
	}
	if r.MaxOpenPositions > 0 && p == nil {
		open := len(e.st.Positions)
		if open >= r.MaxOpenPositions {
			return fmt.Sprintf("max_open_positions %d: %d positions open", r.MaxOpenPositions, open)
		}
	}
	if r.MaxPositionPct > 0 {
		held, closing := 0.0, decimal.Zero // the |notional| held on the order's side; the units it first closes
		switch {
		case against:
			closing = p.Quantity.Abs()
		case p != nil:
			held = math.Abs(p.qty) * p.LastClose
		}
		room := in.Equity*r.MaxPositionPct/100 - held
		if room <= 0 {
			return fmt.Sprintf("max_position_pct %v: the position is already %.2f of equity %.2f", r.MaxPositionPct, held, in.Equity)
		}
		capD := decimal.NewFromFloat(room)
		switch {
		case o.Quantity.IsPositive():
			if opening := o.Quantity.Sub(closing); in.Bar.Close > 0 && opening.InexactFloat64()*in.Bar.Close > room {
				o.Quantity = closing.Add(capD.Div(decimal.NewFromFloat(in.Bar.Close)).RoundFloor(e.units))
				if !o.Quantity.IsPositive() {
					return fmt.Sprintf("max_position_pct %v: no room for one unit", r.MaxPositionPct)
				}
			}
		case o.AllCash || o.Notional.GreaterThan(capD):
			o.AllCash, o.Notional = false, capD
		}
	}
	return ""
}

// pending reports a resting order of symbol on the other side than side
// (an entry an exit may be placed ahead of, e.g. a buy and its stop).
func (e *Engine) pending(symbol string, side Side) bool {
	for _, o := range e.st.Orders {
		if o.Symbol == symbol && o.Side != side {
			return true
		}
	}
	return false
}

// protect checks the position's stop loss, trailing stop and take profit on
// bar b and exits at once when one is hit. A short's levels are mirrored:
// its stop loss is above the entry and hit when the high reaches it, its
// trailing stop follows the lowest low, its take profit is below the entry.
func (e *Engine) protect(p *Position, b bars.Bar) {
	r := e.cfg.Risk
	if r.StoplossPct == 0 && r.TrailingStopPct == 0 && r.TakeProfitPct == 0 {
		return
	}
	// Levels in decimal, so a 10% take profit on 100 is exactly 110.
	pct := func(v float64) decimal.Decimal { return decimal.NewFromFloat(v).Div(hundr) }
	type exit struct {
		level  decimal.Decimal
		reason string
	}
	short := p.qty < 0
	var stops []exit
	if r.StoplossPct > 0 {
		if short {
			stops = append(stops, exit{p.AvgCost.Mul(one.Add(pct(r.StoplossPct))), "stop_loss"})
		} else {
			stops = append(stops, exit{p.AvgCost.Mul(one.Sub(pct(r.StoplossPct))), "stop_loss"})
		}
	}
	if r.TrailingStopPct > 0 {
		if short {
			stops = append(stops, exit{decimal.NewFromFloat(p.LowWater).Mul(one.Add(pct(r.TrailingStopPct))), "trailing_stop"})
		} else {
			stops = append(stops, exit{decimal.NewFromFloat(p.HighWater).Mul(one.Sub(pct(r.TrailingStopPct))), "trailing_stop"})
		}
	}
	open := decimal.NewFromFloat(b.Open)
	for _, s := range stops {
		var price decimal.Decimal
		switch {
		case short && decimal.NewFromFloat(b.High).GreaterThanOrEqual(s.level):
			price = decimal.Max(s.level, open).Mul(one.Add(e.slip))
		case !short && decimal.NewFromFloat(b.Low).LessThanOrEqual(s.level):
			price = decimal.Min(s.level, open).Mul(one.Sub(e.slip))
		default:
			continue
		}
		if e.cfg.BrokerFills {
			e.protectOrder(p, b.Time, b.Close, s.reason)
			return
		}
		e.exit(p, b.Time, price, e.takerF, s.reason)
		e.events = append(e.events, Event{Kind: EventStopHit, Time: b.Time, Symbol: p.Symbol, Reason: s.reason})
		return
	}
	if r.TakeProfitPct > 0 {
		if short {
			level := p.AvgCost.Mul(one.Sub(pct(r.TakeProfitPct)))
			if level.IsPositive() && decimal.NewFromFloat(b.Low).LessThanOrEqual(level) {
				e.exit(p, b.Time, decimal.Min(level, open), e.makerF, "take_profit")
			}
			return
		}
		level := p.AvgCost.Mul(one.Add(pct(r.TakeProfitPct)))
		if decimal.NewFromFloat(b.High).GreaterThanOrEqual(level) && e.cfg.BrokerFills {
			e.protectOrder(p, b.Time, b.Close, "take_profit")
		} else if decimal.NewFromFloat(b.High).GreaterThanOrEqual(level) {
			e.exit(p, b.Time, decimal.Max(level, open), e.makerF, "take_profit")
		}
	}
}

// exitSide is the side that closes p: sell a long, buy back a short.
func exitSide(p *Position) Side {
	if p.Quantity.IsNegative() {
		return Buy
	}
	return Sell
}

func (e *Engine) exit(p *Position, at time.Time, price, fee decimal.Decimal, reason string) {
	side := exitSide(p)
	o := Order{ID: e.st.NextOrderID, Symbol: p.Symbol, Side: side, Type: Market, TIF: GTC, Close: true, Reason: reason, SubmittedAt: at}
	e.st.NextOrderID++
	e.fill(o, at, price, fee)
	// Resting exits of a closed position have nothing left to exit (and
	// with allow_short would open the other side).
	kept := e.st.Orders[:0]
	for _, q := range e.st.Orders {
		if q.Symbol != p.Symbol || q.Side != side {
			kept = append(kept, q)
		}
	}
	e.st.Orders = kept
}

// killSwitch records the bar's equity and trips max_daily_loss_pct and
// max_drawdown_pct.
func (e *Engine) killSwitch(b bars.Bar, eq float64) {
	day := unixDay(b.Time)
	if day != e.st.Day {
		if e.st.Day >= 0 {
			e.st.DayStartEq = e.st.LastEquity
		}
		e.st.Day = day
	}
	e.st.LastEquity = eq
	e.st.PeakEquity = max(e.st.PeakEquity, eq)
	r := e.cfg.Risk
	tripped := ""
	if r.MaxDrawdownPct > 0 && !e.st.Halted && (e.st.PeakEquity-eq)/e.st.PeakEquity*100 >= r.MaxDrawdownPct {
		e.st.Halted = true
		tripped = fmt.Sprintf("max_drawdown_pct %v: equity %.2f is %.2f%% below its peak %.2f", r.MaxDrawdownPct, eq,
			(e.st.PeakEquity-eq)/e.st.PeakEquity*100, e.st.PeakEquity)
	} else if r.MaxDailyLossPct > 0 && e.st.HaltedDay != day && (e.st.DayStartEq-eq)/e.st.DayStartEq*100 >= r.MaxDailyLossPct {
		e.st.HaltedDay = day
		tripped = fmt.Sprintf("max_daily_loss_pct %v: equity %.2f is %.2f%% below the day's start %.2f", r.MaxDailyLossPct, eq,
			(e.st.DayStartEq-eq)/e.st.DayStartEq*100, e.st.DayStartEq)
	}
	if tripped == "" {
		return
	}
	e.events = append(e.events, Event{Kind: EventKillSwitch, Time: b.Time, Reason: tripped})
	if r.FlattenOnHalt {
		// In symbol order: the orders' ids (and so their idempotency keys)
		// must not depend on the map's iteration order.
		for _, sym := range slices.Sorted(maps.Keys(e.st.Positions)) {
			p := e.st.Positions[sym]
			o := Order{ID: e.st.NextOrderID, Symbol: sym, Side: exitSide(p), Type: Market, TIF: GTC,
				Close: true, Reason: "kill_switch", SubmittedAt: b.Time}
			if e.cfg.BrokerFills { // a broker order needs its quantity
				o.Quantity, o.RefPrice = p.Quantity.Abs(), decimal.NewFromFloat(p.LastClose)
			}
			e.st.Orders = append(e.st.Orders, o)
			e.st.NextOrderID++
		}
	}
}
