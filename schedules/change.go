package schedules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// lock loads a schedule the actor can see, locked, with its owner's rights.
func (s *Service) lock(ctx context.Context, tx pgx.Tx, a Actor, id int32) (dbsqlc.JobSchedule, Owner, error) {
	uid, all := scope(a)
	cur, err := s.q.ScheduleGetScopedForUpdate(ctx, tx, dbsqlc.ScheduleGetScopedForUpdateParams{ID: id, UserID: uid, AllUsers: all})
	if errors.Is(err, pgx.ErrNoRows) {
		return cur.JobSchedule, Owner{}, notFound(id)
	}
	if err != nil {
		return cur.JobSchedule, Owner{}, fmt.Errorf("load schedule %d: %w", id, err)
	}
	r := cur.JobSchedule
	return r, Owner{ID: int64(r.UserID), Admin: cur.OwnerIsAdmin, MinIntervalSeconds: cur.OwnerMinIntervalSeconds}, nil
}

// Replace replaces what a schedule does (a full replace: omitted optional
// fields take their defaults). ifMatch must name the schedule's current
// ETag. The schedule keeps its planned fire unless its timing changed.
func (s *Service) Replace(ctx context.Context, tx pgx.Tx, a Actor, id int32, ifMatch string, d Definition) (dbsqlc.JobSchedule, error) {
	var row dbsqlc.JobSchedule
	if strings.TrimSpace(ifMatch) == "" {
		return row, &Error{Kind: KindPreconditionRequired, Msg: "If-Match is required: send the ETag of the schedule as last read"}
	}
	d.Normalize()
	sch, err := s.Parse(&d)
	if err != nil {
		return row, err
	}
	old, o, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return row, err
	}
	if !Matches(ifMatch, old) {
		return row, errStale(old)
	}
	if err := s.limits.CheckRights(o, d.JobType, d.TaskParams, d.Cron, d.Timezone); err != nil {
		return row, err
	}
	if err := s.checkChannels(ctx, tx, o, d); err != nil {
		return row, err
	}
	if err := s.checkActionBots(ctx, tx, o, d); err != nil {
		return row, err
	}
	next := old.NextRunAt
	replan := d.Cron != old.Cron || d.Timezone != old.Timezone || d.DstGap != old.DstGap ||
		d.DstFold != old.DstFold || !old.Enabled || next == nil
	if *d.Enabled && replan {
		if next, err = s.nextFire(sch); err != nil {
			return row, err
		}
	}
	uid, all := scope(a)
	row, err = s.q.ScheduleReplaceScoped(ctx, tx, dbsqlc.ScheduleReplaceScopedParams{
		ID: id, UserID: uid, AllUsers: all,
		Name: d.Name, JobType: d.JobType, Target: d.Target, TaskParams: d.TaskParams,
		Cron: d.Cron, Timezone: d.Timezone, Enabled: *d.Enabled, NextRunAt: next,
		MisfireGraceTime: d.MisfireGraceTime, Catchup: d.Catchup, MaxCatchup: d.MaxCatchup, Overlap: d.Overlap,
		MaxInstances: d.MaxInstances, DstGap: d.DstGap, DstFold: d.DstFold, JitterSeconds: d.JitterSeconds,
		RemainingRuns: d.RemainingRuns, PauseOnFailure: d.PauseOnFailure,
	})
	if err != nil {
		return row, fmt.Errorf("replace schedule %d: %w", id, err)
	}
	if row, err = s.keepPlanned(ctx, tx, a, row, next); err != nil {
		return row, err
	}
	if wait := s.WaitReason(row.JobType); row.Enabled && row.NextRunAt != nil && wait != nil && row.WaitReason == nil {
		// The update trigger cleared the reason of an edited row; the
		// scheduler only sets it on rows it plans itself.
		if row, err = s.q.ScheduleSetWaitReasonScoped(ctx, tx, dbsqlc.ScheduleSetWaitReasonScopedParams{
			ID: id, UserID: uid, AllUsers: all, WaitReason: wait}); err != nil {
			return row, fmt.Errorf("set wait reason of schedule %d: %w", id, err)
		}
	}
	return row, s.audit(ctx, tx, a, "schedule.update", row, map[string]any{
		"from_revision": old.Revision, "to_revision": row.Revision, "name": row.Name, "cron": row.Cron,
		"timezone": row.Timezone, "enabled": row.Enabled})
}

// keepPlanned sets next_run_at again when the update trigger cleared it:
// re-enabling a row whose next fire is unchanged looks to the trigger like a
// resume without planning.
func (s *Service) keepPlanned(ctx context.Context, tx pgx.Tx, a Actor, row dbsqlc.JobSchedule, next *time.Time) (dbsqlc.JobSchedule, error) {
	if !row.Enabled || row.NextRunAt != nil || next == nil {
		return row, nil
	}
	uid, all := scope(a)
	row, err := s.q.ScheduleResumeScoped(ctx, tx, dbsqlc.ScheduleResumeScopedParams{ID: row.ID, UserID: uid, AllUsers: all, NextRunAt: next})
	if err != nil {
		return row, fmt.Errorf("plan schedule %d: %w", row.ID, err)
	}
	return row, nil
}

// Pause stops a schedule firing, with a note saying why.
func (s *Service) Pause(ctx context.Context, tx pgx.Tx, a Actor, id int32, note string) (dbsqlc.JobSchedule, error) {
	uid, all := scope(a)
	row, err := s.q.SchedulePauseScoped(ctx, tx, dbsqlc.SchedulePauseScopedParams{ID: id, UserID: uid, AllUsers: all, Note: &note})
	if errors.Is(err, pgx.ErrNoRows) {
		return row, notFound(id)
	}
	if err != nil {
		return row, fmt.Errorf("pause schedule %d: %w", id, err)
	}
	s.log.InfoContext(ctx, "schedule paused", "schedule_id", id, "user_id", row.UserID, "source", a.Source)
	return row, s.audit(ctx, tx, a, "schedule.pause", row, map[string]any{"note": note})
}

// Resume starts a paused or disabled schedule again. A schedule that was
// not enabled is checked again (the scheduler may have disabled it, its
// owner's rights may have changed) and planned from now: the paused time is
// not caught up.
func (s *Service) Resume(ctx context.Context, tx pgx.Tx, a Actor, id int32) (dbsqlc.JobSchedule, error) {
	old, o, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return old, err
	}
	var next *time.Time
	if !old.Enabled {
		sch, err := ParseStored(old)
		if err != nil {
			return old, &Stored{Err: err}
		}
		if err := s.validator.Validate(old.JobType, old.TaskParams); err != nil {
			return old, &Stored{Err: err}
		}
		if err := s.limits.CheckRights(o, old.JobType, old.TaskParams, old.Cron, old.Timezone); err != nil {
			return old, &Stored{Err: err}
		}
		n := sch.Next(s.now())
		if n.IsZero() {
			return old, &Stored{Err: invalid("cron", "the schedule's cron never fires again")}
		}
		next = &n
	}
	uid, all := scope(a)
	row, err := s.q.ScheduleResumeScoped(ctx, tx, dbsqlc.ScheduleResumeScopedParams{ID: id, UserID: uid, AllUsers: all, NextRunAt: next})
	if err != nil {
		return row, fmt.Errorf("resume schedule %d: %w", id, err)
	}
	if row, err = s.keepPlanned(ctx, tx, a, row, next); err != nil {
		return row, err
	}
	s.log.InfoContext(ctx, "schedule resumed", "schedule_id", id, "user_id", row.UserID, "source", a.Source)
	return row, s.audit(ctx, tx, a, "schedule.resume", row, map[string]any{"was_enabled": old.Enabled})
}

// Stored wraps a problem with a schedule's stored definition (not with the
// request): a caller shows it without pointing at a request field.
type Stored struct{ Err error }

func (e *Stored) Error() string { return "the stored schedule: " + e.Err.Error() }
func (e *Stored) Unwrap() error { return e.Err }
