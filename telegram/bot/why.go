package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// whyResult is the part of an alert run's result /why reads (jobs.AlertResult).
type whyResult struct {
	Symbol    string        `json:"symbol"`
	Timeframe string        `json:"timeframe"`
	Fired     bool          `json:"fired"`
	Trace     *alerts.Trace `json:"trace"`
}

// cmdWhy prints the trace of one of the user's alert runs: each condition
// with its values, the re-arm state before and after, and why it fired or
// not. Another user's run is "no such run": the query is scoped to the user.
func (b *Bot) cmdWhy(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	run, err := b.q.RunGetByOwner(ctx, tx, dbsqlc.RunGetByOwnerParams{ID: cmd.ID, UserID: &user.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		r.text = fmt.Sprintf("No such run: %d is not one of your runs. /runs lists your recent ones; alert messages end with the /why that explains them.", cmd.ID)
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("load run %d of user %d: %w", cmd.ID, user.ID, err)
	}
	head := fmt.Sprintf("Run %d", run.ID)
	if run.JobID != nil {
		head += fmt.Sprintf(" of #%d", *run.JobID)
	}
	if run.JobType != config.JobAlert {
		r.text = fmt.Sprintf("%s is a %s run: /why explains alert runs.", head, run.JobType)
		return r, nil
	}
	var res whyResult
	if len(run.Result) > 0 {
		if err := json.Unmarshal(run.Result, &res); err != nil {
			b.log.WarnContext(ctx, "alert run result does not decode", "run_id", run.ID, "error", err)
		}
	}
	if res.Trace == nil {
		text := fmt.Sprintf("%s (%s) has no trace to show", head, run.Status)
		switch {
		case run.JobID == nil:
			text += ": it is a backtest or an evaluation from the API, not a run of an alert."
		case run.Status == "PENDING" || run.Status == "RUNNING":
			text += " yet: it has not been evaluated. Try again in a moment."
		case run.Error != nil && *run.Error != "":
			first, _, _ := strings.Cut(*run.Error, "\n")
			text += ": " + clipLong(first) + "."
		default:
			text += "."
		}
		r.text = text
		return r, nil
	}
	if res.Symbol != "" {
		head += fmt.Sprintf(" — %s %s", res.Symbol, res.Timeframe)
	}
	head += " — " + run.Status
	if res.Fired {
		head += ", fired"
	}
	r.text = head + "\n" + res.Trace.Text()
	return r, nil
}

// clipLong shortens an error quoted in a reply.
func clipLong(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}
