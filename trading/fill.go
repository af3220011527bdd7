package trading

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
)

// unixDay is the UTC day number of t.
func unixDay(t time.Time) int64 { return t.Unix() / 86400 }

// matchOrders fills or expires the symbol's resting orders against bar b.
func (e *Engine) matchOrders(symbol string, b bars.Bar) {
	kept := e.st.Orders[:0]
	day := unixDay(b.Time)
	for _, o := range e.st.Orders {
		if o.Symbol != symbol {
			kept = append(kept, o)
			continue
		}
		if o.TIF == Day && unixDay(o.SubmittedAt) != day {
			e.events = append(e.events, Event{Kind: EventOrderCancelled, Time: b.Time, Symbol: symbol, Reason: "day order expired"})
			continue
		}
		price, fee, ok := e.price(&o, b)
		if !ok {
			kept = append(kept, o)
			continue
		}
		e.fill(o, b.Time, price, fee)
	}
	e.st.Orders = kept
}

// price applies the fill model: the fill price and fee rate of o on bar b,
// or ok false when it does not fill (a stop-limit may become triggered).
func (e *Engine) price(o *Order, b bars.Bar) (price, fee decimal.Decimal, ok bool) {
	open := decimal.NewFromFloat(b.Open)
	buy := o.Side == Buy
	slipped := func(p decimal.Decimal) decimal.Decimal {
		switch {
		case e.slip.IsZero():
			return p
		case buy:
			return p.Mul(one.Add(e.slip))
		}
		return p.Mul(one.Sub(e.slip))
	}
	if o.Type == Market {
		return slipped(open), e.takerF, true
	}
	high, low := decimal.NewFromFloat(b.High), decimal.NewFromFloat(b.Low)
	switch o.Type {
	case Limit:
		return limitPrice(buy, o.LimitPrice, open, high, low, e.makerF)
	case Stop:
		if p, hit := stopPrice(buy, o.StopPrice, open, high, low); hit {
			return slipped(p), e.takerF, true
		}
	case StopLimit:
		if o.Triggered {
			return limitPrice(buy, o.LimitPrice, open, high, low, e.makerF)
		}
		p, hit := stopPrice(buy, o.StopPrice, open, high, low)
		if !hit {
			return price, fee, false
		}
		o.Triggered = true
		if (buy && p.LessThanOrEqual(o.LimitPrice)) || (!buy && p.GreaterThanOrEqual(o.LimitPrice)) {
			return p, e.makerF, true
		}
	}
	return price, fee, false
}

func limitPrice(buy bool, limit, open, high, low, fee decimal.Decimal) (decimal.Decimal, decimal.Decimal, bool) {
	if buy {
		if open.LessThanOrEqual(limit) {
			return open, fee, true
		}
		return limit, fee, low.LessThanOrEqual(limit)
	}
	if open.GreaterThanOrEqual(limit) {
		return open, fee, true
	}
	return limit, fee, high.GreaterThanOrEqual(limit)
}

func stopPrice(buy bool, stop, open, high, low decimal.Decimal) (decimal.Decimal, bool) {
	if buy {
		return decimal.Max(stop, open), high.GreaterThanOrEqual(stop)
	}
	return decimal.Min(stop, open), low.LessThanOrEqual(stop)
}

// fill sizes o at price with fee rate, updates cash, the position, the trade
// and the accounting, and emits events.
//
// An order against the position (a sell of a long, a buy of a short) first
// reduces it, the reduce leg; what the order has left opens or extends a
// position in its own direction, the open leg: a long for a buy, a short for
// a sell only with allow_short, nothing for a reduce-only or close order.
// Money-sized orders (notional, all cash) close an opposite position in full
// and size the open leg. The open leg is cut to the buying power (cash less
// twice the short notional, see buyingPower), so a buy never makes cash
// negative; a fill of nothing is refused ("insufficient cash", or
// "insufficient margin" for a short sale).
func (e *Engine) fill(o Order, at time.Time, price, feeRate decimal.Decimal) {
	e.fillOrder(o, at, price, feeRate, false)
}

// fillExact books a broker's fill of o.Quantity as it is: the buying power
// does not cut it.
func (e *Engine) fillExact(o Order, at time.Time, price, feeRate decimal.Decimal) {
	e.fillOrder(o, at, price, feeRate, true)
}

func (e *Engine) fillOrder(o Order, at time.Time, price, feeRate decimal.Decimal, exact bool) {
	p := e.st.Positions[o.Symbol]
	held := decimal.Zero
	if p != nil {
		held = p.Quantity
	}
	buy := o.Side == Buy
	against := (buy && held.IsNegative()) || (!buy && held.IsPositive())
	var reduce, open decimal.Decimal
	money := false
	switch {
	case o.Close:
		if !against {
			e.refuse(o, at, noPosition(buy, e.short))
			return
		}
		reduce = held.Abs()
	case o.Quantity.IsPositive():
		open = o.Quantity
		if against {
			reduce = decimal.Min(open, held.Abs())
			open = open.Sub(reduce)
		}
	default:
		if against {
			reduce = held.Abs()
		}
		money = true
	}
	if o.ReduceOnly || (!buy && !e.short) {
		open, money = decimal.Zero, false
		if reduce.IsZero() {
			e.refuse(o, at, noPosition(buy, e.short))
			return
		}
	}
	if !exact && (money || open.IsPositive()) {
		bp, short := e.buyingPower(o.Symbol, buy, reduce, price, feeRate)
		unit := price
		if !feeRate.IsZero() {
			unit = price.Mul(one.Add(feeRate))
		}
		switch {
		case money:
			m := bp
			if o.Notional.IsPositive() && o.Notional.LessThan(m) {
				m = o.Notional
			}
			open = m.DivRound(unit, 16).RoundFloor(e.units)
		case open.Mul(unit).GreaterThan(bp): // cut to what the buying power buys
			open = bp.DivRound(unit, 16).RoundFloor(e.units)
		}
		if open.IsNegative() {
			open = decimal.Zero
		}
		if reduce.IsZero() && open.IsZero() {
			switch {
			case !buy:
				e.refuse(o, at, fmt.Sprintf("insufficient margin: buying power %s (cash less twice the short notional %s) does not cover one unit at %s",
					bp.StringFixed(2), short.StringFixed(2), price.String()))
			case short.IsPositive():
				e.refuse(o, at, fmt.Sprintf("insufficient buying power %s (cash less twice the short notional %s)", bp.StringFixed(2),
					short.StringFixed(2)))
			default:
				e.refuse(o, at, "insufficient cash")
			}
			return
		}
	}
	var feeR, feeO decimal.Decimal
	if !feeRate.IsZero() {
		feeR, feeO = reduce.Mul(price).Mul(feeRate), open.Mul(price).Mul(feeRate)
	}
	qty, fee := open, feeO
	if !reduce.IsZero() {
		qty, fee = plus(reduce, open), plus(feeR, feeO)
	}
	e.st.FeesPaid = plus(e.st.FeesPaid, fee)
	f := Fill{OrderID: o.ID, Symbol: o.Symbol, Side: o.Side, Time: at, Price: price, Quantity: qty, Fee: fee, Reason: o.Reason}
	if !reduce.IsZero() {
		notional := reduce.Mul(price)
		var realised decimal.Decimal
		if buy { // covering a short: (entry − exit) × units
			e.st.Cash = minus(e.st.Cash.Sub(notional), feeR)
			realised = p.AvgCost.Sub(price).Mul(reduce)
			p.Quantity = p.Quantity.Add(reduce)
		} else {
			e.st.Cash = minus(e.st.Cash.Add(notional), feeR)
			realised = price.Sub(p.AvgCost).Mul(reduce)
			p.Quantity = p.Quantity.Sub(reduce)
		}
		e.st.Realised = e.st.Realised.Add(realised)
		t := &e.st.Trades[p.Trade]
		t.Sold = t.Sold.Add(reduce)
		t.Proceeds = t.Proceeds.Add(notional)
		t.Fees = plus(t.Fees, feeR)
		t.PnL = minus(t.PnL.Add(realised), feeR)
		if p.Quantity.IsZero() {
			exit := price // one fill closed it: its price is the average
			if !t.Sold.Equal(reduce) || price.Exponent() < -16 {
				exit = t.Proceeds.DivRound(t.Sold, 16)
			}
			tm := at
			t.ExitPrice, t.ExitTime = &exit, &tm
			delete(e.st.Positions, o.Symbol)
			e.events = append(e.events, Event{Kind: EventPositionClosed, Time: at, Symbol: o.Symbol, PnL: t.PnL, Reason: o.Reason})
			if t.PnL.IsNegative() && e.cfg.Risk.CooldownBars > 0 {
				e.st.Cooldown[o.Symbol] = e.st.Bars + e.cfg.Risk.CooldownBars + 1
			}
			p = nil
		}
	}
	if open.IsPositive() {
		notional := open.Mul(price)
		signed := open
		if buy {
			e.st.Cash = minus(e.st.Cash.Sub(notional), feeO)
		} else { // a short sale credits its proceeds
			e.st.Cash = minus(e.st.Cash.Add(notional), feeO)
			signed = open.Neg()
		}
		if p == nil {
			pf := price.InexactFloat64()
			p = &Position{Symbol: o.Symbol, AvgCost: price, OpenedAt: at, EntryBar: e.st.Bars, HighWater: pf, Trade: len(e.st.Trades)}
			if !buy {
				p.LowWater = pf
			}
			e.st.Positions[o.Symbol] = p
			e.st.Trades = append(e.st.Trades, Trade{Symbol: o.Symbol, EntryTime: at})
		} else {
			units := p.Quantity.Abs()
			p.AvgCost = p.AvgCost.Mul(units).Add(notional).DivRound(units.Add(open), 16)
		}
		p.Quantity = p.Quantity.Add(signed)
		t := &e.st.Trades[p.Trade]
		if t.Quantity.IsZero() && price.Exponent() >= -16 {
			t.EntryPrice = price // the average of one fill, as DivRound would give it
		} else {
			units := t.Quantity.Abs()
			t.EntryPrice = t.EntryPrice.Mul(units).Add(notional).DivRound(units.Add(open), 16)
		}
		t.Quantity = t.Quantity.Add(signed)
		t.Fees = plus(t.Fees, feeO)
		t.PnL = minus(t.PnL, feeO)
	}
	if p != nil {
		p.qty = p.Quantity.InexactFloat64()
	}
	e.cashF = e.st.Cash.InexactFloat64()
	e.events = append(e.events, Event{Kind: EventOrderFilled, Time: at, Symbol: o.Symbol, Fill: &f, Reason: o.Reason})
}

// buyingPower is what the open leg of an order on symbol may spend, fee
// included, once its reduce leg is done: cash less twice the notional of
// every short (this symbol's at price, the others' at their last close).
// A short's proceeds stay in cash as collateral and an equal amount of the
// account's own money backs it (an initial margin of 100%; Reg T asks 50%),
// so longs plus |shorts| never exceed equity at an entry: the rule
// generalises "a buy never spends more than cash". Without allow_short it is
// cash. short is the short notional it deducted.
func (e *Engine) buyingPower(symbol string, buy bool, reduce, price, feeRate decimal.Decimal) (bp, short decimal.Decimal) {
	bp = e.st.Cash
	if !reduce.IsZero() {
		n := reduce.Mul(price)
		if buy {
			bp = bp.Sub(n)
		} else {
			bp = bp.Add(n)
		}
		if !feeRate.IsZero() {
			bp = bp.Sub(n.Mul(feeRate))
		}
	}
	if !e.short {
		return bp, decimal.Zero
	}
	short = decimal.Zero
	for sym, q := range e.st.Positions {
		if !q.Quantity.IsNegative() {
			continue
		}
		if sym == symbol {
			short = short.Add(q.Quantity.Abs().Sub(reduce).Mul(price))
		} else {
			short = short.Add(q.Quantity.Abs().Mul(decimal.NewFromFloat(q.LastClose)))
		}
	}
	return bp.Sub(short.Add(short)), short
}

// noPosition is the refusal of an exit with nothing to exit.
func noPosition(buy, allowShort bool) string {
	switch {
	case buy:
		return "no short position to cover"
	case allowShort:
		return "no long position to sell (this order only reduces a position)"
	}
	return "no position to sell (shorting is not allowed)"
}

// plus is a + b, and minus a − b, without the arithmetic when b is zero (a
// fill without fees): the same value, one decimal operation less per fill.
func plus(a, b decimal.Decimal) decimal.Decimal {
	if b.IsZero() {
		return a
	}
	return a.Add(b)
}

func minus(a, b decimal.Decimal) decimal.Decimal {
	if b.IsZero() {
		return a
	}
	return a.Sub(b)
}
