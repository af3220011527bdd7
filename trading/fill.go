package trading

import (
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
// and the accounting, and emits events. A buy that floors to 0 units is
// refused for insufficient cash.
func (e *Engine) fill(o Order, at time.Time, price, feeRate decimal.Decimal) {
	p := e.st.Positions[o.Symbol]
	var qty decimal.Decimal
	switch {
	case o.Side == Buy:
		money := e.st.Cash
		if o.Notional.IsPositive() && o.Notional.LessThan(money) {
			money = o.Notional
		}
		if o.Quantity.IsPositive() {
			qty = o.Quantity
			if qty.Mul(price).Mul(one.Add(feeRate)).GreaterThan(e.st.Cash) {
				money, qty = e.st.Cash, decimal.Zero // cut to what cash buys
			}
		}
		if qty.IsZero() {
			unit := price
			if !feeRate.IsZero() {
				unit = price.Mul(one.Add(feeRate))
			}
			qty = money.DivRound(unit, 16).RoundFloor(e.units)
		}
		if !qty.IsPositive() {
			e.refuse(o, at, "insufficient cash")
			return
		}
	default:
		if p == nil {
			e.refuse(o, at, "no position to sell (shorting is not allowed)")
			return
		}
		qty = p.Quantity
		if !o.Close && o.Quantity.LessThan(qty) {
			qty = o.Quantity
		}
	}
	notional := qty.Mul(price)
	fee := decimal.Zero
	if !feeRate.IsZero() {
		fee = notional.Mul(feeRate)
	}
	e.st.FeesPaid = plus(e.st.FeesPaid, fee)
	f := Fill{OrderID: o.ID, Symbol: o.Symbol, Side: o.Side, Time: at, Price: price, Quantity: qty, Fee: fee, Reason: o.Reason}
	if o.Side == Buy {
		e.st.Cash = minus(e.st.Cash.Sub(notional), fee)
		if p == nil {
			p = &Position{Symbol: o.Symbol, AvgCost: price, OpenedAt: at, EntryBar: e.st.Bars, HighWater: price.InexactFloat64(),
				Trade: len(e.st.Trades)}
			e.st.Positions[o.Symbol] = p
			e.st.Trades = append(e.st.Trades, Trade{Symbol: o.Symbol, EntryTime: at})
		} else {
			p.AvgCost = p.AvgCost.Mul(p.Quantity).Add(notional).DivRound(p.Quantity.Add(qty), 16)
		}
		p.Quantity = p.Quantity.Add(qty)
		t := &e.st.Trades[p.Trade]
		if t.Quantity.IsZero() && price.Exponent() >= -16 {
			t.EntryPrice = price // the average of one fill, as DivRound would give it
		} else {
			t.EntryPrice = t.EntryPrice.Mul(t.Quantity).Add(notional).DivRound(t.Quantity.Add(qty), 16)
		}
		t.Quantity = t.Quantity.Add(qty)
		t.Fees = plus(t.Fees, fee)
		t.PnL = minus(t.PnL, fee)
	} else {
		e.st.Cash = minus(e.st.Cash.Add(notional), fee)
		realised := price.Sub(p.AvgCost).Mul(qty)
		e.st.Realised = e.st.Realised.Add(realised)
		p.Quantity = p.Quantity.Sub(qty)
		t := &e.st.Trades[p.Trade]
		t.Sold = t.Sold.Add(qty)
		t.Proceeds = t.Proceeds.Add(notional)
		t.Fees = plus(t.Fees, fee)
		t.PnL = minus(t.PnL.Add(realised), fee)
		if !p.Quantity.IsPositive() {
			exit := price // one sell closed it: its price is the average
			if !t.Sold.Equal(qty) || price.Exponent() < -16 {
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
	if p != nil {
		p.qty = p.Quantity.InexactFloat64()
	}
	e.cashF = e.st.Cash.InexactFloat64()
	e.events = append(e.events, Event{Kind: EventOrderFilled, Time: at, Symbol: o.Symbol, Fill: &f, Reason: o.Reason})
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
