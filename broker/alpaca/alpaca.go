// Package alpaca is the broker.Broker of Alpaca's paper trading API, on
// Alpaca's own Go SDK (github.com/alpacahq/alpaca-trade-api-go/v3): orders
// are placed with the bot order's idempotency key as client_order_id and
// looked up by it (GET /v2/orders:by_client_order_id) so that a retried
// submission never places a second order.
//
// Retries: the SDK retries a 429 itself, RetryLimit times after a fixed
// RetryDelay, but ignores Retry-After, does not retry 5xx answers, and
// re-sends a POST whose body its first attempt consumed (the retried
// order arrives empty). So the client's HTTP transport (retry.go) does the
// retrying below the SDK: 429 after Retry-After (or the backoff), 500, 502,
// 503 and 504 with exponential backoff, each attempt with the request body
// rewound; a 429 still there after the last attempt becomes an error, so
// the SDK's own 429 loop is never entered. A submission retried after its
// answer was lost meets "client_order_id must be unique" (422) and is
// answered with the order found by its client_order_id. Other 4xx answers
// to a submission (403 insufficient buying power, 422 invalid) are a
// *broker.RejectedError carrying Alpaca's message; 401 is broker.ErrAuth.
//
// Only the paper API is supported: live trading is refused.
package alpaca

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	sdk "github.com/alpacahq/alpaca-trade-api-go/v3/alpaca"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/broker"
)

// PaperURL is Alpaca's paper trading endpoint, the default base URL.
const PaperURL = "https://paper-api.alpaca.markets"

// Config configures a Client.
type Config struct {
	KeyID, SecretKey string
	// BaseURL is the API's base URL (default PaperURL); tests point it at
	// the stand-in (alpacatest).
	BaseURL string
	// Retries is how many times a 429 or 5xx answer is retried (default
	// 4; negative: none).
	Retries int
	// Backoff is the first retry's wait, doubled at each retry (default
	// 500 ms); a Retry-After header overrides it.
	Backoff time.Duration
	// MaxWait caps one wait, Retry-After's included (default 30 s).
	MaxWait time.Duration
	// Timeout bounds one HTTP attempt (default 10 s).
	Timeout time.Duration
	// Sleep waits between attempts (nil: a timer that ctx cancels).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of Status (nil: time.Now).
	Now func() time.Time
}

// Client is Alpaca's paper trading API as a broker.Broker; safe for
// concurrent use.
type Client struct {
	cfg  Config
	http *http.Client

	mu     sync.Mutex
	status broker.Status
}

var _ broker.Broker = (*Client)(nil)

// New returns a Client; the key id and secret are required.
func New(cfg Config) (*Client, error) {
	if cfg.KeyID == "" || cfg.SecretKey == "" {
		return nil, fmt.Errorf("alpaca: key_id and secret_key are required: %w", broker.ErrNoCredentials)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = PaperURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "https://api.alpaca.markets" {
		return nil, errors.New("alpaca: live trading (api.alpaca.markets) is not supported; only the paper API")
	}
	if cfg.Retries == 0 {
		cfg.Retries = 4
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 30 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, http: &http.Client{Timeout: cfg.Timeout}}, nil
}

// sdk is an SDK client whose requests carry ctx and go through the
// retrying transport. The SDK takes no context, so one is built per call
// (a few fields; the connection pool is shared).
func (c *Client) sdk(ctx context.Context) *sdk.Client {
	hc := &http.Client{Timeout: c.cfg.Timeout, Transport: &retryTransport{ctx: ctx, cfg: &c.cfg, next: transport(c.http)}}
	// RetryLimit 1 / RetryDelay 1ns: the SDK's loop is not reached (the
	// transport turns a final 429 into an error), these only keep its
	// defaults (3 retries, 1 s) from applying if it ever were.
	return sdk.NewClient(sdk.ClientOpts{APIKey: c.cfg.KeyID, APISecret: c.cfg.SecretKey, BaseURL: c.cfg.BaseURL,
		RetryLimit: 1, RetryDelay: time.Nanosecond, HTTPClient: hc})
}

func transport(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

// Submit places req under its client_order_id.
func (c *Client) Submit(ctx context.Context, req broker.OrderRequest) (broker.Order, error) {
	if req.ClientOrderID == "" {
		return broker.Order{}, errors.New("alpaca: submit: client_order_id is required")
	}
	if !req.Qty.IsPositive() {
		return broker.Order{}, errors.New("alpaca: submit: qty must be > 0")
	}
	qty := req.Qty
	pr := sdk.PlaceOrderRequest{Symbol: req.Symbol, Qty: &qty, Side: sdk.Side(req.Side), Type: sdk.OrderType(req.Type),
		TimeInForce: sdk.TimeInForce(req.TimeInForce), ClientOrderID: req.ClientOrderID}
	if pr.TimeInForce == "" {
		pr.TimeInForce = sdk.GTC
	}
	switch req.Type {
	case "market":
	case "limit":
		pr.LimitPrice = ptr(req.LimitPrice)
	case "stop":
		pr.StopPrice = ptr(req.StopPrice)
	case "stop_limit":
		pr.LimitPrice, pr.StopPrice = ptr(req.LimitPrice), ptr(req.StopPrice)
	default:
		return broker.Order{}, fmt.Errorf("alpaca: submit: order type %q: must be market, limit, stop or stop_limit", req.Type)
	}
	o, err := c.sdk(ctx).PlaceOrder(pr)
	if err == nil {
		c.ok()
		return orderOf(o), nil
	}
	var api *sdk.APIError
	if errors.As(err, &api) {
		switch {
		case api.StatusCode == http.StatusUnprocessableEntity && strings.Contains(api.Message, "client_order_id must be unique"):
			// Placed by an earlier attempt whose answer was lost.
			c.ok()
			return c.OrderByClientID(ctx, req.ClientOrderID)
		case api.StatusCode == http.StatusUnauthorized:
			return broker.Order{}, c.fail(fmt.Errorf("alpaca: submit %s: %w: %s", req.ClientOrderID, broker.ErrAuth, api.Message))
		case api.StatusCode >= 400 && api.StatusCode < 500 && api.StatusCode != http.StatusTooManyRequests:
			c.ok() // the broker answered
			return broker.Order{}, &broker.RejectedError{HTTPStatus: api.StatusCode, Code: api.Code, Message: api.Message}
		}
	}
	return broker.Order{}, c.fail(fmt.Errorf("alpaca: submit %s: %w", req.ClientOrderID, err))
}

// OrderByClientID reads the order placed under clientOrderID.
func (c *Client) OrderByClientID(ctx context.Context, clientOrderID string) (broker.Order, error) {
	o, err := c.sdk(ctx).GetOrderByClientOrderID(clientOrderID)
	if err != nil {
		return broker.Order{}, c.readErr("get order "+clientOrderID, err)
	}
	c.ok()
	return orderOf(o), nil
}

// Cancel cancels the open order orderID (Alpaca's id).
func (c *Client) Cancel(ctx context.Context, orderID string) error {
	if err := c.sdk(ctx).CancelOrder(orderID); err != nil {
		return c.readErr("cancel order "+orderID, err)
	}
	c.ok()
	return nil
}

// Account reads cash, equity and buying power.
func (c *Client) Account(ctx context.Context) (broker.Account, error) {
	a, err := c.sdk(ctx).GetAccount()
	if err != nil {
		return broker.Account{}, c.readErr("get account", err)
	}
	c.ok()
	return broker.Account{Cash: a.Cash, Equity: a.Equity, BuyingPower: a.BuyingPower}, nil
}

// Positions reads the open positions.
func (c *Client) Positions(ctx context.Context) ([]broker.Position, error) {
	ps, err := c.sdk(ctx).GetPositions()
	if err != nil {
		return nil, c.readErr("get positions", err)
	}
	c.ok()
	out := make([]broker.Position, len(ps))
	for i, p := range ps {
		out[i] = broker.Position{Symbol: p.Symbol, Qty: p.Qty, AvgEntryPrice: p.AvgEntryPrice}
	}
	return out, nil
}

// Ping reads the account: it checks the endpoint and the credentials.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Account(ctx)
	return err
}

// Status is the connectivity seen so far.
func (c *Client) Status() broker.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

func (c *Client) ok() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.LastOK = c.cfg.Now()
}

func (c *Client) fail(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.LastError, c.status.ErrorAt = err.Error(), c.cfg.Now()
	return err
}

// readErr maps a read's error: 404 is broker.ErrNotFound (the broker
// answered), 401 and 403 broker.ErrAuth.
func (c *Client) readErr(what string, err error) error {
	var api *sdk.APIError
	if errors.As(err, &api) {
		switch api.StatusCode {
		case http.StatusNotFound:
			c.ok()
			return fmt.Errorf("alpaca: %s: %w", what, broker.ErrNotFound)
		case http.StatusUnauthorized, http.StatusForbidden:
			return c.fail(fmt.Errorf("alpaca: %s: %w: %s", what, broker.ErrAuth, api.Message))
		}
	}
	return c.fail(fmt.Errorf("alpaca: %s: %w", what, err))
}

func orderOf(o *sdk.Order) broker.Order {
	out := broker.Order{ID: o.ID, ClientOrderID: o.ClientOrderID, Symbol: o.Symbol, Side: string(o.Side), Type: string(o.Type),
		Status: o.Status, FilledQty: o.FilledQty, UpdatedAt: o.UpdatedAt}
	if o.Qty != nil {
		out.Qty = *o.Qty
	}
	if o.FilledAvgPrice != nil {
		out.FilledAvgPrice = *o.FilledAvgPrice
	}
	return out
}

func ptr(d decimal.Decimal) *decimal.Decimal { return &d }
