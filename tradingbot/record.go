package tradingbot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/trading"
)

// apply runs the decision on the bot as read (revision b.Revision) and
// writes it in tx: the claim of the bot (the guarded update of its row,
// first), orders, fills, positions, the equity snapshot, skipped bars and
// audit rows in one round trip, then the notifications. It returns the
// bot's row as the decision left it.
func (r *Runner) apply(ctx context.Context, tx pgx.Tx, b *dbsqlc.TradingBot, p *plan) (outcome, dbsqlc.TradingBot, error) {
	out := outcome{bar: p.bar, state: b.State}
	e, before, err := engineOf(r.o.Validator, b)
	if err != nil {
		return out, *b, err
	}
	// A broker bot's fills and finished orders first, as the paper engine
	// fills at the start of its step.
	settled, settleWrites, err := settle(e, b.ID, p.bar, p.broker)
	if err != nil {
		return out, *b, err
	}
	if p.broker != nil {
		if before, err = e.State(); err != nil {
			return out, *b, fmt.Errorf("bot %d state: %w", b.ID, err)
		}
	}
	warmed := slices.Clone(b.WarmedSymbols)
	for _, sym := range b.Symbols {
		if hist, ok := p.warm[sym]; ok {
			e.WarmUp(sym, hist)
			warmed = append(warmed, sym)
		}
		if missed := p.skipped[sym]; len(missed) > 0 {
			e.WarmUp(sym, missed) // the strategy sees them; nothing is traded
		}
	}
	decided, err := r.takeActions(ctx, tx, b, e)
	if err != nil {
		return out, *b, err
	}
	var events []trading.Event
	for _, sym := range b.Symbols {
		if bar, ok := p.step[sym]; ok {
			events = append(events, e.Step(sym, bar)...)
		}
	}
	after, err := e.State()
	if err != nil {
		return out, *b, fmt.Errorf("bot %d state: %w", b.ID, err)
	}
	for _, sym := range b.Symbols {
		out.skipped += p.counts[sym]
	}

	// The bot's state follows the engine's kill switches.
	state, reason := b.State, b.StateReason
	halted := after.Halted || after.HaltedDay == p.bar.Unix()/86400 || after.EntriesStopped
	var kill *trading.Event
	for i := range events {
		if events[i].Kind == trading.EventKillSwitch {
			kill = &events[i]
		}
	}
	var auditEntry *audit.Entry
	switch {
	case halted && b.State != StateHalted:
		state = StateHalted
		reason = "kill switch: new entries halted"
		if kill != nil {
			reason = "kill switch: " + kill.Reason
		}
		out.halted = true
		auditEntry = &audit.Entry{Owner: b.UserID, Source: audit.SourceTradingBot, Action: "tradingbot.halt",
			EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "reason": reason, "bar_time": p.bar}}
	case !halted && b.State == StateHalted:
		state, reason = StateRunning, "resumed: the daily loss limit's UTC day is over"
		auditEntry = &audit.Entry{Owner: b.UserID, Source: audit.SourceTradingBot, Action: "tradingbot.resume",
			EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "reason": reason, "bar_time": p.bar}}
	}
	out.state = state

	notes, summary, err := r.notes(ctx, tx, b, p.bar, before, append(settled, events...), kill)
	if err != nil {
		return out, *b, err
	}
	compacted := after // Compact replaces its slices; after keeps the refusals writeOrders reads
	compacted.Compact()
	stored, err := json.Marshal(compacted)
	if err != nil {
		return out, *b, fmt.Errorf("encode bot %d state: %w", b.ID, err)
	}

	// The writes, in one round trip; the claim first.
	w := &batch{}
	bar, owner := p.bar, r.o.Owner
	w.claim()
	if err := r.q.TradingBotSaveDecision(ctx, w, dbsqlc.TradingBotSaveDecisionParams{ID: b.ID, Owner: &owner, Revision: b.Revision,
		EngineState: stored, Cash: after.Cash, WarmedSymbols: warmed, LastBarTime: &bar, Skipped: out.skipped, State: state,
		StateReason: reason, SummaryDay: summary.day, SummaryEquity: summary.equity}); err != nil {
		return out, *b, fmt.Errorf("save decision: %w", err)
	}
	for _, write := range settleWrites {
		if err := write(ctx, w, r.q); err != nil {
			return out, *b, err
		}
	}
	if err := r.writeOrders(ctx, w, b.ID, usesBroker(b.Broker), p.bar, before, after, events); err != nil {
		return out, *b, err
	}
	if err := r.writePositions(ctx, w, b.ID, after); err != nil {
		return out, *b, err
	}
	eq := equityOf(after)
	if err := r.q.BotEquityInsert(ctx, w, dbsqlc.BotEquityInsertParams{BotID: b.ID, BarTime: p.bar, Equity: eq.equity,
		Cash: after.Cash, PositionsValue: eq.positions, Realised: after.Realised, FeesPaid: after.FeesPaid}); err != nil {
		return out, *b, fmt.Errorf("equity snapshot: %w", err)
	}
	for _, sym := range b.Symbols {
		if missed := p.skipped[sym]; len(missed) > 0 {
			if err := r.q.BotSkippedInsert(ctx, w, dbsqlc.BotSkippedInsertParams{BotID: b.ID, Symbol: sym, FirstBar: missed[0].Time,
				LastBar: missed[len(missed)-1].Time, Bars: int32(p.counts[sym]), Reason: skipReason}); err != nil {
				return out, *b, fmt.Errorf("record skipped bars: %w", err)
			}
		}
	}
	if auditEntry != nil {
		if err := audit.Write(ctx, w, *auditEntry); err != nil {
			return out, *b, err
		}
	}
	for _, d := range decided {
		if err := r.q.TradingActionDecide(ctx, w, dbsqlc.TradingActionDecideParams{ID: d.id, Status: d.status, BotID: b.ID,
			BarTime: p.bar, Reason: d.reason}); err != nil {
			return out, *b, fmt.Errorf("record trading action %d: %w", d.id, err)
		}
	}
	if err := w.send(ctx, tx); err != nil {
		return out, *b, err
	}
	if r.o.Notifier != nil {
		for _, n := range notes {
			if err := r.o.Notifier.NotifyTx(ctx, tx, n); err != nil {
				return out, *b, fmt.Errorf("notify: %w", err)
			}
		}
	}
	row := *b
	row.EngineState, row.Cash, row.WarmedSymbols, row.LastBarTime = stored, after.Cash, warmed, &bar
	row.BarsDecided, row.BarsSkipped, row.State, row.StateReason = b.BarsDecided+1, b.BarsSkipped+out.skipped, state, reason
	row.SummaryDay, row.SummaryEquity, row.Revision = summary.day, summary.equity, b.Revision+1
	return out, row, nil
}

// skipReason is bot_skipped_bars.reason.
const skipReason = "downtime: not decided when they closed (no runner held the bot, or it was stopped); " +
	"shown to the strategy, not traded"

// orderKey is the idempotency key of the index-th order of the bot's
// decision on bar.
func orderKey(botID int64, bar time.Time, index int64) string {
	return fmt.Sprintf("%d:%d:%d", botID, bar.Unix(), index)
}

// writeOrders records the orders the decision placed (open, or filled at
// once by a protective exit), refused or finished, and its fills. A broker
// bot's open orders are recorded with broker_status pending: the runner
// submits them after the commit. Orders
// get consecutive engine ids within a decision, so the index of an order
// is its id minus the first new id, and refusals (which get no id) follow.
func (r *Runner) writeOrders(ctx context.Context, w *batch, botID int64, viaBroker bool, bar time.Time, before, after trading.State,
	events []trading.Event) error {
	open := map[int64]trading.Order{}
	for _, o := range after.Orders {
		open[o.ID] = o
	}
	fills := map[int64]*trading.Fill{}
	for _, ev := range events {
		if ev.Kind == trading.EventOrderFilled && ev.Fill != nil {
			fills[ev.Fill.OrderID] = ev.Fill
		}
	}
	refused := map[int64]string{} // orders refused at their fill
	var newRefusals []trading.Refusal
	for _, rf := range after.Refusals[min(len(before.Refusals), len(after.Refusals)):] {
		if rf.Order.ID != 0 {
			refused[rf.Order.ID] = rf.Reason
		} else {
			newRefusals = append(newRefusals, rf)
		}
	}
	cancelled := map[string]string{}
	for _, ev := range events {
		if ev.Kind == trading.EventOrderCancelled {
			cancelled[ev.Symbol] = ev.Reason
		}
	}
	first := max(before.NextOrderID, 1)
	for id := first; id < after.NextOrderID; id++ {
		key := orderKey(botID, bar, id-first)
		var row dbsqlc.BotOrderInsertParams
		switch o, isOpen := open[id]; {
		case isOpen:
			row = orderRow(o, "open", nil)
			if viaBroker { // submitted after the commit
				pending := brokerPending
				row.BrokerStatus = &pending
			}
		case fills[id] != nil:
			f := fills[id]
			// Placed and filled in one decision: a protective exit, which
			// closes the position (a sell of a long, a buy of a short).
			row = orderRow(trading.Order{ID: id, Symbol: f.Symbol, Side: f.Side, Type: trading.Market, TIF: trading.GTC,
				Close: true, Quantity: f.Quantity, Reason: f.Reason}, "filled", nil)
		default:
			reason := refused[id]
			if reason == "" {
				return fmt.Errorf("order %d of bot %d is neither open, filled nor refused after its decision", id, botID)
			}
			row = orderRow(trading.Order{ID: id}, "refused", &reason)
		}
		row.BotID, row.IdempotencyKey, row.BarTime = botID, key, bar
		if err := r.q.BotOrderInsert(ctx, w, row); err != nil {
			return fmt.Errorf("record order %s: %w", key, err)
		}
	}
	for i, rf := range newRefusals {
		key := orderKey(botID, bar, after.NextOrderID-first+int64(i))
		reason := rf.Reason
		row := orderRow(rf.Order, "refused", &reason)
		row.BotID, row.IdempotencyKey, row.BarTime = botID, key, bar
		if err := r.q.BotOrderInsert(ctx, w, row); err != nil {
			return fmt.Errorf("record refused order %s: %w", key, err)
		}
	}
	for _, o := range before.Orders {
		if _, still := open[o.ID]; still {
			continue
		}
		status, why := "cancelled", cancelled[o.Symbol]
		switch {
		case fills[o.ID] != nil:
			status, why = "filled", ""
		case refused[o.ID] != "":
			status, why = "refused", refused[o.ID]
		case why == "":
			why = "the position was closed"
		}
		id := o.ID
		params := dbsqlc.BotOrderFinishParams{BotID: botID, EngineOrderID: &id, Status: status}
		if why != "" {
			params.Refusal = &why
		}
		w.one("finish order %d of bot %d: no open order row", o.ID, botID)
		if _, err := r.q.BotOrderFinish(ctx, w, params); err != nil {
			return fmt.Errorf("finish order %d: %w", o.ID, err)
		}
	}
	// Fills, with the round trip's P&L on the one that closed a position
	// (the engine reports the close just before that fill).
	closedPnL := map[string]decimal.Decimal{}
	for _, ev := range events {
		switch {
		case ev.Kind == trading.EventPositionClosed:
			closedPnL[ev.Symbol] = ev.PnL
		case ev.Kind == trading.EventOrderFilled && ev.Fill != nil:
			f := ev.Fill
			params := dbsqlc.BotFillInsertParams{BotID: botID, BarTime: f.Time, Symbol: f.Symbol, Side: string(f.Side),
				Price: f.Price, Quantity: f.Quantity, Fee: f.Fee, Reason: f.Reason, EngineOrderID: &f.OrderID}
			if pnl, ok := closedPnL[f.Symbol]; ok { // a sell closing a long or a buy covering a short
				params.TradePnl = decimal.NullDecimal{Decimal: pnl, Valid: true}
				delete(closedPnL, f.Symbol)
			}
			w.one("record fill of order %d of bot %d: no order row", f.OrderID, botID)
			if _, err := r.q.BotFillInsert(ctx, w, params); err != nil {
				return fmt.Errorf("record fill of order %d: %w", f.OrderID, err)
			}
		}
	}
	return nil
}

// orderRow is an order's bot_orders columns.
func orderRow(o trading.Order, status string, refusal *string) dbsqlc.BotOrderInsertParams {
	row := dbsqlc.BotOrderInsertParams{Symbol: o.Symbol, Side: string(o.Side), Type: string(o.Type), Tif: string(o.TIF),
		AllCash: o.AllCash, ClosePosition: o.Close, Status: status, Reason: o.Reason, Refusal: refusal,
		Quantity: nullIfZero(o.Quantity), Notional: nullIfZero(o.Notional), LimitPrice: nullIfZero(o.LimitPrice),
		StopPrice: nullIfZero(o.StopPrice)}
	if o.ID != 0 {
		id := o.ID
		row.EngineOrderID = &id
	}
	if row.Type == "" {
		row.Type = string(trading.Market)
	}
	if row.Tif == "" {
		row.Tif = string(trading.GTC)
	}
	if row.Side == "" {
		row.Side = string(trading.Buy)
	}
	return row
}

func nullIfZero(d decimal.Decimal) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: d, Valid: !d.IsZero()}
}

// writePositions mirrors the engine's positions into bot_positions.
func (r *Runner) writePositions(ctx context.Context, w *batch, botID int64, st trading.State) error {
	held := make([]string, 0, len(st.Positions))
	for sym, p := range st.Positions {
		held = append(held, sym)
		if err := r.q.BotPositionUpsert(ctx, w, dbsqlc.BotPositionUpsertParams{BotID: botID, Symbol: sym, Quantity: p.Quantity,
			AvgCost: p.AvgCost, LastClose: decimal.NewFromFloat(p.LastClose), OpenedAt: p.OpenedAt}); err != nil {
			return fmt.Errorf("record position %s: %w", sym, err)
		}
	}
	if err := r.q.BotPositionsDeleteExcept(ctx, w, dbsqlc.BotPositionsDeleteExceptParams{BotID: botID, Held: held}); err != nil {
		return fmt.Errorf("drop closed positions: %w", err)
	}
	return nil
}

type equity struct{ equity, positions decimal.Decimal }

// equityOf is cash plus every position at its last close.
func equityOf(st trading.State) equity {
	pos := decimal.Zero
	for _, p := range st.Positions {
		pos = pos.Add(p.Quantity.Mul(decimal.NewFromFloat(p.LastClose)))
	}
	return equity{equity: st.Cash.Add(pos), positions: pos}
}

// summary is the daily P&L summary's bookkeeping after a decision.
type summary struct {
	day    pgtype.Date
	equity decimal.NullDecimal
}

// notes builds the decision's notifications: its fills, closes and stops;
// the kill switch; and, at the first decision of a new UTC day, the P&L
// summary of the days since the last one.
func (r *Runner) notes(ctx context.Context, tx pgx.Tx, b *dbsqlc.TradingBot, bar time.Time, before trading.State,
	events []trading.Event, kill *trading.Event) ([]Note, summary, error) {
	var notes []Note
	if n := tradeNote(b.UserID, b.Name, bar, events); n != nil {
		notes = append(notes, *n)
	}
	if kill != nil {
		cfg, err := engineConfig(b)
		if err != nil {
			return nil, summary{}, err
		}
		notes = append(notes, haltNote(b.UserID, b.Name, kill.Reason, cfg.Risk.FlattenOnHalt))
	}
	day := time.Date(bar.Year(), bar.Month(), bar.Day(), 0, 0, 0, 0, time.UTC)
	s := summary{day: b.SummaryDay, equity: b.SummaryEquity}
	// The equity at the previous decision's close.
	prev := decimal.NewFromFloat(before.LastEquity)
	switch {
	case !b.SummaryDay.Valid || !b.SummaryEquity.Valid:
		s.day = pgtype.Date{Time: day, Valid: true}
		s.equity = decimal.NullDecimal{Decimal: prev, Valid: true}
	case day.After(b.SummaryDay.Time):
		from := b.SummaryDay.Time
		fills, err := r.q.BotFillCountBetween(ctx, tx, dbsqlc.BotFillCountBetweenParams{BotID: b.ID, FromTime: from, ToTime: day})
		if err != nil {
			return nil, s, fmt.Errorf("count fills for the daily summary: %w", err)
		}
		notes = append(notes, summaryNote(b.UserID, b.Name, from, day, b.SummaryEquity.Decimal, prev, fills))
		s.day = pgtype.Date{Time: day, Valid: true}
		s.equity = decimal.NullDecimal{Decimal: prev, Valid: true}
	}
	return notes, s, nil
}

// setState changes the bot's state on the service's own behalf (source
// tradingbot), audited and notified.
func (r *Runner) setState(ctx context.Context, tx pgx.Tx, b *dbsqlc.TradingBot, state, reason, action string) error {
	if _, err := r.q.TradingBotSetState(ctx, tx, dbsqlc.TradingBotSetStateParams{ID: b.ID, State: state, StateReason: reason,
		EngineState: b.EngineState}); err != nil {
		return err
	}
	if err := audit.Write(ctx, tx, audit.Entry{Owner: b.UserID, Source: audit.SourceTradingBot, Action: action,
		EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "reason": reason}}); err != nil {
		return err
	}
	if r.o.Notifier == nil {
		return nil
	}
	return r.o.Notifier.NotifyTx(ctx, tx, Note{UserID: b.UserID, Priority: notify.PriorityHigh, Text: fmt.Sprintf("Trading bot %s: %s.", b.Name, reason)})
}
