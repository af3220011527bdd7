package trading

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Broker-filled mode (Config.BrokerFills): see the package doc.

// sizeForBroker gives an accepted order the fixed quantity a broker order
// needs; it returns a refusal reason, "" when sized.
func (e *Engine) sizeForBroker(o *Order, in *Input) string {
	p := e.st.Positions[o.Symbol]
	held := decimal.Zero
	if p != nil {
		held = p.Quantity
	}
	ref := decimal.NewFromFloat(in.Bar.Close)
	if !ref.IsPositive() && p != nil {
		ref = decimal.NewFromFloat(p.LastClose)
	}
	o.RefPrice = ref
	switch {
	case o.Close:
		if !held.IsPositive() {
			return noPosition(o.Side == Buy, false)
		}
		o.Quantity = held
	case o.Side == Sell:
		if !held.IsPositive() {
			return noPosition(false, false)
		}
		o.Quantity = decimal.Min(o.Quantity, held)
	case o.AllCash || o.Notional.IsPositive():
		if !ref.IsPositive() {
			return "no price to size the order at (no close yet)"
		}
		money := e.st.Cash
		for _, q := range e.st.Orders {
			if q.Side == Buy {
				price := q.RefPrice
				if q.Type == Limit || q.Type == StopLimit {
					price = q.LimitPrice
				}
				money = money.Sub(q.Quantity.Mul(price))
			}
		}
		if o.Notional.IsPositive() && o.Notional.LessThan(money) {
			money = o.Notional
		}
		unit := ref.Mul(one.Add(e.takerF))
		o.Quantity = decimal.Zero
		if money.IsPositive() {
			o.Quantity = money.DivRound(unit, 16).RoundFloor(e.units)
		}
		if !o.Quantity.IsPositive() {
			return "insufficient cash"
		}
	}
	return ""
}

// protectOrder is a protective exit in broker-filled mode: a market order
// closing p, unless one is open already.
func (e *Engine) protectOrder(p *Position, at time.Time, close float64, reason string) {
	for _, q := range e.st.Orders {
		if q.Symbol == p.Symbol && q.Close {
			return
		}
	}
	o := Order{ID: e.st.NextOrderID, Symbol: p.Symbol, Side: Sell, Type: Market, TIF: GTC, Close: true,
		Quantity: p.Quantity, RefPrice: decimal.NewFromFloat(close), Reason: reason, SubmittedAt: at}
	e.st.NextOrderID++
	e.st.Orders = append(e.st.Orders, o)
	if reason != "take_profit" {
		e.events = append(e.events, Event{Kind: EventStopHit, Time: at, Symbol: p.Symbol, Reason: reason})
	}
}

// ApplyFill books a broker's fill of qty units at price of the open order
// id at time at (broker-filled mode; see above) and returns its events: the
// fill, and the close of the position when it closed one. The order stays
// open, its quantity reduced by qty, until FinishOrder.
func (e *Engine) ApplyFill(id int64, qty, price decimal.Decimal, at time.Time) ([]Event, error) {
	if !e.cfg.BrokerFills {
		return nil, fmt.Errorf("apply fill of order %d: the engine fills its own orders (not broker-filled)", id)
	}
	if !qty.IsPositive() || !price.IsPositive() {
		return nil, fmt.Errorf("apply fill of order %d: quantity %s and price %s must be > 0", id, qty, price)
	}
	i := e.orderIndex(id)
	if i < 0 {
		return nil, fmt.Errorf("apply fill of order %d: no such open order", id)
	}
	e.events = e.events[:0]
	o := e.st.Orders[i]
	fo := o
	fo.Quantity, fo.Notional, fo.AllCash, fo.Close, fo.ReduceOnly = qty, decimal.Zero, false, false, o.Side == Sell
	fee := e.takerF
	if o.Type == Limit || o.Type == StopLimit {
		fee = e.makerF
	}
	_, existed := e.st.Positions[o.Symbol]
	e.fillExact(fo, at, price, fee)
	if p := e.st.Positions[o.Symbol]; p != nil && !existed {
		p.EntryBar = e.st.Bars + 1 // filled during the bar the next Step decides: protected from the one after
	}
	if rest := o.Quantity.Sub(qty); rest.IsPositive() {
		e.st.Orders[i].Quantity = rest
	} else {
		e.st.Orders[i].Quantity = decimal.Zero
	}
	return e.events, nil
}

// FinishOrder removes the open order id once the broker reports it final
// (filled, cancelled, expired, rejected); it returns the order as it was.
func (e *Engine) FinishOrder(id int64) (Order, bool) {
	i := e.orderIndex(id)
	if i < 0 {
		return Order{}, false
	}
	o := e.st.Orders[i]
	e.st.Orders = append(e.st.Orders[:i], e.st.Orders[i+1:]...)
	return o, true
}

func (e *Engine) orderIndex(id int64) int {
	for i, o := range e.st.Orders {
		if o.ID == id {
			return i
		}
	}
	return -1
}
