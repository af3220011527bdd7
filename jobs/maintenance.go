package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// RunRetentionArgs deletes old runs and health rows, in batches.
type RunRetentionArgs struct{}

// Kind is the River kind.
func (RunRetentionArgs) Kind() string { return "vigil_run_retention" }

// InsertOpts puts the job on the maintenance queue.
func (RunRetentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3}
}

// RunRetentionWorker deletes finished runs older than the retention.
type RunRetentionWorker struct {
	river.WorkerDefaults[RunRetentionArgs]
	Pool   *pgxpool.Pool
	Config config.Config
	Logger *slog.Logger
	// BatchSize rows per DELETE (default 5000).
	BatchSize int
}

// Work deletes in batches until nothing old is left.
func (w *RunRetentionWorker) Work(ctx context.Context, _ *river.Job[RunRetentionArgs]) error {
	batch := w.BatchSize
	if batch <= 0 {
		batch = 5000
	}
	before := time.Now().Add(-w.Config.RunRetention.D())
	q := dbsqlc.New()
	var total int64
	for {
		n, err := q.RunDeleteOlderThan(ctx, w.Pool, dbsqlc.RunDeleteOlderThanParams{Before: before, MaxRows: int32(batch)})
		if err != nil {
			return fmt.Errorf("delete runs before %s: %w", before.Format(time.RFC3339), err)
		}
		total += n
		if n < int64(batch) {
			break
		}
	}
	h, err := q.HealthDeleteOlderThan(ctx, w.Pool, time.Now().Add(-7*24*time.Hour))
	if err != nil {
		return fmt.Errorf("delete old health rows: %w", err)
	}
	// Alert fires are part of their runs' record (flood control and digests
	// read only the last minutes).
	fires, err := q.AlertFiresDeleteOlderThan(ctx, w.Pool, before)
	if err != nil {
		return fmt.Errorf("delete old alert fires: %w", err)
	}
	if total > 0 || h > 0 || fires > 0 {
		w.Logger.Info("retention", "runs_deleted", total, "health_rows_deleted", h, "alert_fires_deleted", fires, "before", before)
	}
	return nil
}

// RunReconcileArgs repairs the ledger from River's job states.
type RunReconcileArgs struct{}

// Kind is the River kind.
func (RunReconcileArgs) Kind() string { return "vigil_run_reconcile" }

// InsertOpts puts the job on the maintenance queue.
func (RunReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3}
}

// RunReconcileWorker repairs runs left PENDING or RUNNING whose River job has
// moved on (completed, discarded, cancelled, or gone), e.g. after a crash
// between a job's completion and its ledger write.
type RunReconcileWorker struct {
	river.WorkerDefaults[RunReconcileArgs]
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	// Settle is how long after a change a run is left to the ledger before
	// it is reconciled (default 10s).
	Settle time.Duration
}

// Work reconciles in batches.
func (w *RunReconcileWorker) Work(ctx context.Context, _ *river.Job[RunReconcileArgs]) error {
	_, err := Reconcile(ctx, w.Pool, w.Logger, w.Settle)
	return err
}

// Reconcile repairs the ledger and reports how many runs it changed.
func Reconcile(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, settle time.Duration) (int, error) {
	if settle <= 0 {
		settle = 10 * time.Second
	}
	q := dbsqlc.New()
	total := 0
	for {
		rows, err := q.RunReconcile(ctx, pool, dbsqlc.RunReconcileParams{
			SettledBefore: time.Now().Add(-settle), MaxRows: 1000})
		if err != nil {
			return total, fmt.Errorf("reconcile runs: %w", err)
		}
		total += len(rows)
		for _, r := range rows {
			log.Info("run reconciled from river", "run_id", r.ID, "schedule_id", deref64(r.JobID), "status", r.Status)
			if r.Status == StatusFailed && r.JobID != nil {
				pauseForFailure(ctx, pool, log, []int64{*r.JobID})
			}
		}
		if len(rows) < 1000 {
			break
		}
	}
	n, err := q.RunResetStuck(ctx, pool, time.Now().Add(-time.Hour))
	if err != nil {
		return total, fmt.Errorf("reset stuck runs: %w", err)
	}
	return total + int(n), nil
}

// pauseForFailure pauses schedules with pause_on_failure after a FAILED run.
func pauseForFailure(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, scheduleIDs []int64) {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return pauseAfterFailure(ctx, tx, scheduleIDs) })
	if err != nil {
		log.Error("pause schedules after failure", "schedule_ids", scheduleIDs, "error", err)
	}
}

func deref64(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}
