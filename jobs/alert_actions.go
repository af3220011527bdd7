package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/screener"
)

// firedActions are the trading-bot actions of one alert fire.
type firedActions struct {
	run     RunRef
	res     *AlertResult
	actions []alerts.Action
}

// queueActions stores the trading-bot actions of the alerts that fired as
// trading_actions rows (source alert) in the alert job's transaction, for
// the named bots of the alerts' owners; each bot takes them at its next
// decision. A fire that flood control suppressed queues nothing. The key
// alert:<run id>:<index> makes a retried job queue nothing twice.
func queueActions(ctx context.Context, tx pgx.Tx, fires []firedActions) error {
	q := dbsqlc.New()
	for _, f := range fires {
		if f.res.Delivery != nil && f.res.Delivery.Outcome == DeliveryFlood {
			continue
		}
		details, err := json.Marshal(map[string]any{"schedule_id": f.run.ScheduleID, "run_id": f.run.RunID,
			"price": f.res.Price, "condition": f.res.Condition})
		if err != nil {
			return fmt.Errorf("encode action details: %w", err)
		}
		for i, a := range f.actions {
			if _, err := queueAction(ctx, q, tx, f.run.UserID, "alert", fmt.Sprintf("alert:%d:%d", f.run.RunID, i), a,
				f.res.Symbol, details); err != nil {
				return fmt.Errorf("queue action %d of alert run %d: %w", i, f.run.RunID, err)
			}
		}
	}
	return nil
}

// queueScreenerActions stores a screener's trading-bot actions for each of
// its first ActionsTopN matches as trading_actions rows (source screener) in
// the screener job's transaction: one row per match and action, the
// action's symbol defaulting to the match's. The key
// screener:<run id>:<match index>:<action index> makes a retried job queue
// nothing twice, as queueActions does for alerts.
func queueScreenerActions(ctx context.Context, tx pgx.Tx, run RunRef, p screener.Params, res screener.Result) (int, error) {
	if len(p.Actions) == 0 {
		return 0, nil
	}
	n := min(p.ActionsTopN, len(res.Results)) // ParseParams defaults it when actions are given
	q := dbsqlc.New()
	queued := 0
	for mi, m := range res.Results[:n] {
		details, err := json.Marshal(map[string]any{"schedule_id": run.ScheduleID, "run_id": run.RunID,
			"screener_set": p.ScreenerSet, "rank": mi + 1, "match": m.Symbol})
		if err != nil {
			return queued, fmt.Errorf("encode screener action details: %w", err)
		}
		for ai, a := range p.Actions {
			added, err := queueAction(ctx, q, tx, run.UserID, "screener", fmt.Sprintf("screener:%d:%d:%d", run.RunID, mi, ai), a,
				m.Symbol, details)
			if err != nil {
				return queued, fmt.Errorf("queue action %d for match %s of screener run %d: %w", ai, m.Symbol, run.RunID, err)
			}
			if added {
				queued++
			}
		}
	}
	return queued, nil
}

// queueAction inserts one trading_actions row under its idempotency key,
// the action's symbol defaulting to symbol; false (and no error) means an
// earlier attempt of the same job queued it already.
func queueAction(ctx context.Context, q *dbsqlc.Queries, tx pgx.Tx, userID int64, source, key string, a alerts.Action,
	symbol string, details []byte) (bool, error) {
	if a.Symbol != "" {
		symbol = a.Symbol
	}
	size := pgtype.Float8{Float64: a.SizePct, Valid: a.Side != "exit" && a.SizePct > 0}
	_, err := q.TradingActionInsert(ctx, tx, dbsqlc.TradingActionInsertParams{UserID: userID, Source: source, Key: key,
		Bot: a.Bot, Symbol: symbol, Side: a.Side, SizePct: size, Details: details})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
