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
			symbol := a.Symbol
			if symbol == "" {
				symbol = f.res.Symbol
			}
			size := pgtype.Float8{Float64: a.SizePct, Valid: a.Side != "exit" && a.SizePct > 0}
			if _, err := q.TradingActionInsert(ctx, tx, dbsqlc.TradingActionInsertParams{UserID: f.run.UserID, Source: "alert",
				Key: fmt.Sprintf("alert:%d:%d", f.run.RunID, i), Bot: a.Bot, Symbol: symbol, Side: a.Side, SizePct: size,
				Details: details}); err != nil && !errors.Is(err, pgx.ErrNoRows) { // no row: queued by an earlier attempt
				return fmt.Errorf("queue action %d of alert run %d: %w", i, f.run.RunID, err)
			}
		}
	}
	return nil
}
