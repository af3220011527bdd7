package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedules"
)

// ErrOverlap is returned by Trigger when the overlap policy refuses a run.
var ErrOverlap = errors.New("a run of this schedule is still pending or running (overlap policy); use force to run anyway")

// ErrNotFireable is returned for schedules of job types this build has no worker for.
var ErrNotFireable = errors.New("this build has no worker for the schedule's job type")

// Trigger makes an ad-hoc run of a schedule now (trigger "manual"). It
// respects the overlap policy unless force is set. It returns the run id.
func (e *Enqueuer) Trigger(ctx context.Context, scheduleID int32, force bool) (int64, error) {
	var runID int64
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		var err error
		runID, err = e.TriggerTx(ctx, tx, scheduleID, force)
		return err
	})
	return runID, err
}

// TriggerTx is Trigger inside the caller's transaction (so that, e.g., an
// audit row commits with the run).
func (e *Enqueuer) TriggerTx(ctx context.Context, tx pgx.Tx, scheduleID int32, force bool) (int64, error) {
	var runID int64
	err := func() error {
		q := dbsqlc.New()
		row, err := q.ScheduleGetForUpdate(ctx, tx, scheduleID)
		if err != nil {
			return fmt.Errorf("load schedule %d: %w", scheduleID, db.Translate(err))
		}
		if _, ok := e.builders[row.JobType]; !ok {
			return fmt.Errorf("trigger schedule %d (%s): %w", scheduleID, row.JobType, ErrNotFireable)
		}
		if err := e.validator.Validate(row.JobType, row.TaskParams); err != nil {
			return fmt.Errorf("trigger schedule %d: %w", scheduleID, err)
		}
		open, err := q.RunListOpenBySchedules(ctx, tx, []int64{int64(scheduleID)})
		if err != nil {
			return fmt.Errorf("list open runs: %w", err)
		}
		p := e.Policy(row)
		if !force && len(open) > 0 {
			switch p.Overlap {
			case OverlapSkip:
				return ErrOverlap
			case OverlapAllowAll:
				if len(open) >= max(p.MaxInstances, 1) {
					return ErrOverlap
				}
			case OverlapBufferOne:
				if len(open) >= 2 {
					return ErrOverlap
				}
			case OverlapCancelOther:
				if err := e.cancelOpen(ctx, tx, open, "cancelled by a manual trigger (overlap policy cancel_other)"); err != nil {
					return err
				}
			}
		}
		now := e.NowFunc().UTC().Truncate(time.Microsecond)
		ids, err := e.insertFires(ctx, tx, []plannedFire{{row: row, decision: Decision{At: now, Run: true}, trigger: "manual"}})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return fmt.Errorf("trigger schedule %d: a run for %s already exists", scheduleID, now.Format(time.RFC3339Nano))
		}
		runID = ids[0]
		return nil
	}()
	return runID, err
}

// BackfillFire is one fire of a backfill range.
type BackfillFire = schedules.BackfillFire

// MaxBackfill bounds the fires one backfill may list or enqueue.
const MaxBackfill = schedules.MaxBackfill

// CancelOpenRuns cancels every pending or running run of a schedule (and
// their River jobs), returning how many it cancelled (schedules.Runs).
func (e *Enqueuer) CancelOpenRuns(ctx context.Context, tx pgx.Tx, scheduleID int32, reason string) (int, error) {
	open, err := dbsqlc.New().RunListOpenBySchedules(ctx, tx, []int64{int64(scheduleID)})
	if err != nil {
		return 0, fmt.Errorf("list open runs of schedule %d: %w", scheduleID, err)
	}
	for _, r := range open {
		if _, err := CancelRun(ctx, tx, e.client, r.ID, reason); err != nil {
			return 0, err
		}
	}
	return len(open), nil
}

// Backfill runs a schedule for every fire in [from, to] that has no run yet
// (trigger "backfill"). With dryRun it only lists the fires, marking those that
// already have a run.
func (e *Enqueuer) Backfill(ctx context.Context, scheduleID int32, from, to time.Time, dryRun bool) ([]BackfillFire, error) {
	var out []BackfillFire
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		var err error
		out, err = e.BackfillTx(ctx, tx, scheduleID, from, to, dryRun)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BackfillTx is Backfill inside the caller's transaction.
func (e *Enqueuer) BackfillTx(ctx context.Context, tx pgx.Tx, scheduleID int32, from, to time.Time, dryRun bool) ([]BackfillFire, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("backfill: to (%s) must be after from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if to.After(e.NowFunc()) {
		return nil, fmt.Errorf("backfill: to (%s) is in the future; backfill covers past fires", to.Format(time.RFC3339))
	}
	if keep := e.cfg.RunRetention.D(); !dryRun && keep > 0 && from.Before(e.NowFunc().Add(-keep)) {
		return nil, fmt.Errorf("backfill: from (%s) is older than run_retention (%s): its runs would be dropped with their day's partition",
			from.Format(time.RFC3339), keep)
	}
	var out []BackfillFire
	err := func() error {
		q := dbsqlc.New()
		row, err := q.ScheduleGetForUpdate(ctx, tx, scheduleID)
		if err != nil {
			return fmt.Errorf("load schedule %d: %w", scheduleID, db.Translate(err))
		}
		s, err := e.parse(row)
		if err != nil {
			return fmt.Errorf("backfill schedule %d: %w", scheduleID, err)
		}
		fires := s.Between(from.Add(-time.Nanosecond), to, MaxBackfill+1)
		if len(fires) > MaxBackfill {
			return fmt.Errorf("backfill: range has more than %d fires; split it", MaxBackfill)
		}
		existing, err := q.RunListFiresInRange(ctx, tx, dbsqlc.RunListFiresInRangeParams{
			ScheduleID: ptr(int64(scheduleID)), FromAt: from, ToAt: to})
		if err != nil {
			return fmt.Errorf("list existing runs: %w", err)
		}
		have := map[int64]string{}
		for _, r := range existing {
			have[r.ScheduledFor.UnixMicro()] = r.Status
		}
		var todo []plannedFire
		for _, f := range fires {
			bf := BackfillFire{At: f, Existing: have[f.UnixMicro()]}
			if bf.Existing == "" && !dryRun {
				bf.Enqueued = true
				todo = append(todo, plannedFire{row: row, decision: Decision{At: f, Run: true}, trigger: "backfill"})
			}
			out = append(out, bf)
		}
		if dryRun || len(todo) == 0 {
			return nil
		}
		if _, ok := e.builders[row.JobType]; !ok {
			return fmt.Errorf("backfill schedule %d (%s): %w", scheduleID, row.JobType, ErrNotFireable)
		}
		// Past days may predate the partitions made ahead (a new install).
		if _, err := db.EnsureRunPartitions(ctx, tx, from, to); err != nil {
			return err
		}
		_, err = e.insertFires(ctx, tx, todo)
		return err
	}()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CancelRun cancels a pending or running run and its River job (a running job's
// context is cancelled; River does not retry it).
func CancelRun(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], runID int64, reason string) (dbsqlc.JobScheduleRun, error) {
	run, err := dbsqlc.New().RunCancel(ctx, tx, dbsqlc.RunCancelParams{ID: runID, Reason: reason})
	if err != nil {
		return run, fmt.Errorf("cancel run %d: %w", runID, db.Translate(err))
	}
	if run.RiverJobID != nil {
		if _, err := client.JobCancelTx(ctx, tx, *run.RiverJobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return run, fmt.Errorf("cancel river job %d of run %d: %w", *run.RiverJobID, runID, err)
		}
	}
	return run, nil
}
