package trading

import (
	"time"

	"github.com/shopspring/decimal"
)

// EventKind names what happened, for a service to turn into a notification.
type EventKind string

// Event kinds.
const (
	EventOrderFilled    EventKind = "order_filled"
	EventPositionClosed EventKind = "position_closed"
	EventStopHit        EventKind = "stop_hit"
	EventKillSwitch     EventKind = "kill_switch"
	EventOrderRefused   EventKind = "order_refused"
	EventOrderCancelled EventKind = "order_cancelled"
)

// Event is one notable change of a step.
type Event struct {
	Kind   EventKind       `json:"kind"`
	Time   time.Time       `json:"time"`
	Symbol string          `json:"symbol,omitempty"`
	Fill   *Fill           `json:"fill,omitempty"`
	PnL    decimal.Decimal `json:"pnl"`
	Reason string          `json:"reason,omitempty"`
}
