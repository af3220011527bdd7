package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schemas"
)

// MaxOpenAdhocRuns is how many ad-hoc runs one user may have pending or
// running at once: a report or a 500-symbol screener is real work, and a
// user repeating a command must not queue it without bound.
const MaxOpenAdhocRuns = 3

// ErrTooManyAdhocRuns is returned by RunNow when the user already has
// MaxOpenAdhocRuns ad-hoc runs pending or running.
var ErrTooManyAdhocRuns = fmt.Errorf("you already have %d runs waiting or running; wait for one to finish", MaxOpenAdhocRuns)

// RunNowRequest asks for an ad-hoc run of a report or screener: no schedule
// (job_id NULL, trigger "adhoc"), worked by the type's River worker now.
type RunNowRequest struct {
	// JobType is config.JobReport or config.JobScreener.
	JobType string
	// UserID owns the run; its notifications go to this user.
	UserID int64
	// Params are the task_params, validated against the type's schema.
	Params json.RawMessage
	// Target is what a schedule's target would hold (a ticker list for a
	// screener with screener_set "custom").
	Target string
}

// RunNow validates req, records a PENDING ad-hoc run and inserts its River
// job, all in tx: either both exist or neither. It returns the run id, or
// ErrTooManyAdhocRuns when the user has MaxOpenAdhocRuns open already (the
// user's row is locked, so concurrent calls count each other).
func RunNow(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], cfg config.Config,
	v *schemas.Validator, req RunNowRequest) (int64, error) {
	if err := v.Validate(req.JobType, req.Params); err != nil {
		return 0, err
	}
	q := dbsqlc.New()
	if err := q.UserLock(ctx, tx, req.UserID); err != nil {
		return 0, fmt.Errorf("lock user %d: %w", req.UserID, err)
	}
	open, err := q.RunCountOpenAdhoc(ctx, tx, &req.UserID)
	if err != nil {
		return 0, fmt.Errorf("count open runs of user %d: %w", req.UserID, err)
	}
	if open >= MaxOpenAdhocRuns {
		return 0, ErrTooManyAdhocRuns
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := db.EnsureRunPartitions(ctx, tx, now, now); err != nil {
		return 0, err
	}
	run, err := q.RunInsertAdhocPending(ctx, tx, dbsqlc.RunInsertAdhocPendingParams{
		JobType: req.JobType, UserID: &req.UserID, ScheduledFor: now, JobSnapshot: req.Params})
	if err != nil {
		return 0, fmt.Errorf("record %s run for user %d: %w", req.JobType, req.UserID, err)
	}
	ref := RunRef{RunID: run.ID, ScheduledFor: now, UserID: req.UserID}
	var args river.JobArgs
	switch req.JobType {
	case config.JobReport:
		args = ReportArgs{Run: ref, Target: req.Target, Params: req.Params}
	case config.JobScreener:
		args = ScreenerArgs{Run: ref, Target: req.Target, Params: req.Params}
	default:
		return 0, fmt.Errorf("run now: job type %q cannot be run ad hoc (report or screener)", req.JobType)
	}
	res, err := client.InsertTx(ctx, tx, args, InsertOpts(cfg, req.JobType))
	if err != nil {
		return 0, fmt.Errorf("enqueue %s run %d: %w", req.JobType, run.ID, err)
	}
	if err := q.RunSetRiverJob(ctx, tx, dbsqlc.RunSetRiverJobParams{ID: run.ID, ScheduledFor: run.ScheduledFor, RiverJobID: &res.Job.ID}); err != nil {
		return 0, fmt.Errorf("link run %d to river job %d: %w", run.ID, res.Job.ID, err)
	}
	return run.ID, nil
}
