package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/screener"
)

// RunRequest asks for an ad-hoc run of a report or screener: no schedule,
// worked by the job type's worker now.
type RunRequest struct {
	// JobType is config.JobReport or config.JobScreener.
	JobType string
	// UserID owns the run; its result goes to this user.
	UserID int64
	// Params are the task_params.
	Params json.RawMessage
	// Target is what a schedule's target would hold (a ticker list for a
	// screener with screener_set "custom").
	Target string
}

// RunNower starts the ad-hoc runs of /report and /screener. cmd/vigil
// passes one over the jobs client; the bot does not import jobs.
type RunNower interface {
	// CanRunNow reports whether this server has a worker for jobType.
	CanRunNow(jobType string) bool
	// RunNow validates req.Params against the job type's schema (a
	// *schemas.ValidationError), records a pending run and queues its job,
	// all in tx, and returns the run id. A user with too many runs open
	// gets a *TooManyRunsError.
	RunNow(ctx context.Context, tx pgx.Tx, req RunRequest) (int64, error)
}

// TooManyRunsError is the error of RunNow for a user who has Max runs
// waiting or running already.
type TooManyRunsError struct {
	Max int
}

// Error says how many runs are open.
func (e *TooManyRunsError) Error() string {
	return fmt.Sprintf("already %d runs waiting or running", e.Max)
}

// runsAvailable says why /report or /screener cannot run here, "" if they can.
func (b *Bot) runsAvailable(jobType string) string {
	switch {
	case b.runs == nil:
		return "Running reports and screeners from Telegram is not enabled on this server."
	case !b.runs.CanRunNow(jobType):
		return fmt.Sprintf("This server has no %s worker yet, so it cannot run one now.", jobType)
	}
	return ""
}

// runNow records an ad-hoc run, queues its job and audits it
// (report.run / screener.run, as the API does) in tx. A problem with the
// params is a usage reply ("" and nil when the run started).
func (b *Bot) runNow(ctx context.Context, tx pgx.Tx, cmd string, req RunRequest) (int64, string, error) {
	runID, err := b.runs.RunNow(ctx, tx, req)
	if ve, ok := errors.AsType[*schemas.ValidationError](err); ok {
		return 0, usage(cmd, fmt.Sprintf("That %s is not valid: %s.", req.JobType, alertProblem(ve))).Error(), nil
	}
	if tooMany, ok := errors.AsType[*TooManyRunsError](err); ok {
		return 0, fmt.Sprintf("You already have %d runs waiting or running; wait for one to finish (/runs lists them).", tooMany.Max), nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("run %s now for user %d: %w", req.JobType, req.UserID, err)
	}
	details := map[string]any{"job_type": req.JobType}
	if req.Target != "" {
		details["target"] = req.Target
	}
	if err := b.audit(ctx, tx, req.UserID, req.UserID, req.JobType+".run", "run", runID, details); err != nil {
		return 0, "", err
	}
	b.log.InfoContext(ctx, "ad-hoc run started from telegram", "run_id", runID, "user_id", req.UserID, "job_type", req.JobType)
	return runID, "", nil
}

func (b *Bot) cmdReport(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if r.text = b.runsAvailable(config.JobReport); r.text != "" {
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
	runID, problem, err := b.runNow(ctx, tx, "report", RunRequest{JobType: config.JobReport, UserID: user.ID, Params: params})
	if err != nil || problem != "" {
		r.text = problem
		return r, err
	}
	r.text = fmt.Sprintf("Report run %d started; the result arrives here when it is done.", runID)
	return r, nil
}

func (b *Bot) cmdScreener(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if r.text = b.runsAvailable(config.JobScreener); r.text != "" {
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
	runID, problem, err := b.runNow(ctx, tx, "screener", RunRequest{JobType: config.JobScreener, UserID: user.ID,
		Params: params, Target: spec.Target()})
	if err != nil || problem != "" {
		r.text = problem
		return r, err
	}
	r.text = fmt.Sprintf("Screener run %d started; the result arrives here when it is done.", runID)
	return r, nil
}
