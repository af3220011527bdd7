package trading

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Side is buy or sell.
type Side string

// Sides.
const (
	Buy  Side = "buy"
	Sell Side = "sell"
)

// OrderType is how an order is priced.
type OrderType string

// Order types.
const (
	Market    OrderType = "market"
	Limit     OrderType = "limit"
	Stop      OrderType = "stop"
	StopLimit OrderType = "stop_limit"
)

// TimeInForce says how long an order rests.
type TimeInForce string

// Times in force.
const (
	GTC TimeInForce = "gtc"
	Day TimeInForce = "day"
)

// Order is an instruction a strategy (or an action) gives the broker.
//
// Exactly one sizing applies: Quantity (units), Notional (money to spend on
// a buy, capped by buying power), AllCash (a buy spending all available
// buying power at the fill) or Close (the whole position: a sell of a long,
// a buy covering a short). With allow_short, Notional and AllCash also size
// short sales, which spend buying power like buys (see the package doc).
type Order struct {
	ID       int64           `json:"id"`
	Symbol   string          `json:"symbol"`
	Side     Side            `json:"side"`
	Type     OrderType       `json:"type"`
	TIF      TimeInForce     `json:"tif"`
	Quantity decimal.Decimal `json:"quantity"`
	Notional decimal.Decimal `json:"notional"`
	AllCash  bool            `json:"all_cash,omitempty"`
	Close    bool            `json:"close,omitempty"`
	// ReduceOnly orders only ever bring the position towards flat: never
	// past it (a trading action's sell never opens a short).
	ReduceOnly bool            `json:"reduce_only,omitempty"`
	LimitPrice decimal.Decimal `json:"limit_price"`
	StopPrice  decimal.Decimal `json:"stop_price"`
	Triggered  bool            `json:"triggered,omitempty"` // a stop-limit whose stop was touched
	Reason     string          `json:"reason,omitempty"`    // why it was placed: "signal", "stop_loss", "action"...
	// RefPrice is the close a broker-filled order was sized at (see
	// Config.BrokerFills); zero otherwise.
	RefPrice    decimal.Decimal `json:"ref_price,omitzero"`
	SubmittedAt time.Time       `json:"submitted_at"`
}

// check reports an order that cannot be understood; allowShort lets
// notional and all_cash size sells (short sales).
func (o Order) check(allowShort bool) error {
	switch o.Side {
	case Buy, Sell:
	default:
		return fmt.Errorf("order side %q: must be buy or sell", o.Side)
	}
	switch o.Type {
	case Market:
	case Limit:
		if !o.LimitPrice.IsPositive() {
			return fmt.Errorf("limit order: limit_price must be > 0")
		}
	case Stop:
		if !o.StopPrice.IsPositive() {
			return fmt.Errorf("stop order: stop_price must be > 0")
		}
	case StopLimit:
		if !o.StopPrice.IsPositive() || !o.LimitPrice.IsPositive() {
			return fmt.Errorf("stop_limit order: stop_price and limit_price must be > 0")
		}
	default:
		return fmt.Errorf("order type %q: must be market, limit, stop or stop_limit", o.Type)
	}
	switch o.TIF {
	case GTC, Day, "":
	default:
		return fmt.Errorf("order tif %q: must be gtc or day", o.TIF)
	}
	n := 0
	if o.Quantity.IsPositive() {
		n++
	}
	if o.Notional.IsPositive() {
		n++
	}
	if o.AllCash {
		n++
	}
	if o.Close {
		n++
	}
	if n != 1 {
		return fmt.Errorf("order: exactly one of quantity > 0, notional > 0, all_cash, close is required")
	}
	if (o.Notional.IsPositive() || o.AllCash) && o.Side != Buy && !allowShort {
		return fmt.Errorf("order: notional and all_cash size buys only (sells too with allow_short)")
	}
	if (o.Notional.IsPositive() || o.AllCash) && o.ReduceOnly {
		return fmt.Errorf("order: a reduce_only order is sized by quantity or close")
	}
	return nil
}

// Fill is an executed order.
type Fill struct {
	OrderID  int64           `json:"order_id"`
	Symbol   string          `json:"symbol"`
	Side     Side            `json:"side"`
	Time     time.Time       `json:"time"`
	Price    decimal.Decimal `json:"price"`
	Quantity decimal.Decimal `json:"quantity"`
	Fee      decimal.Decimal `json:"fee"`
	Reason   string          `json:"reason,omitempty"`
}

// Refusal is an order the risk engine or the broker would not take.
type Refusal struct {
	Order  Order     `json:"order"`
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
}
