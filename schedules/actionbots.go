package schedules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// checkActionBots looks up the bot of every trading-bot action of a
// screener's task_params (actions) among the owner's bots, so a typo in a
// bot name is refused when the schedule is saved rather than when it fires.
// The schema has already checked the shape.
func (s *Service) checkActionBots(ctx context.Context, tx pgx.Tx, o Owner, d Definition) error {
	if d.JobType != config.JobScreener {
		return nil
	}
	var p struct {
		Actions []struct {
			Bot string `json:"bot"`
		} `json:"actions"`
	}
	if json.Unmarshal(d.TaskParams, &p) != nil {
		return nil
	}
	for i, a := range p.Actions {
		_, err := s.q.TradingBotGetByName(ctx, tx, dbsqlc.TradingBotGetByNameParams{UserID: o.ID, Name: a.Bot})
		if errors.Is(err, pgx.ErrNoRows) {
			return invalid(fmt.Sprintf("task_params/actions/%d/bot", i), fmt.Sprintf("you have no trading bot named %q", a.Bot))
		}
		if err != nil {
			return fmt.Errorf("look up bot %q of user %d: %w", a.Bot, o.ID, err)
		}
	}
	return nil
}
