package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/backup"
	"github.com/vigilhq/vigil/config"
)

// BackupParams are a backup schedule's task_params.
type BackupParams struct {
	Directory string   `json:"directory,omitempty"`
	Retention int      `json:"retention,omitempty"`
	Tables    []string `json:"tables,omitempty"`
}

// BackupWorker dumps the database with pg_dump (custom format) into the
// backup directory, keeps the newest `retention` dumps, and records the
// file, its size and SHA-256 in the run's result.
type BackupWorker struct {
	river.WorkerDefaults[BackupArgs]
	Pool   *pgxpool.Pool
	Config config.Config
	Logger *slog.Logger
}

// Timeout is the type's max_runtime.
func (w *BackupWorker) Timeout(*river.Job[BackupArgs]) time.Duration {
	return w.Config.Job(config.JobBackup).MaxRuntime.D()
}

// NextRetry backs off exponentially from the type's retry_delay.
func (w *BackupWorker) NextRetry(job *river.Job[BackupArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobBackup).RetryDelay.D(), job.Attempt)
}

// Work runs one dump.
func (w *BackupWorker) Work(ctx context.Context, job *river.Job[BackupArgs]) error {
	var p BackupParams
	if len(job.Args.Params) > 0 {
		if err := json.Unmarshal(job.Args.Params, &p); err != nil {
			return river.JobCancel(fmt.Errorf("backup task_params: %w", err))
		}
	}
	res, err := backup.Dump(ctx, backup.Options{
		DatabaseURL: w.Pool.Config().ConnString(),
		Directory:   cmp.Or(p.Directory, w.Config.BackupDirectory),
		Retention:   p.Retention,
		Tables:      p.Tables,
	})
	switch {
	case errors.Is(err, backup.ErrPrune):
		// The dump is safe; only deleting old ones failed: record it, do not retry.
		w.Logger.Warn("backup written, old backups not pruned", "river_job_id", job.ID, "file", res.File, "error", err)
	case errors.Is(err, backup.ErrToolMissing), errors.Is(err, backup.ErrToolTooOld):
		return river.JobCancel(err) // retrying cannot help until the machine changes
	case err != nil:
		return err
	}
	w.Logger.Info("backup written", "river_job_id", job.ID, "run_id", job.Args.Run.RunID, "file", res.File,
		"size_bytes", res.SizeBytes, "sha256", res.SHA256)
	return SetResult(ctx, res)
}
