package tradingbot_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/broker"
	"github.com/vigilhq/vigil/broker/alpaca"
	"github.com/vigilhq/vigil/broker/alpaca/alpacatest"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/health"
	"github.com/vigilhq/vigil/secrets"
	"github.com/vigilhq/vigil/tradingbot"
)

const alpacaDef = `{"name": "live", "strategy": "alert_signals", "params": {}, "symbols": ["AAPL"], "timeframe": "1m",
	"cash": 10000, "broker": "alpaca"}`

// alpacaEnv is a setup whose user has Alpaca credentials for a stand-in.
type alpacaEnv struct {
	*env
	srv     *alpacatest.Server
	brokers *tradingbot.AlpacaBrokers
}

func setupAlpaca(t *testing.T, o alpacatest.Options) *alpacaEnv {
	t.Helper()
	e := setup(t)
	srv := alpacatest.New(t, o)
	srv.SetPrice("AAPL", decimal.RequireFromString("100"))
	kr, err := secrets.NewKeyring("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	require.NoError(t, err)
	brokers := &tradingbot.AlpacaBrokers{Keyring: kr, BaseURL: srv.URL, Configure: func(c *alpaca.Config) {
		c.Retries, c.Backoff = 1, time.Millisecond
	}}
	e.svc.UseBrokers(brokers)
	require.NoError(t, pgx.BeginFunc(e.ctx, e.pool, func(tx pgx.Tx) error {
		_, err := store.SetBrokerCredentials(e.ctx, tx, kr, audit.Entry{Actor: e.user, Source: audit.SourceCLI},
			store.BrokerCredentials{UserID: e.user, Broker: "alpaca", KeyID: srv.KeyID(), SecretKey: srv.SecretKey(), Paper: true})
		return err
	}))
	return &alpacaEnv{env: e, srv: srv, brokers: brokers}
}

func (a *alpacaEnv) runner(owner string, o tradingbot.Options) *tradingbot.Runner {
	o.Brokers = a.brokers
	return a.env.runner(owner, o)
}

// action queues a trading action for the bot "live".
func (a *alpacaEnv) action(key, side string, size any) {
	a.t.Helper()
	_, err := a.pool.Exec(a.ctx, `INSERT INTO trading_actions (user_id, source, key, bot, symbol, side, size_pct)
		VALUES ($1, 'webhook', $2, 'live', 'AAPL', $3, $4)`, a.user, key, side, size)
	require.NoError(a.t, err)
}

func (a *alpacaEnv) orders(botID int64) []dbsqlc.BotOrder {
	a.t.Helper()
	o, err := dbsqlc.New().BotOrderList(a.ctx, a.pool, botID)
	require.NoError(a.t, err)
	return o
}

func (a *alpacaEnv) fills(botID int64) []dbsqlc.BotFill {
	a.t.Helper()
	f, err := dbsqlc.New().BotFillList(a.ctx, a.pool, botID)
	require.NoError(a.t, err)
	return f
}

// An alpaca bot's signal becomes one order at the broker, sent after the
// decision commits with client_order_id = the order's idempotency key; the
// next decision polls it and books the broker's fill (price and quantity)
// into the bot's fills, position and cash; later decisions place nothing
// more for that signal; the exit is one more order, whose fill closes the
// position with its P&L.
func TestAlpacaBotPlacesOneOrderPerSignal(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{})
	b := a.create(alpacaDef)
	a.action("tv:1", "buy", 50)
	r := a.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(a.ctx))

	orders := a.orders(b.ID)
	require.Len(t, orders, 1)
	o := orders[0]
	require.Equal(t, "open", o.Status)
	require.Equal(t, "accepted", *o.BrokerStatus)
	require.NotNil(t, o.SubmittedAt)
	require.Equal(t, 1, a.srv.OrderCount())
	status, _ := a.srv.OrderStatus(o.IdempotencyKey)
	require.Equal(t, "accepted", status, "the broker has the order under its idempotency key")
	// Sized at the decision bar's close: floor(5000 / close) units.
	qty := o.Quantity.Decimal
	require.True(t, qty.IsPositive())

	// The next bar's decision polls the order: filled at the stand-in's 100.
	a.tick(r, time.Minute)
	fills := a.fills(b.ID)
	require.Len(t, fills, 1)
	require.Equal(t, "100", fills[0].Price.String())
	require.True(t, qty.Equal(fills[0].Quantity))
	got := a.bot(b.ID)
	// cash = 10000 − qty × 100 (no fees)
	require.Equal(t, decimal.NewFromInt(10000).Sub(qty.Mul(decimal.NewFromInt(100))).String(), got.Cash.String())
	pos, err := dbsqlc.New().BotPositionList(a.ctx, a.pool, b.ID)
	require.NoError(t, err)
	require.Len(t, pos, 1)
	require.True(t, qty.Equal(pos[0].Quantity))
	require.Equal(t, "filled", a.orders(b.ID)[0].Status)

	// Holding a position, the bot cannot move to the paper broker.
	paper, err := tradingbot.ParseDefinition(validator, []byte(strings.Replace(alpacaDef, `"alpaca"`, `"paper"`, 1)))
	require.NoError(t, err)
	err = pgx.BeginFunc(a.ctx, a.pool, func(tx pgx.Tx) error {
		_, err := a.svc.Update(a.ctx, tx, a.actor(), b.ID, paper)
		return err
	})
	te, ok := tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, tradingbot.KindConflict, te.Kind)
	require.Equal(t, "broker", te.Field)

	for range 3 {
		a.tick(r, time.Minute)
	}
	require.Equal(t, 1, a.srv.OrderCount(), "one signal, one order")
	require.Len(t, a.srv.Requests(http.MethodPost, "/v2/orders"), 1)

	// Exit at 110: one sell order; its fill closes the position, P&L qty × 10.
	a.srv.SetPrice("AAPL", decimal.RequireFromString("110"))
	a.action("tv:2", "exit", nil)
	a.tick(r, time.Minute)
	a.tick(r, time.Minute)
	require.Equal(t, 2, a.srv.OrderCount())
	fills = a.fills(b.ID)
	require.Len(t, fills, 2)
	require.Equal(t, "sell", fills[1].Side)
	require.True(t, fills[1].TradePnl.Valid)
	require.Equal(t, qty.Mul(decimal.NewFromInt(10)).String(), fills[1].TradePnl.Decimal.String())
	got = a.bot(b.ID)
	require.Equal(t, decimal.NewFromInt(10000).Add(qty.Mul(decimal.NewFromInt(10))).String(), got.Cash.String())
	require.Empty(t, a.srv.Holdings())
}

var errCrash = errors.New("crash between the decision's commit and the submission")

// A crash between the record of an order and its submission (the
// AfterCommit hook skips the submission, as a killed process would) leaves
// the order pending; the runner that takes the bot over looks it up at the
// broker by its client_order_id and places it, once. When the order had
// reached the broker before the crash (its answer lost), the lookup finds
// it and nothing is placed again.
func TestAlpacaCrashBetweenRecordAndSubmitPlacesOnce(t *testing.T) {
	t.Parallel()
	for _, reached := range []bool{false, true} {
		a := setupAlpaca(t, alpacatest.Options{})
		b := a.create(alpacaDef)
		a.action("tv:1", "buy", 50)
		r1 := a.runner("a", tradingbot.Options{AfterCommit: func(ctx context.Context, botID int64, _ time.Time) error {
			if reached { // the order got there; the process died before it recorded the answer
				row := a.orders(botID)[0]
				br, err := a.brokers.Broker(ctx, a.pool, a.user, "alpaca")
				require.NoError(t, err)
				_, err = br.Submit(ctx, broker.OrderRequest{ClientOrderID: row.IdempotencyKey, Symbol: row.Symbol,
					Side: row.Side, Type: row.Type, TimeInForce: row.Tif, Qty: row.Quantity.Decimal})
				require.NoError(t, err)
			}
			return errCrash
		}})
		require.NoError(t, r1.Tick(a.ctx))
		o := a.orders(b.ID)
		require.Len(t, o, 1)
		require.Nil(t, o[0].SubmittedAt, "recorded, not submitted")
		require.Equal(t, "pending", *o[0].BrokerStatus)

		// r1 is gone; its lease expires and r2 takes the bot over.
		_, err := a.pool.Exec(a.ctx, `UPDATE trading_bots SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, b.ID)
		require.NoError(t, err)
		r2 := a.runner("b", tradingbot.Options{})
		a.tick(r2, time.Second) // same bar: no decision, the broker pass submits
		o = a.orders(b.ID)
		require.NotNil(t, o[0].SubmittedAt, "reached=%v", reached)
		require.Equal(t, 1, a.srv.OrderCount(), "reached=%v: exactly one order at the broker", reached)
		require.Len(t, a.srv.Requests(http.MethodPost, "/v2/orders"), 1, "reached=%v", reached)
		lookups := a.srv.Requests(http.MethodGet, "/v2/orders:by_client_order_id")
		require.NotEmpty(t, lookups, "looked up before placing")

		// More bars: filled once, nothing more placed.
		a.tick(r2, time.Minute)
		a.tick(r2, time.Minute)
		require.Equal(t, 1, a.srv.OrderCount())
		require.Len(t, a.fills(b.ID), 1)
	}
}

// A partial fill and then the rest land as two fills of the one order
// (each booked once, keyed by the broker's cumulative quantity), and the
// position and cash are the sum of both.
func TestAlpacaPartialThenFullFill(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{PartialFill: true})
	b := a.create(alpacaDef)
	a.action("tv:1", "buy", 50)
	r := a.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(a.ctx))
	qty := a.orders(b.ID)[0].Quantity.Decimal
	half := qty.Div(decimal.NewFromInt(2)).Floor()

	a.tick(r, time.Minute) // first poll: half
	fills := a.fills(b.ID)
	require.Len(t, fills, 1)
	require.True(t, half.Equal(fills[0].Quantity), "%s of %s", fills[0].Quantity, qty)
	o := a.orders(b.ID)[0]
	require.Equal(t, "open", o.Status)
	require.Equal(t, "partially_filled", *o.BrokerStatus)
	require.True(t, half.Equal(o.FilledQty))

	a.srv.SetPrice("AAPL", decimal.RequireFromString("102"))
	a.tick(r, time.Minute) // second poll: the rest, at 102
	fills = a.fills(b.ID)
	require.Len(t, fills, 2)
	rest := qty.Sub(half)
	require.True(t, rest.Equal(fills[1].Quantity))
	// The broker's average is (half × 100 + rest × 102) / qty; the second
	// fill is booked at the price that makes the booked notional that: 102.
	require.Equal(t, "102", fills[1].Price.String())
	require.Equal(t, "filled", a.orders(b.ID)[0].Status)
	got := a.bot(b.ID)
	spent := half.Mul(decimal.NewFromInt(100)).Add(rest.Mul(decimal.NewFromInt(102)))
	require.Equal(t, decimal.NewFromInt(10000).Sub(spent).String(), got.Cash.String())
	pos, err := dbsqlc.New().BotPositionList(a.ctx, a.pool, b.ID)
	require.NoError(t, err)
	require.Len(t, pos, 1)
	require.True(t, qty.Equal(pos[0].Quantity))
	require.True(t, a.srv.Holdings()["AAPL"].Qty.Equal(qty))

	a.tick(r, time.Minute)
	require.Len(t, a.fills(b.ID), 2, "a report is booked once")
}

// A broker rejection is final: the order is recorded refused with
// broker_status rejected and Alpaca's reason, audited and notified; the
// next decision drops it from the bot (cash unchanged, no open order).
func TestAlpacaRejectionIsRecordedAndNotified(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{Cash: decimal.NewFromInt(100)})
	b := a.create(alpacaDef)
	a.action("tv:1", "buy", 50)
	r := a.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(a.ctx))

	o := a.orders(b.ID)[0]
	require.Equal(t, "refused", o.Status)
	require.Equal(t, "rejected", *o.BrokerStatus)
	require.Contains(t, *o.Refusal, "insufficient buying power")
	require.Equal(t, 0, a.srv.OrderCount())
	require.Equal(t, 1, count(t, a.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.order_rejected'
		AND owner_user_id = $1 AND details->>'reason' LIKE '%insufficient buying power%'`, a.user))
	require.Equal(t, 1, count(t, a.pool, `SELECT count(*) FROM river_job WHERE kind = 'notification'
		AND args->>'message' LIKE '%rejected by alpaca: insufficient buying power%'`))

	a.tick(r, time.Minute)
	got := a.bot(b.ID)
	require.Equal(t, "10000", got.Cash.String())
	st, err := a.svc.Status(a.ctx, a.pool, a.actor(), b.ID)
	require.NoError(t, err)
	require.Zero(t, st.OpenOrders)
	require.Empty(t, a.fills(b.ID))
}

// With the broker down, the order stays pending (not lost), the heartbeat
// shows the broker disconnected with the error, and the next pass, once
// the broker answers, places it once; the heartbeat recovers.
func TestAlpacaBrokerDownRetriesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{})
	b := a.create(alpacaDef)
	a.action("tv:1", "buy", 50)
	// Two attempts (one retry) of the submission meet 503.
	a.srv.Inject(alpacatest.Fault{Method: http.MethodPost, Path: "/v2/orders", Status: http.StatusServiceUnavailable, Times: 2})
	r := a.runner("a", tradingbot.Options{BrokerPoll: time.Second})
	require.NoError(t, r.Tick(a.ctx))

	o := a.orders(b.ID)[0]
	require.Equal(t, "open", o.Status)
	require.Nil(t, o.SubmittedAt)
	require.Contains(t, *o.BrokerError, "503")
	require.Equal(t, 0, a.srv.OrderCount())
	c := r.Check(a.ctx)
	require.Equal(t, health.Degraded, c.Status)
	require.Contains(t, *c.ErrorMessage, "broker alpaca of bot")
	require.Equal(t, "disconnected", c.Metadata["brokers"].(map[string]string)["alpaca"])
	bots := c.Metadata["broker_bots"].([]map[string]any)
	require.Len(t, bots, 1)
	require.Equal(t, false, bots[0]["connected"])
	require.Equal(t, "order submit", bots[0]["last_call"])
	require.Contains(t, bots[0]["error"], "503")
	require.Equal(t, 1, bots[0]["pending_orders"])

	a.tick(r, 2*time.Second) // the broker is back: the pass places it
	o = a.orders(b.ID)[0]
	require.NotNil(t, o.SubmittedAt)
	require.Nil(t, o.BrokerError)
	require.Equal(t, 1, a.srv.OrderCount())
	a.tick(r, time.Minute)
	a.tick(r, time.Minute)
	require.Equal(t, 1, a.srv.OrderCount(), "retried, not duplicated")
	require.Len(t, a.srv.Requests(http.MethodPost, "/v2/orders"), 3, "two failed attempts and the one that placed it")
	require.Len(t, a.fills(b.ID), 1)
	c = r.Check(a.ctx)
	require.Equal(t, health.Healthy, c.Status, "%v", c.ErrorMessage)
	bots = c.Metadata["broker_bots"].([]map[string]any)
	require.Equal(t, true, bots[0]["connected"])
	require.Equal(t, "connected", c.Metadata["brokers"].(map[string]string)["alpaca"])
}

// A bot with broker alpaca is refused, naming the field, for a user without
// credentials, and by a service that runs no broker.
func TestAlpacaBotWithoutCredentialsIsRefused(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{})
	other, err := dbsqlc.New().UserCreate(a.ctx, a.pool, dbsqlc.UserCreateParams{Name: "other", Status: "verified"})
	require.NoError(t, err)
	d, err := tradingbot.ParseDefinition(validator, []byte(alpacaDef))
	require.NoError(t, err)
	err = pgx.BeginFunc(a.ctx, a.pool, func(tx pgx.Tx) error {
		_, err := a.svc.Create(a.ctx, tx, tradingbot.Actor{UserID: other.ID, Name: "other", Source: audit.SourceCLI}, other.ID, d)
		return err
	})
	te, ok := tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, tradingbot.KindInvalid, te.Kind)
	require.Equal(t, "broker", te.Field)
	require.Equal(t, "broker: no Alpaca credentials for this user: PUT /api/me/brokers/alpaca", err.Error())
	require.Zero(t, count(t, a.pool, `SELECT count(*) FROM trading_bots WHERE user_id = $1`, other.ID))

	plain, err := tradingbot.NewService(validator, nil)
	require.NoError(t, err)
	err = pgx.BeginFunc(a.ctx, a.pool, func(tx pgx.Tx) error {
		_, err := plain.Create(a.ctx, tx, a.actor(), a.user, d)
		return err
	})
	te, ok = tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "broker", te.Field)
}

// An alpaca bot whose owner deleted the credentials is stopped at its next
// decision with the reason (nothing is decided without an account).
func TestAlpacaBotWithoutCredentialsAnyMoreIsStopped(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{})
	b := a.create(alpacaDef)
	r := a.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(a.ctx))
	require.NoError(t, pgx.BeginFunc(a.ctx, a.pool, func(tx pgx.Tx) error {
		return store.DeleteBrokerCredentials(a.ctx, tx, audit.Entry{Actor: a.user, Source: audit.SourceCLI}, a.user, "alpaca")
	}))
	a.tick(r, time.Minute)
	got := a.bot(b.ID)
	require.Equal(t, tradingbot.StateStopped, got.State)
	require.Contains(t, got.StateReason, "no credentials")
	require.Contains(t, got.StateReason, "PUT /api/me/brokers/alpaca")
}

// With nothing to submit, the heartbeat's broker connectivity is the
// newest account read: its latency when it answers, DEGRADED with the
// error when it does not.
func TestAlpacaHealthReportsTheAccountCall(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{})
	a.create(alpacaDef)
	r := a.runner("a", tradingbot.Options{BrokerPoll: time.Second})
	require.NoError(t, r.Tick(a.ctx))
	c := r.Check(a.ctx)
	require.Equal(t, health.Healthy, c.Status)
	bots := c.Metadata["broker_bots"].([]map[string]any)
	require.Len(t, bots, 1)
	require.Equal(t, "account", bots[0]["last_call"])
	require.Equal(t, true, bots[0]["connected"])
	require.Contains(t, bots[0], "latency_ms")
	require.Len(t, a.srv.Requests(http.MethodGet, "/v2/account"), 1)

	a.srv.Inject(alpacatest.Fault{Method: http.MethodGet, Path: "/v2/account", Status: http.StatusBadGateway, Times: 2})
	a.tick(r, 7*time.Second) // 6 polls without a call: the account is read again
	c = r.Check(a.ctx)
	require.Equal(t, health.Degraded, c.Status)
	require.Contains(t, *c.ErrorMessage, "get account")
	bots = c.Metadata["broker_bots"].([]map[string]any)
	require.Equal(t, false, bots[0]["connected"])
	require.Contains(t, bots[0]["error"], "502")
}

// A force exit of an alpaca bot holding only an order at the broker is
// refused with the reason (it would cancel nothing there); once the order
// has filled it queues the exit, which becomes one sell at the broker.
func TestAlpacaForceExit(t *testing.T) {
	t.Parallel()
	a := setupAlpaca(t, alpacatest.Options{})
	b := a.create(alpacaDef)
	a.action("tv:1", "buy", 50)
	r := a.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(a.ctx))
	forceExit := func() error {
		return pgx.BeginFunc(a.ctx, a.pool, func(tx pgx.Tx) error {
			_, err := a.svc.ForceExit(a.ctx, tx, a.actor(), b.ID, "AAPL")
			return err
		})
	}
	err := forceExit()
	te, ok := tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, tradingbot.KindConflict, te.Kind)
	require.Contains(t, err.Error(), "open orders are at the broker")
	require.Equal(t, "open", a.orders(b.ID)[0].Status, "not cancelled")

	a.tick(r, time.Minute) // filled
	require.NoError(t, forceExit())
	a.tick(r, time.Minute) // the exit's sell is placed
	a.tick(r, time.Minute) // and filled
	require.Equal(t, 2, a.srv.OrderCount())
	require.Empty(t, a.srv.Holdings())
	pos, err := dbsqlc.New().BotPositionList(a.ctx, a.pool, b.ID)
	require.NoError(t, err)
	require.Empty(t, pos)
}
