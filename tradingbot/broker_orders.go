package tradingbot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/broker"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/trading"
)

// brokerPending is bot_orders.broker_status of an order recorded by a
// decision and not yet taken by the broker.
const brokerPending = "pending"

// DefaultBrokerPoll is how often a broker bot's unsubmitted orders are
// retried between decisions.
const DefaultBrokerPoll = 5 * time.Second

// pingEvery is how many BrokerPolls pass without a broker call before a
// pass reads the account to check connectivity (30 s by default: well
// under Alpaca's 200 requests a minute per account).
const pingEvery = 6

// usesBroker reports whether the bot's orders go to a real broker.
func usesBroker(name string) bool { return name == broker.Alpaca }

// brokerHealth is the outcome of a bot's newest broker call.
type brokerHealth struct {
	Broker    string    `json:"broker"`
	Connected bool      `json:"connected"`
	Call      string    `json:"last_call"`
	At        time.Time `json:"at"`
	LatencyMS int64     `json:"latency_ms"`
	Error     string    `json:"error,omitempty"`
	// Pending is how many recorded orders wait to be submitted.
	Pending int `json:"pending_orders"`
}

// brokerOf opens the bot's broker client.
func (r *Runner) brokerOf(ctx context.Context, userID int64, name string) (broker.Broker, error) {
	if r.o.Brokers == nil {
		return nil, fmt.Errorf("broker %q: this runner has no broker accounts configured", name)
	}
	return r.o.Brokers.Broker(ctx, r.o.Pool, userID, name)
}

// call runs one broker call and books its outcome for the bot's heartbeat.
func (r *Runner) call(id int64, name, what string, f func() error) error {
	start := time.Now()
	err := f()
	h := brokerHealth{Broker: name, Call: what, At: r.o.Now(), LatencyMS: time.Since(start).Milliseconds(), Connected: true}
	var rej *broker.RejectedError
	if err != nil && !errors.Is(err, broker.ErrNotFound) && !errors.As(err, &rej) { // those are answers
		h.Connected, h.Error = false, err.Error()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if held := r.held[id]; held != nil {
		if held.broker != nil {
			h.Pending = held.broker.Pending
		}
		held.broker = &h
	}
	return err
}

// setPending books how many orders of the bot wait to be submitted.
func (r *Runner) setPending(id int64, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if held := r.held[id]; held != nil {
		if held.broker == nil {
			held.broker = &brokerHealth{}
		}
		held.broker.Pending = n
	}
}

// brokerPass submits the broker bot's recorded, unsubmitted orders: each is
// first looked up at the broker by its client_order_id (the idempotency
// key), so that an order placed before a crash, or whose answer was lost,
// is never placed twice; a broker refusal is final (status refused,
// broker_status rejected, the broker's reason, audited and notified); a
// broker that cannot be reached leaves the order pending for the next
// pass. When no broker call was made for 6 BrokerPolls it checks
// connectivity (an account read). It returns the bot's open broker orders.
func (r *Runner) brokerPass(ctx context.Context, id int64) ([]dbsqlc.BotOrder, error) {
	b, err := r.q.TradingBotGet(ctx, r.o.Pool, id)
	if err != nil {
		return nil, fmt.Errorf("load bot %d: %w", id, err)
	}
	br, err := r.brokerOf(ctx, b.UserID, b.Broker)
	if err != nil {
		_ = r.call(id, b.Broker, "credentials", func() error { return err }) // booked for the heartbeat
		return nil, err
	}
	rows, err := r.q.BotOrderListBrokerOpen(ctx, r.o.Pool, id)
	if err != nil {
		return nil, fmt.Errorf("list open broker orders of bot %d: %w", id, err)
	}
	pending := 0
	var first error
	for i := range rows {
		row := &rows[i]
		if row.SubmittedAt != nil {
			continue
		}
		if err := r.submit(ctx, &b, br, row); err != nil {
			pending++
			if first == nil {
				first = err
			}
		}
	}
	r.setPending(id, pending)
	r.mu.Lock()
	h := r.held[id]
	due := h != nil && (h.broker == nil || h.broker.At.IsZero() || r.o.Now().Sub(h.broker.At) >= pingEvery*r.o.BrokerPoll)
	r.mu.Unlock()
	if due && first == nil {
		_ = r.call(id, b.Broker, "account", func() error { return br.Ping(ctx) })
	}
	r.markPassed(id)
	open := rows[:0]
	for _, row := range rows {
		if row.Status == "open" {
			open = append(open, row)
		}
	}
	return open, first
}

// markPassed books the time of the bot's broker pass (runner clock).
func (r *Runner) markPassed(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.held[id]; h != nil {
		h.brokerPassAt = r.o.Now()
	}
}

// submit places one recorded order at the broker (looked up first).
func (r *Runner) submit(ctx context.Context, b *dbsqlc.TradingBot, br broker.Broker, row *dbsqlc.BotOrder) error {
	var o broker.Order
	err := r.call(b.ID, b.Broker, "order lookup", func() error {
		var err error
		o, err = br.OrderByClientID(ctx, row.IdempotencyKey)
		return err
	})
	switch {
	case err == nil:
		r.o.Logger.Info("trading bot order found at the broker by its client_order_id; not placed again", "bot_id", b.ID,
			"client_order_id", row.IdempotencyKey, "broker_order_id", o.ID)
	case errors.Is(err, broker.ErrNotFound):
		err = r.call(b.ID, b.Broker, "order submit", func() error {
			var err error
			o, err = br.Submit(ctx, requestOf(row))
			return err
		})
		var rej *broker.RejectedError
		if errors.As(err, &rej) {
			return r.reject(ctx, b, row, rej)
		}
	}
	if err != nil {
		msg := err.Error()
		if _, uerr := r.q.BotOrderSubmitFailed(ctx, r.o.Pool, dbsqlc.BotOrderSubmitFailedParams{ID: row.ID, BotID: b.ID,
			BrokerError: &msg}); uerr != nil {
			r.o.Logger.Warn("record a failed order submission", "bot_id", b.ID, "order_id", row.ID, "error", uerr)
		}
		r.o.Logger.Warn("trading bot order not submitted; retried at the next pass", "bot_id", b.ID,
			"client_order_id", row.IdempotencyKey, "error", err)
		return fmt.Errorf("submit order %s of bot %d: %w", row.IdempotencyKey, b.ID, err)
	}
	status := o.Status
	if _, err := r.q.BotOrderSubmitted(ctx, r.o.Pool, dbsqlc.BotOrderSubmittedParams{ID: row.ID, BotID: b.ID,
		BrokerOrderID: &o.ID, BrokerStatus: &status}); err != nil {
		return fmt.Errorf("record submission of order %s: %w", row.IdempotencyKey, err)
	}
	now := r.o.Now()
	row.SubmittedAt, row.BrokerOrderID, row.BrokerStatus = &now, &o.ID, &status
	r.o.Logger.Info("trading bot order submitted", "bot_id", b.ID, "client_order_id", row.IdempotencyKey,
		"broker_order_id", o.ID, "status", o.Status)
	return nil
}

// reject records the broker's refusal of an order, audited and notified in
// one transaction; the bot's next decision drops it from the engine.
func (r *Runner) reject(ctx context.Context, b *dbsqlc.TradingBot, row *dbsqlc.BotOrder, rej *broker.RejectedError) error {
	reason := fmt.Sprintf("rejected by %s: %s", b.Broker, rej.Message)
	err := pgx.BeginFunc(ctx, r.o.Pool, func(tx pgx.Tx) error {
		n, err := r.q.BotOrderRejected(ctx, tx, dbsqlc.BotOrderRejectedParams{ID: row.ID, BotID: b.ID, Refusal: &reason})
		if err != nil || n == 0 {
			return err
		}
		if err := audit.Write(ctx, tx, audit.Entry{Owner: b.UserID, Source: audit.SourceTradingBot, Action: "tradingbot.order_rejected",
			EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "client_order_id": row.IdempotencyKey,
				"symbol": row.Symbol, "side": row.Side, "reason": rej.Message, "http_status": rej.HTTPStatus, "code": rej.Code}}); err != nil {
			return err
		}
		if r.o.Notifier == nil {
			return nil
		}
		qty := ""
		if row.Quantity.Valid {
			qty = row.Quantity.Decimal.String() + " "
		}
		return r.o.Notifier.NotifyTx(ctx, tx, Note{UserID: b.UserID, Priority: notify.PriorityHigh, Text: fmt.Sprintf(
			"Trading bot %s: order %s %s%s %s.", b.Name, row.Side, qty, row.Symbol, reason)})
	})
	if err != nil {
		return fmt.Errorf("record the rejection of order %s: %w", row.IdempotencyKey, err)
	}
	row.Status = "refused"
	r.o.Logger.Warn("trading bot order rejected by the broker", "bot_id", b.ID, "client_order_id", row.IdempotencyKey,
		"reason", rej.Message)
	return nil
}

// requestOf is the broker request of a recorded order.
func requestOf(row *dbsqlc.BotOrder) broker.OrderRequest {
	return broker.OrderRequest{ClientOrderID: row.IdempotencyKey, Symbol: row.Symbol, Side: row.Side, Type: row.Type,
		TimeInForce: row.Tif, Qty: row.Quantity.Decimal, LimitPrice: row.LimitPrice.Decimal, StopPrice: row.StopPrice.Decimal}
}

// brokerPoll is a submitted order's state at the broker, read before a
// decision's transaction.
type brokerPoll struct {
	row   dbsqlc.BotOrder
	order broker.Order
}

// brokerView is what a broker bot's decision books before it steps: the
// bot's open broker orders (by engine order id) and the polls of those
// the broker could be asked about.
type brokerView struct {
	open  map[int64]dbsqlc.BotOrder
	polls []brokerPoll
}

// poll submits what is pending and reads every submitted open order of
// the bot at the broker. An order the broker cannot be asked about now is
// left as it is (the next decision polls it again).
func (r *Runner) poll(ctx context.Context, b *dbsqlc.TradingBot) (*brokerView, error) {
	rows, err := r.brokerPass(ctx, b.ID)
	if rows == nil && err != nil {
		return nil, err // no broker client, or the database
	}
	v := &brokerView{open: map[int64]dbsqlc.BotOrder{}}
	br, berr := r.brokerOf(ctx, b.UserID, b.Broker)
	for _, row := range rows {
		if row.EngineOrderID != nil {
			v.open[*row.EngineOrderID] = row
		}
		if row.SubmittedAt == nil || berr != nil {
			continue
		}
		var o broker.Order
		err := r.call(b.ID, b.Broker, "order poll", func() error {
			var err error
			o, err = br.OrderByClientID(ctx, row.IdempotencyKey)
			return err
		})
		if err != nil {
			r.o.Logger.Warn("trading bot order poll failed; polled again at the next decision", "bot_id", b.ID,
				"client_order_id", row.IdempotencyKey, "error", err)
			continue
		}
		v.polls = append(v.polls, brokerPoll{row: row, order: o})
	}
	return v, nil
}

// settle books the broker's reports in the engine before the decision's
// step: new fills (the growth of the cumulative filled quantity since the
// last booking, at the price that makes the booked notional the broker's
// average × quantity), orders that became final, and engine orders whose
// row is no longer open (rejected at submission). It returns the events
// and the writes to queue after the decision's claim.
func settle(e *trading.Engine, botID int64, bar time.Time, v *brokerView) ([]trading.Event, []func(ctx context.Context, w *batch, q *dbsqlc.Queries) error, error) {
	if v == nil {
		return nil, nil, nil
	}
	var events []trading.Event
	var writes []func(ctx context.Context, w *batch, q *dbsqlc.Queries) error
	for _, o := range e.OpenOrders() {
		if _, ok := v.open[o.ID]; !ok {
			e.FinishOrder(o.ID) // refused by the broker at submission
		}
	}
	for _, p := range v.polls {
		row, o := p.row, p.order
		if row.EngineOrderID == nil {
			continue
		}
		eid := *row.EngineOrderID
		cum, notional := row.FilledQty, row.FilledNotional
		if o.FilledQty.GreaterThan(cum) {
			delta := o.FilledQty.Sub(cum)
			newNotional := o.FilledAvgPrice.Mul(o.FilledQty)
			price := newNotional.Sub(notional).DivRound(delta, 8)
			ev, err := e.ApplyFill(eid, delta, price, bar)
			if err != nil {
				return nil, nil, fmt.Errorf("book the broker's fill of order %s: %w", row.IdempotencyKey, err)
			}
			var fill *trading.Fill
			var pnl decimal.NullDecimal
			for _, x := range ev {
				switch x.Kind {
				case trading.EventOrderFilled:
					f := *x.Fill
					fill = &f
				case trading.EventPositionClosed:
					pnl = decimal.NullDecimal{Decimal: x.PnL, Valid: true}
				}
			}
			events = append(events, ev...)
			if fill != nil {
				params := dbsqlc.BotFillInsertBrokerParams{BotID: botID, OrderID: row.ID, BarTime: bar, Symbol: row.Symbol,
					Side: row.Side, Price: fill.Price, Quantity: fill.Quantity, Fee: fill.Fee, Reason: row.Reason, TradePnl: pnl,
					FillKey: fmt.Sprintf("%s:%s", o.ID, o.FilledQty.String())}
				writes = append(writes, func(ctx context.Context, w *batch, q *dbsqlc.Queries) error {
					if _, err := q.BotFillInsertBroker(ctx, w, params); err != nil {
						return fmt.Errorf("record the broker's fill of order %s: %w", row.IdempotencyKey, err)
					}
					return nil
				})
			}
			cum, notional = o.FilledQty, newNotional
		}
		status, final := "open", o.Final()
		var refusal *string
		if final {
			e.FinishOrder(eid)
			switch o.Status {
			case "filled":
				status = "filled"
			case "rejected":
				status = "refused"
				s := "rejected by the broker"
				refusal = &s
			default:
				status = "cancelled"
				s := fmt.Sprintf("%s at the broker after %s of %s filled", o.Status, cum.String(), row.Quantity.Decimal.String())
				refusal = &s
			}
		}
		brokerStatus := o.Status
		if !final && cum.Equal(row.FilledQty) && row.BrokerStatus != nil && *row.BrokerStatus == brokerStatus {
			continue // nothing new
		}
		params := dbsqlc.BotOrderBrokerUpdateParams{ID: row.ID, BotID: botID, BrokerStatus: &brokerStatus, FilledQty: cum,
			FilledNotional: notional, Status: status, Refusal: refusal}
		writes = append(writes, func(ctx context.Context, w *batch, q *dbsqlc.Queries) error {
			w.one("update broker order %s of bot %d: no open order row", row.IdempotencyKey, botID)
			if _, err := q.BotOrderBrokerUpdate(ctx, w, params); err != nil {
				return fmt.Errorf("update broker order %s: %w", row.IdempotencyKey, err)
			}
			return nil
		})
	}
	return events, writes, nil
}
