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

// ActionBot is the bot named by one trading-bot action of a schedule's
// task_params, with the field that names it.
type ActionBot struct {
	Name  string
	Field string // e.g. "task_params/notify/actions/0/bot"
}

// ActionBots lists the bots a schedule's trading-bot actions name: a
// screener's task_params actions (applied to its top matches) and an
// alert's notify.actions (the full form; the short form has no notify).
// Task params that do not decode list nothing: the schema has judged them.
func ActionBots(jobType string, taskParams []byte) []ActionBot {
	type action struct {
		Bot string `json:"bot"`
	}
	var actions []action
	prefix := ""
	switch jobType {
	case config.JobScreener:
		var p struct {
			Actions []action `json:"actions"`
		}
		if json.Unmarshal(taskParams, &p) != nil {
			return nil
		}
		actions, prefix = p.Actions, "task_params/actions/"
	case config.JobAlert:
		var p struct {
			Notify struct {
				Actions []action `json:"actions"`
			} `json:"notify"`
		}
		if json.Unmarshal(taskParams, &p) != nil {
			return nil
		}
		actions, prefix = p.Notify.Actions, "task_params/notify/actions/"
	}
	out := make([]ActionBot, 0, len(actions))
	for i, a := range actions {
		out = append(out, ActionBot{Name: a.Bot, Field: fmt.Sprintf("%s%d/bot", prefix, i)})
	}
	return out
}

// checkActionBots looks up the bot of every trading-bot action of a
// screener's or an alert's task_params (ActionBots) among the owner's bots,
// so a typo in a bot name, or another user's bot, is refused when the
// schedule is saved rather than when it fires. The schema has already
// checked the shape.
func (s *Service) checkActionBots(ctx context.Context, tx pgx.Tx, o Owner, d Definition) error {
	for _, a := range ActionBots(d.JobType, d.TaskParams) {
		_, err := s.q.TradingBotGetByName(ctx, tx, dbsqlc.TradingBotGetByNameParams{UserID: o.ID, Name: a.Name})
		if errors.Is(err, pgx.ErrNoRows) {
			return invalid(a.Field, fmt.Sprintf("you have no trading bot named %q", a.Name))
		}
		if err != nil {
			return fmt.Errorf("look up bot %q of user %d: %w", a.Name, o.ID, err)
		}
	}
	return nil
}
