package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/vigilhq/vigil/config"
)

// runOutcome is what a screener or report job commits when it succeeds.
type runOutcome struct {
	result any
	notes  []NotifyArgs
	// writes runs first in the transaction (artifacts, created alerts); it
	// may complete the result, which is encoded after it.
	writes func(tx pgx.Tx) error
}

// commitOutcome writes the run's result, the notifications the job causes
// and o.writes, and completes the River job, in one transaction
// (river.JobCompleteTx): a retried job never notifies twice and a notified
// result is never lost.
func commitOutcome[T river.JobArgs](ctx context.Context, pool *pgxpool.Pool, cfg config.Config,
	job *river.Job[T], ref RunRef, now time.Time, o runOutcome) error {
	workerID := ""
	if c := river.ClientFromContext[pgx.Tx](ctx); c != nil {
		workerID = c.ID()
	}
	started := now
	if job.AttemptedAt != nil {
		started = *job.AttemptedAt
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if o.writes != nil {
			if err := o.writes(tx); err != nil {
				return err
			}
		}
		// Encoded after the writes, which may add to the result.
		res, err := json.Marshal(o.result)
		if err != nil {
			return fmt.Errorf("encode run %d result: %w", ref.RunID, err)
		}
		if len(o.notes) > 0 {
			params := make([]river.InsertManyParams, len(o.notes))
			for i, n := range o.notes {
				params[i] = river.InsertManyParams{Args: n, InsertOpts: InsertOpts(cfg, config.JobNotification)}
			}
			if _, err := river.ClientFromContext[pgx.Tx](ctx).InsertManyTx(ctx, tx, params); err != nil {
				return fmt.Errorf("enqueue %d notifications: %w", len(params), err)
			}
		}
		ev := RunEvent{RunID: ref.RunID, ScheduleID: ref.ScheduleID, ScheduledFor: ref.ScheduledFor, Status: StatusCompleted, Attempt: job.Attempt,
			StartedAt: started, At: now, WorkerID: workerID, Result: res}
		if err := applyEvents(ctx, tx, []RunEvent{ev}); err != nil {
			return err
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete job %d: %w", job.ID, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	MarkSelfTracked(ctx)
	return nil
}
