package tradingbot

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/trading"
)

// decidedAction is what a decision made of one pending trading action.
type decidedAction struct {
	id             int64
	status, reason string
}

// takeActions hands the bot's pending trading actions (trading_actions rows
// its owner's TradingView webhooks, alerts and screeners queued for it by
// name) to the engine, in the decision's transaction: an action for one of
// the bot's symbols is queued (the engine turns it into an order at this
// bar, checked by the risk engine like any other); one for another symbol,
// or that the engine refuses, is refused with the reason. The rows are
// locked until the decision commits, and the action's key is kept in the
// engine state, so an action is taken once even if a decision is retried.
func (r *Runner) takeActions(ctx context.Context, tx pgx.Tx, b *dbsqlc.TradingBot, e *trading.Engine) ([]decidedAction, error) {
	pending, err := r.q.TradingActionsPendingForBot(ctx, tx, dbsqlc.TradingActionsPendingForBotParams{UserID: b.UserID, Bot: b.Name})
	if err != nil {
		return nil, fmt.Errorf("pending trading actions of bot %d: %w", b.ID, err)
	}
	out := make([]decidedAction, 0, len(pending))
	for _, a := range pending {
		d := decidedAction{id: a.ID, status: "taken"}
		if !slices.Contains(b.Symbols, a.Symbol) {
			d.status, d.reason = "refused", fmt.Sprintf("bot %s does not trade %s (its symbols: %v)", b.Name, a.Symbol, b.Symbols)
		} else {
			size := 0.0
			if a.SizePct.Valid {
				size = a.SizePct.Float64
			}
			if _, err := e.SubmitAction(trading.Action{Bot: a.Bot, Symbol: a.Symbol, Side: a.Side, SizePct: size,
				Key: "trading_action:" + a.Key}); err != nil {
				d.status, d.reason = "refused", err.Error()
			}
		}
		r.o.Logger.InfoContext(ctx, "trading action decided", "bot_id", b.ID, "user_id", b.UserID, "action_id", a.ID,
			"side", a.Side, "symbol", a.Symbol, "status", d.status, "reason", d.reason)
		out = append(out, d)
	}
	return out, nil
}
