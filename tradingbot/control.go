package tradingbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/trading"
)

// Update changes one of the actor's bots, by id, to d (see Apply for what
// an edit may change). d.Name may be empty (the bot's name); a different
// name is refused: a bot's name is its handle in the bot commands and the
// alert actions.
func (s *Service) Update(ctx context.Context, tx pgx.Tx, a Actor, id int64, d Definition) (dbsqlc.TradingBot, error) {
	cur, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return cur, err
	}
	if d.Name == "" {
		d.Name = cur.Name
	}
	if d.Name != cur.Name {
		return cur, invalid("name", "a bot's name cannot change (this is %q); create a new bot instead", cur.Name)
	}
	if err := d.normalize(s.validator); err != nil {
		return cur, err
	}
	if err := s.checkBroker(ctx, tx, cur.UserID, d.Broker); err != nil {
		return cur, err
	}
	return s.update(ctx, tx, a, cur, d)
}

// Delete removes one of the actor's bots with its orders, fills, positions
// and equity curve. A runner holding it finds it gone at its next decision.
func (s *Service) Delete(ctx context.Context, tx pgx.Tx, a Actor, id int64) (dbsqlc.TradingBot, error) {
	b, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return b, err
	}
	if _, err := s.q.TradingBotDelete(ctx, tx, dbsqlc.TradingBotDeleteParams{ID: id, UserID: a.scope()}); err != nil {
		return b, fmt.Errorf("delete bot %d: %w", id, err)
	}
	return b, audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: b.UserID, Source: a.Source, Action: "tradingbot.delete",
		EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "state": b.State}})
}

// FindByName returns the actor's bot named name (case-insensitive).
func (s *Service) FindByName(ctx context.Context, q dbsqlc.DBTX, a Actor, name string) (dbsqlc.TradingBot, error) {
	b, err := s.q.TradingBotGetByName(ctx, q, dbsqlc.TradingBotGetByNameParams{UserID: a.UserID, Name: name})
	if errors.Is(err, pgx.ErrNoRows) {
		return b, &Error{Kind: KindNotFound, Field: "name", Msg: fmt.Sprintf("you have no trading bot named %q", name)}
	}
	if err != nil {
		return b, fmt.Errorf("look up bot %q: %w", name, err)
	}
	return b, nil
}

// ForceExitResult is what a force exit queued.
type ForceExitResult struct {
	Bot dbsqlc.TradingBot
	// Symbols are the positions the bot will close at its next decision.
	Symbols []string
	// Cancelled counts the open orders of those symbols cancelled now.
	Cancelled int
}

// ForceExit makes one of the actor's bots close its position in symbol
// ("" for every position) at its next decision: an exit action (a market
// sell of the whole position, which the risk engine always accepts) is
// stored in the bot's engine state, in tx, and the runner places the order
// on the next closed bar, filled at the bar after's open like any market
// order. The symbol's open orders are cancelled at once, so that no entry
// fills meanwhile. A stopped bot keeps the exit queued until it is
// started. Asking again before the exit is decided queues nothing more.
// An alpaca bot's open orders are not cancelled: they were submitted to
// the broker and are booked as the broker reports them.
func (s *Service) ForceExit(ctx context.Context, tx pgx.Tx, a Actor, id int64, symbol string) (ForceExitResult, error) {
	b, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return ForceExitResult{Bot: b}, err
	}
	res := ForceExitResult{Bot: b}
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	if symbol != "" && !slices.Contains(b.Symbols, symbol) {
		return res, invalid("symbol", "bot %q does not trade %s (its symbols: %s)", b.Name, symbol, strings.Join(b.Symbols, ", "))
	}
	st, ok, err := storedState(&b)
	if err != nil {
		return res, err
	}
	var targets []string
	if ok {
		for _, sym := range heldSymbols(st) {
			if symbol == "" || sym == symbol {
				targets = append(targets, sym)
			}
		}
	}
	if len(targets) == 0 {
		if symbol == "" {
			return res, conflict("all", "bot %q holds no position and no open order", b.Name)
		}
		return res, conflict("symbol", "bot %q holds no position and no open order in %s", b.Name, symbol)
	}
	var cancelled []trading.Order
	st.Orders = slices.DeleteFunc(st.Orders, func(o trading.Order) bool {
		if usesBroker(b.Broker) {
			return false // at the broker: they are worked there until final (a limit of broker bots)
		}
		if slices.Contains(targets, o.Symbol) && !o.Close { // a resting close (of a long or a short) is the exit
			cancelled = append(cancelled, o)
			return true
		}
		return false
	})
	for _, sym := range targets {
		if st.Positions[sym] == nil {
			continue // only open orders: cancelling them is the exit
		}
		queued := slices.ContainsFunc(st.Actions, func(x trading.Action) bool { return x.Symbol == sym && x.Side == "exit" })
		if !queued {
			st.Actions = append(st.Actions, trading.Action{Bot: b.Name, Symbol: sym, Side: "exit"})
		}
		res.Symbols = append(res.Symbols, sym)
	}
	why := "cancelled by a force exit via " + string(a.Source) + " by " + a.name()
	for _, o := range cancelled {
		oid := o.ID
		if _, err := s.q.BotOrderFinish(ctx, tx, dbsqlc.BotOrderFinishParams{BotID: b.ID, EngineOrderID: &oid,
			Status: "cancelled", Refusal: &why}); err != nil {
			return res, fmt.Errorf("cancel order %d of bot %d: %w", o.ID, b.ID, err)
		}
	}
	if usesBroker(b.Broker) && len(res.Symbols) == 0 {
		return res, conflict("symbol", "bot %q holds no position to exit; its open orders are at the broker (%s) and are not cancelled by a force exit",
			b.Name, b.Broker)
	}
	res.Cancelled = len(cancelled)
	stored, err := json.Marshal(st)
	if err != nil {
		return res, fmt.Errorf("encode bot %d state: %w", b.ID, err)
	}
	if res.Bot, err = s.q.TradingBotSetState(ctx, tx, dbsqlc.TradingBotSetStateParams{ID: b.ID, State: b.State,
		StateReason: b.StateReason, EngineState: stored}); err != nil {
		return res, fmt.Errorf("queue the force exit of bot %d: %w", b.ID, err)
	}
	target := symbol
	if target == "" {
		target = "all"
	}
	return res, audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: b.UserID, Source: a.Source, Action: "tradingbot.forceexit",
		EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "target": target,
			"symbols": res.Symbols, "cancelled_orders": res.Cancelled}})
}

// StopEntry halts new entries of one of the actor's bots (freqtrade's
// /stopentry): the bot is halted as by a kill switch — buys are refused
// with the reason, exits, stops and open orders are still worked — until
// Start clears it. A stopped bot is refused (it places nothing anyway).
func (s *Service) StopEntry(ctx context.Context, tx pgx.Tx, a Actor, id int64) (dbsqlc.TradingBot, error) {
	b, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return b, err
	}
	if b.State == StateStopped {
		return b, conflict("state", "bot %q is stopped: it places no orders; start it first", b.Name)
	}
	st, ok, err := storedState(&b)
	if err != nil {
		return b, err
	}
	if !ok { // before the first decision: the fresh account it will start from
		if _, st, err = engineOf(s.validator, &b); err != nil {
			return b, err
		}
	}
	if st.EntriesStopped {
		return b, nil
	}
	st.EntriesStopped = true
	stored, err := json.Marshal(st)
	if err != nil {
		return b, fmt.Errorf("encode bot %d state: %w", b.ID, err)
	}
	from := b.State
	reason := "entries stopped via " + string(a.Source) + " by " + a.name()
	if b, err = s.q.TradingBotSetState(ctx, tx, dbsqlc.TradingBotSetStateParams{ID: b.ID, State: StateHalted,
		StateReason: reason, EngineState: stored}); err != nil {
		return b, fmt.Errorf("stop entries of bot %d: %w", b.ID, err)
	}
	return b, audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: b.UserID, Source: a.Source, Action: "tradingbot.stopentry",
		EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "from": from}})
}
