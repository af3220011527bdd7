package alpaca_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	sdk "github.com/alpacahq/alpaca-trade-api-go/v3/alpaca"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/broker"
	"github.com/vigilhq/vigil/broker/alpaca"
	"github.com/vigilhq/vigil/broker/alpaca/alpacatest"
)

type bundle struct {
	srv    *alpacatest.Server
	client *alpaca.Client
	mu     sync.Mutex
	waits  []time.Duration
}

func (b *bundle) slept() []time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Duration(nil), b.waits...)
}

func setup(t *testing.T, o alpacatest.Options) *bundle {
	t.Helper()
	b := &bundle{srv: alpacatest.New(t, o)}
	b.srv.SetPrice("AAPL", decimal.RequireFromString("190.50"))
	c, err := alpaca.New(alpaca.Config{KeyID: b.srv.KeyID(), SecretKey: b.srv.SecretKey(), BaseURL: b.srv.URL,
		Backoff: 100 * time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.waits = append(b.waits, d)
			return nil
		}})
	require.NoError(t, err)
	b.client = c
	return b
}

func market(key string, qty int64) broker.OrderRequest {
	return broker.OrderRequest{ClientOrderID: key, Symbol: "AAPL", Side: "buy", Type: "market", TimeInForce: "gtc",
		Qty: decimal.NewFromInt(qty)}
}

func TestSubmitSendsTheOrderUnderItsClientOrderID(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{})
	ctx := context.Background()

	o, err := b.client.Submit(ctx, broker.OrderRequest{ClientOrderID: "7:1700000000:0", Symbol: "AAPL", Side: "buy",
		Type: "limit", TimeInForce: "day", Qty: decimal.RequireFromString("3"), LimitPrice: decimal.RequireFromString("191.25")})
	require.NoError(t, err)
	require.Equal(t, "accepted", o.Status)
	require.Equal(t, "7:1700000000:0", o.ClientOrderID)
	require.NotEmpty(t, o.ID)

	// The bytes on the wire: Alpaca's order fields, decimals as strings.
	reqs := b.srv.Requests(http.MethodPost, "/v2/orders")
	require.Len(t, reqs, 1)
	var body map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	require.Equal(t, "AAPL", body["symbol"])
	require.Equal(t, "3", body["qty"])
	require.Equal(t, "buy", body["side"])
	require.Equal(t, "limit", body["type"])
	require.Equal(t, "day", body["time_in_force"])
	require.Equal(t, "191.25", body["limit_price"])
	require.Equal(t, "7:1700000000:0", body["client_order_id"])

	for _, tc := range []struct {
		typ          string
		limit, stop  string
		wantL, wantS any
	}{
		{"market", "", "", nil, nil},
		{"stop", "", "180", nil, "180"},
		{"stop_limit", "179.5", "180", "179.5", "180"},
	} {
		req := market("k-"+tc.typ, 1)
		req.Type, req.Side = tc.typ, "buy"
		if tc.limit != "" {
			req.LimitPrice = decimal.RequireFromString(tc.limit)
		}
		if tc.stop != "" {
			req.StopPrice = decimal.RequireFromString(tc.stop)
		}
		_, err := b.client.Submit(ctx, req)
		require.NoError(t, err, tc.typ)
		reqs := b.srv.Requests(http.MethodPost, "/v2/orders")
		var got map[string]any
		require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &got))
		require.Equal(t, tc.typ, got["type"])
		require.Equal(t, tc.wantL, got["limit_price"], tc.typ)
		require.Equal(t, tc.wantS, got["stop_price"], tc.typ)
	}
	require.True(t, b.client.Status().Connected())
}

func TestOrderFillsByPolling(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{FillAfterPolls: 2, Cash: decimal.NewFromInt(10000)})
	ctx := context.Background()
	_, err := b.client.Submit(ctx, market("fill-1", 10))
	require.NoError(t, err)

	for range 2 {
		o, err := b.client.OrderByClientID(ctx, "fill-1")
		require.NoError(t, err)
		require.Equal(t, "accepted", o.Status)
		require.True(t, o.FilledQty.IsZero())
		require.False(t, o.Final())
	}
	b.srv.SetPrice("AAPL", decimal.RequireFromString("191"))
	o, err := b.client.OrderByClientID(ctx, "fill-1")
	require.NoError(t, err)
	require.Equal(t, "filled", o.Status)
	require.True(t, o.Final())
	require.Equal(t, "10", o.FilledQty.String())
	require.Equal(t, "191", o.FilledAvgPrice.String())

	// 10000 − 10 × 191 = 8090 cash; equity = 8090 + 10 × 191 = 10000.
	acct, err := b.client.Account(ctx)
	require.NoError(t, err)
	require.Equal(t, "8090", acct.Cash.String())
	require.Equal(t, "10000", acct.Equity.String())
	pos, err := b.client.Positions(ctx)
	require.NoError(t, err)
	require.Len(t, pos, 1)
	require.Equal(t, broker.Position{Symbol: "AAPL", Qty: decimal.NewFromInt(10), AvgEntryPrice: decimal.NewFromInt(191)},
		broker.Position{Symbol: pos[0].Symbol, Qty: pos[0].Qty, AvgEntryPrice: pos[0].AvgEntryPrice.Truncate(2)})
}

func TestPartialFill(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{PartialFill: true})
	ctx := context.Background()
	_, err := b.client.Submit(ctx, market("part-1", 7))
	require.NoError(t, err)
	o, err := b.client.OrderByClientID(ctx, "part-1")
	require.NoError(t, err)
	require.Equal(t, "partially_filled", o.Status)
	require.Equal(t, "3", o.FilledQty.String()) // floor(7 / 2)
	b.srv.SetPrice("AAPL", decimal.RequireFromString("200"))
	o, err = b.client.OrderByClientID(ctx, "part-1")
	require.NoError(t, err)
	require.Equal(t, "filled", o.Status)
	require.Equal(t, "7", o.FilledQty.String())
	// (3 × 190.50 + 4 × 200) / 7 = 1371.50 / 7 = 195.92857143
	require.Equal(t, "195.92857143", o.FilledAvgPrice.String())
}

func TestRejections(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{Cash: decimal.NewFromInt(1000)})
	ctx := context.Background()

	// 6 × 190.50 = 1143 > 1000 of buying power: 403.
	_, err := b.client.Submit(ctx, market("rej-1", 6))
	var rej *broker.RejectedError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, http.StatusForbidden, rej.HTTPStatus)
	require.Equal(t, 40310000, rej.Code)
	require.Equal(t, "insufficient buying power", rej.Message)

	// An unknown symbol: 422 with Alpaca's message.
	req := market("rej-2", 1)
	req.Symbol = "NOPE"
	_, err = b.client.Submit(ctx, req)
	require.ErrorAs(t, err, &rej)
	require.Equal(t, http.StatusUnprocessableEntity, rej.HTTPStatus)
	require.Equal(t, `asset "NOPE" not found`, rej.Message)

	// A sell of more than held: 403.
	req = market("rej-3", 1)
	req.Side = "sell"
	_, err = b.client.Submit(ctx, req)
	require.ErrorAs(t, err, &rej)
	require.Contains(t, rej.Message, "insufficient qty available")

	require.Equal(t, 0, b.srv.OrderCount())
	require.True(t, b.client.Status().Connected(), "a rejection is an answer, not a connectivity failure")
	_, err = b.client.OrderByClientID(ctx, "rej-1")
	require.ErrorIs(t, err, broker.ErrNotFound)
}

func TestRateLimitRetriesAfterRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{})
	ctx := context.Background()
	b.srv.Inject(alpacatest.Fault{Method: http.MethodPost, Path: "/v2/orders", Status: http.StatusTooManyRequests, RetryAfter: "7", Times: 2})

	o, err := b.client.Submit(ctx, market("rl-1", 1))
	require.NoError(t, err)
	require.Equal(t, "rl-1", o.ClientOrderID)
	require.Equal(t, []time.Duration{7 * time.Second, 7 * time.Second}, b.slept(), "Retry-After is honoured")
	reqs := b.srv.Requests(http.MethodPost, "/v2/orders")
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		require.Contains(t, string(r.Body), `"client_order_id":"rl-1"`, "every attempt carries the whole body")
	}
	require.Equal(t, 1, b.srv.OrderCount())

	// A 429 that outlasts the retries (4 by default) is an error, and the
	// order is not placed.
	b.srv.Inject(alpacatest.Fault{Method: http.MethodPost, Path: "/v2/orders", Status: http.StatusTooManyRequests, Times: 5})
	_, err = b.client.Submit(ctx, market("rl-2", 1))
	require.ErrorContains(t, err, "rate limited (HTTP 429) after 5 attempts")
	var rej *broker.RejectedError
	require.False(t, errors.As(err, &rej), "a rate limit is not a rejection: the order is submitted again later")
	require.Len(t, b.srv.Requests(http.MethodPost, "/v2/orders"), 3+5)
	// Without Retry-After: the backoff, doubled: 100, 200, 400, 800 ms.
	require.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond},
		b.slept()[2:])
	require.False(t, b.client.Status().Connected())
	require.Contains(t, b.client.Status().LastError, "429")
}

func TestServerErrorsRetryWithBackoff(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{})
	ctx := context.Background()
	b.srv.Inject(alpacatest.Fault{Method: http.MethodGet, Path: "/v2/account", Status: http.StatusInternalServerError})
	b.srv.Inject(alpacatest.Fault{Method: http.MethodGet, Path: "/v2/account", Status: http.StatusServiceUnavailable})
	acct, err := b.client.Account(ctx)
	require.NoError(t, err)
	require.Equal(t, "100000", acct.Cash.String())
	require.Len(t, b.srv.Requests(http.MethodGet, "/v2/account"), 3)
	require.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, b.slept())

	// 5xx beyond the retries: the SDK's APIError, wrapped.
	b.srv.Inject(alpacatest.Fault{Method: http.MethodGet, Path: "/v2/positions", Status: http.StatusBadGateway, Times: 5})
	_, err = b.client.Positions(ctx)
	var api *sdk.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, http.StatusBadGateway, api.StatusCode)
	require.Len(t, b.srv.Requests(http.MethodGet, "/v2/positions"), 5)
}

func TestLostSubmitAnswerIsNotPlacedTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{})
	ctx := context.Background()
	// The order is placed, then the answer is a 500: the retry meets
	// "client_order_id must be unique" and the client reads the order.
	b.srv.Inject(alpacatest.Fault{Method: http.MethodPost, Path: "/v2/orders", Status: http.StatusInternalServerError, After: true})
	o, err := b.client.Submit(ctx, market("lost-1", 2))
	require.NoError(t, err)
	require.Equal(t, "lost-1", o.ClientOrderID)
	require.Equal(t, "2", o.Qty.String())
	require.Equal(t, 1, b.srv.OrderCount())
	require.Len(t, b.srv.Requests(http.MethodPost, "/v2/orders"), 2)
	require.Len(t, b.srv.Requests(http.MethodGet, "/v2/orders:by_client_order_id"), 1)
}

func TestCancel(t *testing.T) {
	t.Parallel()
	b := setup(t, alpacatest.Options{FillAfterPolls: 5})
	ctx := context.Background()
	o, err := b.client.Submit(ctx, market("c-1", 1))
	require.NoError(t, err)
	require.NoError(t, b.client.Cancel(ctx, o.ID))
	got, err := b.client.OrderByClientID(ctx, "c-1")
	require.NoError(t, err)
	require.Equal(t, "canceled", got.Status)
	require.ErrorContains(t, b.client.Cancel(ctx, o.ID), "order is not cancelable")
	require.ErrorIs(t, b.client.Cancel(ctx, "no-such-id"), broker.ErrNotFound)
}

func TestAuthFailure(t *testing.T) {
	t.Parallel()
	srv := alpacatest.New(t, alpacatest.Options{})
	srv.SetPrice("AAPL", decimal.NewFromInt(100))
	c, err := alpaca.New(alpaca.Config{KeyID: srv.KeyID(), SecretKey: "wrong", BaseURL: srv.URL})
	require.NoError(t, err)
	ctx := context.Background()
	require.ErrorIs(t, c.Ping(ctx), broker.ErrAuth)
	_, err = c.Submit(ctx, market("a-1", 1))
	require.ErrorIs(t, err, broker.ErrAuth)
	var rej *broker.RejectedError
	require.False(t, errors.As(err, &rej), "bad credentials do not reject the order")
	st := c.Status()
	require.False(t, st.Connected())
	require.Contains(t, st.LastError, "request is not authorized")
	require.Equal(t, 0, srv.OrderCount())
	// The headers the stand-in checks are the ones the SDK sends.
	require.Len(t, srv.Requests("", ""), 2)
}

func TestNewRefusesLiveAndMissingKeys(t *testing.T) {
	t.Parallel()
	_, err := alpaca.New(alpaca.Config{KeyID: "k"})
	require.ErrorIs(t, err, broker.ErrNoCredentials)
	_, err = alpaca.New(alpaca.Config{KeyID: "k", SecretKey: "s", BaseURL: "https://api.alpaca.markets/"})
	require.ErrorContains(t, err, "live trading")
}

// TestSDKRetryResendsEmptyBody documents why the retries are below the
// SDK: its own 429 loop re-sends the POST request whose body the first
// attempt read.
func TestSDKRetryResendsEmptyBody(t *testing.T) {
	t.Parallel()
	srv := alpacatest.New(t, alpacatest.Options{})
	srv.SetPrice("AAPL", decimal.NewFromInt(100))
	srv.Inject(alpacatest.Fault{Method: http.MethodPost, Path: "/v2/orders", Status: http.StatusTooManyRequests})
	c := sdk.NewClient(sdk.ClientOpts{APIKey: srv.KeyID(), APISecret: srv.SecretKey(), BaseURL: srv.URL, RetryLimit: 1,
		RetryDelay: time.Nanosecond})
	qty := decimal.NewFromInt(1)
	_, err := c.PlaceOrder(sdk.PlaceOrderRequest{Symbol: "AAPL", Qty: &qty, Side: sdk.Buy, Type: sdk.Market,
		TimeInForce: sdk.GTC, ClientOrderID: "sdk-1"})
	require.ErrorContains(t, err, "http: ContentLength=")
	require.ErrorContains(t, err, "with Body length 0")
	require.Equal(t, 0, srv.OrderCount())
}
