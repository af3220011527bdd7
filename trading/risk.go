package trading

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
)

// risk is the risk engine's check of an order before it is placed: entries
// (buys) face the kill switches, the cooldown, max_open_positions and
// max_position_pct (which caps a money-sized buy and cuts a unit-sized one);
// exits always pass. It returns the refusal reason, "" to accept.
func (e *Engine) risk(o *Order, in *Input) string {
	if o.Side != Buy {
		if p := e.st.Positions[o.Symbol]; p == nil && !e.pendingBuy(o.Symbol) {
			return "no position to sell (shorting is not allowed)"
		}
		return ""
	}
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
	p := e.st.Positions[o.Symbol]
	if r.MaxOpenPositions > 0 && p == nil {
		open := len(e.st.Positions)
		if open >= r.MaxOpenPositions {
			return fmt.Sprintf("max_open_positions %d: %d positions open", r.MaxOpenPositions, open)
		}
	}
	if r.MaxPositionPct > 0 {
		held := 0.0
		if p != nil {
			held = p.qty * p.LastClose
		}
		room := in.Equity*r.MaxPositionPct/100 - held
		if room <= 0 {
			return fmt.Sprintf("max_position_pct %v: the position is already %.2f of equity %.2f", r.MaxPositionPct, held, in.Equity)
		}
		capD := decimal.NewFromFloat(room)
		switch {
		case o.Quantity.IsPositive():
			if in.Bar.Close > 0 && o.Quantity.InexactFloat64()*in.Bar.Close > room {
				o.Quantity = capD.Div(decimal.NewFromFloat(in.Bar.Close)).RoundFloor(e.units)
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

func (e *Engine) pendingBuy(symbol string) bool {
	for _, o := range e.st.Orders {
		if o.Symbol == symbol && o.Side == Buy {
			return true
		}
	}
	return false
}

// protect checks the position's stop loss, trailing stop and take profit on
// bar b and exits at once when one is hit.
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
	var stops []exit
	if r.StoplossPct > 0 {
		stops = append(stops, exit{p.AvgCost.Mul(one.Sub(pct(r.StoplossPct))), "stop_loss"})
	}
	if r.TrailingStopPct > 0 {
		stops = append(stops, exit{decimal.NewFromFloat(p.HighWater).Mul(one.Sub(pct(r.TrailingStopPct))), "trailing_stop"})
	}
	open := decimal.NewFromFloat(b.Open)
	for _, s := range stops {
		if decimal.NewFromFloat(b.Low).LessThanOrEqual(s.level) {
			price := decimal.Min(s.level, open).Mul(one.Sub(e.slip))
			e.exit(p, b.Time, price, e.takerF, s.reason)
			e.events = append(e.events, Event{Kind: EventStopHit, Time: b.Time, Symbol: p.Symbol, Reason: s.reason})
			return
		}
	}
	if r.TakeProfitPct > 0 {
		level := p.AvgCost.Mul(one.Add(pct(r.TakeProfitPct)))
		if decimal.NewFromFloat(b.High).GreaterThanOrEqual(level) {
			e.exit(p, b.Time, decimal.Max(level, open), e.makerF, "take_profit")
		}
	}
}

func (e *Engine) exit(p *Position, at time.Time, price, fee decimal.Decimal, reason string) {
	o := Order{ID: e.st.NextOrderID, Symbol: p.Symbol, Side: Sell, Type: Market, TIF: GTC, Close: true, Reason: reason, SubmittedAt: at}
	e.st.NextOrderID++
	e.fill(o, at, price, fee)
	// Resting sells of a closed position have nothing left to sell.
	kept := e.st.Orders[:0]
	for _, q := range e.st.Orders {
		if q.Symbol != p.Symbol || q.Side == Buy {
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
		for sym := range e.st.Positions {
			e.st.Orders = append(e.st.Orders, Order{ID: e.st.NextOrderID, Symbol: sym, Side: Sell, Type: Market, TIF: GTC,
				Close: true, Reason: "kill_switch", SubmittedAt: b.Time})
			e.st.NextOrderID++
		}
	}
}
