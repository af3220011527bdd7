package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/screener"
)

// runsAvailable says why /report or /screener cannot run here, "" if they can.
func (b *Bot) runsAvailable(jobType string) string {
	switch {
	case b.jobs == nil:
		return "Running reports and screeners from Telegram is not enabled on this server."
	case !slices.Contains(b.jobs.Kinds, jobType):
		return fmt.Sprintf("This server has no %s worker yet, so it cannot run one now.", jobType)
	}
	return ""
}

// runNow records an ad-hoc run and queues its job in tx. A problem with the
// params is a usage reply ("" and nil when the run started).
func (b *Bot) runNow(ctx context.Context, tx pgx.Tx, cmd string, req jobs.RunNowRequest) (int64, string, error) {
	runID, err := jobs.RunNow(ctx, tx, b.jobs.Client, b.cfg, b.validator, req)
	if ve, ok := errors.AsType[*schemas.ValidationError](err); ok {
		return 0, usage(cmd, fmt.Sprintf("That %s is not valid: %s.", req.JobType, alertProblem(ve))).Error(), nil
	}
	if errors.Is(err, jobs.ErrTooManyAdhocRuns) {
		return 0, "You " + strings.TrimPrefix(err.Error(), "you ") + " (/runs lists them).", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("run %s now for user %d: %w", req.JobType, req.UserID, err)
	}
	b.log.InfoContext(ctx, "ad-hoc run started from telegram", "run_id", runID, "user_id", req.UserID, "job_type", req.JobType)
	return runID, "", nil
}

func (b *Bot) cmdReport(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if r.text = b.runsAvailable(jobs.KindReport); r.text != "" {
		return r, nil
	}
	spec := cmd.Report
	var portfolioID int64
	if spec.Portfolio != "" {
		p, problem, err := b.portfolioByName(ctx, tx, user, spec.Portfolio)
		if err != nil || problem != "" {
			r.text = problem
			return r, err
		}
		holdings, err := b.q.HoldingList(ctx, tx, p.ID)
		if err != nil {
			return r, fmt.Errorf("list holdings of portfolio %d: %w", p.ID, err)
		}
		if len(holdings) == 0 {
			r.text = fmt.Sprintf("Portfolio %s has no holdings to report on. Add one: /portfolio add %s SYMBOL QTY PRICE", p.Name, p.Name)
			return r, nil
		}
		portfolioID = p.ID
	}
	params, err := spec.TaskParams(portfolioID)
	if err != nil {
		return r, err
	}
	runID, problem, err := b.runNow(ctx, tx, "report", jobs.RunNowRequest{JobType: jobs.KindReport, UserID: user.ID, Params: params})
	if err != nil || problem != "" {
		r.text = problem
		return r, err
	}
	r.text = fmt.Sprintf("Report run %d started; the result arrives here when it is done.", runID)
	return r, nil
}

func (b *Bot) cmdScreener(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if r.text = b.runsAvailable(jobs.KindScreener); r.text != "" {
		return r, nil
	}
	spec := cmd.Screener
	if name, ok := strings.CutPrefix(spec.Set, "custom:"); ok {
		_, err := b.q.ScreenerSetGet(ctx, tx, dbsqlc.ScreenerSetGetParams{UserID: user.ID, Name: name})
		if errors.Is(err, pgx.ErrNoRows) {
			r.text = usage("screener", fmt.Sprintf("You have no screener set %q. /sets lists yours; /set %s AAPL,MSFT saves one; or list tickers with commas.", name, name)).Error()
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("load screener set %q of user %d: %w", name, user.ID, err)
		}
	}
	params, err := spec.TaskParams()
	if err != nil {
		return r, err
	}
	if _, err := screener.ParseParams(params); err != nil {
		r.text = usage("screener", "That screener is not valid: "+alertProblem(err)).Error()
		return r, nil
	}
	runID, problem, err := b.runNow(ctx, tx, "screener", jobs.RunNowRequest{JobType: jobs.KindScreener, UserID: user.ID,
		Params: params, Target: spec.Target()})
	if err != nil || problem != "" {
		r.text = problem
		return r, err
	}
	r.text = fmt.Sprintf("Screener run %d started; the result arrives here when it is done.", runID)
	return r, nil
}
