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
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// RunRetentionArgs applies retention: old run partitions, health rows and
// alert fires.
type RunRetentionArgs struct{}

// Kind is the River kind.
func (RunRetentionArgs) Kind() string { return "vigil_run_retention" }

// InsertOpts puts the job on the maintenance queue.
func (RunRetentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3}
}

// RunRetentionWorker keeps job_schedule_runs' day partitions: it creates the
// missing ones up to db.RunPartitionsAhead days ahead, and drops every
// partition that ends before now − run_retention, whole (no row-by-row
// DELETE, no dead tuples for VACUUM). A partition that still holds unfinished
// runs is kept until the reconciler has finished them.
type RunRetentionWorker struct {
	river.WorkerDefaults[RunRetentionArgs]
	Pool   *pgxpool.Pool
	Config config.Config
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Work creates partitions ahead, then drops the expired ones.
func (w *RunRetentionWorker) Work(ctx context.Context, _ *river.Job[RunRetentionArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	_, err := ApplyRunRetention(ctx, w.Pool, w.Logger, now, w.Config.RunRetention.D())
	return err
}

// RetentionResult is what one retention pass did.
type RetentionResult struct {
	PartitionsCreated int
	PartitionsDropped []string
	// PartitionsKept are expired partitions kept for their unfinished runs.
	PartitionsKept []string
	HealthRows     int64
	AlertFires     int64
	Before         time.Time
}

// ApplyRunRetention is one retention pass at now with the given retention.
func ApplyRunRetention(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, now time.Time, retention time.Duration) (RetentionResult, error) {
	res := RetentionResult{Before: now.Add(-retention)}
	created, err := db.EnsureRunPartitionsAhead(ctx, pool, now)
	if err != nil {
		return res, err
	}
	res.PartitionsCreated = created
	q := dbsqlc.New()
	parts, err := q.RunPartitionsDropBefore(ctx, pool, res.Before)
	if err != nil {
		return res, fmt.Errorf("drop run partitions before %s: %w", res.Before.Format(time.RFC3339), err)
	}
	for _, p := range parts {
		if p.Action == "dropped" {
			res.PartitionsDropped = append(res.PartitionsDropped, p.PartitionName)
			continue
		}
		res.PartitionsKept = append(res.PartitionsKept, p.PartitionName)
		log.Warn("expired run partition kept: it holds unfinished runs", "partition", p.PartitionName, "ends", p.ToAt)
	}
	res.HealthRows, err = q.HealthDeleteOlderThan(ctx, pool, now.Add(-7*24*time.Hour))
	if err != nil {
		return res, fmt.Errorf("delete old health rows: %w", err)
	}
	// Alert fires are part of their runs' record (flood control and digests
	// read only the last minutes).
	res.AlertFires, err = q.AlertFiresDeleteOlderThan(ctx, pool, res.Before)
	if err != nil {
		return res, fmt.Errorf("delete old alert fires: %w", err)
	}
	if created > 0 || len(parts) > 0 || res.HealthRows > 0 || res.AlertFires > 0 {
		log.Info("retention", "run_partitions_created", created, "run_partitions_dropped", res.PartitionsDropped,
			"run_partitions_kept", res.PartitionsKept, "health_rows_deleted", res.HealthRows,
			"alert_fires_deleted", res.AlertFires, "before", res.Before)
	}
	return res, nil
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
