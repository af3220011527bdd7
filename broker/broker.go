// Package broker is the interface a trading bot places orders through when
// its orders go to a real brokerage rather than trading's paper fill model:
// submit an order under the bot's idempotency key (the broker's
// client_order_id), look it up by that key, cancel it, read the account and
// the positions, and check connectivity. Implementations live in
// sub-packages (broker/alpaca); this package imports no HTTP client, pgx or
// River.
package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Names of the brokers a bot can use (trading_bots.broker).
const (
	// Paper is trading's built-in fill model: the engine fills orders on
	// the next bar itself, no Broker is involved.
	Paper = "paper"
	// Alpaca is Alpaca's paper trading API (broker/alpaca).
	Alpaca = "alpaca"
)

// OrderRequest is an order to submit. Qty is in units (whole, or
// fractional when the broker allows it); LimitPrice and StopPrice are set
// for limit, stop and stop_limit orders.
type OrderRequest struct {
	// ClientOrderID is the bot order's idempotency key: the broker refuses
	// a second order with the same one, and OrderByClientID finds it.
	ClientOrderID string
	Symbol        string
	Side          string // buy, sell
	Type          string // market, limit, stop, stop_limit
	TimeInForce   string // gtc, day
	Qty           decimal.Decimal
	LimitPrice    decimal.Decimal
	StopPrice     decimal.Decimal
}

// Order is the broker's view of an order.
type Order struct {
	ID            string
	ClientOrderID string
	Symbol        string
	Side          string
	Type          string
	// Status is the broker's status (Alpaca: new, accepted,
	// partially_filled, filled, canceled, expired, rejected, ...).
	Status    string
	Qty       decimal.Decimal
	FilledQty decimal.Decimal
	// FilledAvgPrice is the average price of FilledQty (zero before a fill).
	FilledAvgPrice decimal.Decimal
	UpdatedAt      time.Time
}

// Final reports whether the order will not change any more.
func (o Order) Final() bool {
	switch o.Status {
	case "filled", "canceled", "expired", "rejected", "replaced", "done_for_day":
		return true
	}
	return false
}

// Account is the broker account's money.
type Account struct {
	Cash        decimal.Decimal
	Equity      decimal.Decimal
	BuyingPower decimal.Decimal
}

// Position is a holding at the broker.
type Position struct {
	Symbol        string
	Qty           decimal.Decimal
	AvgEntryPrice decimal.Decimal
}

// Broker places and reads orders at a brokerage. Implementations retry
// what is worth retrying (rate limits, server errors) themselves; the
// errors they return are final for this call.
type Broker interface {
	// Submit places req; a refusal by the broker (insufficient buying
	// power, an invalid order) is a *RejectedError.
	Submit(ctx context.Context, req OrderRequest) (Order, error)
	// OrderByClientID finds the order submitted under clientOrderID;
	// ErrNotFound when there is none.
	OrderByClientID(ctx context.Context, clientOrderID string) (Order, error)
	// Cancel asks the broker to cancel an open order by its broker id.
	Cancel(ctx context.Context, orderID string) error
	Account(ctx context.Context) (Account, error)
	Positions(ctx context.Context) ([]Position, error)
	// Ping checks that the broker answers and accepts the credentials.
	Ping(ctx context.Context) error
	// Status is the connectivity seen by the calls so far.
	Status() Status
}

// Status is a broker client's connectivity: when a call last succeeded,
// and the newest failure (if it came after that success).
type Status struct {
	LastOK    time.Time `json:"last_ok,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	ErrorAt   time.Time `json:"error_at,omitzero"`
}

// Connected reports whether the newest call succeeded (and one did).
func (s Status) Connected() bool { return !s.LastOK.IsZero() && !s.ErrorAt.After(s.LastOK) }

// Errors callers branch on.
var (
	// ErrNotFound: the broker has no such order.
	ErrNotFound = errors.New("broker: order not found")
	// ErrAuth: the broker refused the credentials (401/403 on a read).
	ErrAuth = errors.New("broker: credentials refused")
	// ErrNoCredentials: the owner has stored no credentials for the broker.
	ErrNoCredentials = errors.New("broker: no credentials")
)

// RejectedError is an order the broker refused (a 4xx answer to a
// submission): it will not be placed, and retrying it is pointless.
type RejectedError struct {
	HTTPStatus int
	Code       int
	Message    string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("rejected by the broker: %s (HTTP %d, code %d)", e.Message, e.HTTPStatus, e.Code)
}
