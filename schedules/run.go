package schedules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Get returns a schedule the actor can see.
func (s *Service) Get(ctx context.Context, q dbsqlc.DBTX, a Actor, id int32) (dbsqlc.JobSchedule, error) {
	uid, all := scope(a)
	row, err := s.q.ScheduleGetScoped(ctx, q, dbsqlc.ScheduleGetScopedParams{ID: id, UserID: uid, AllUsers: all})
	if errors.Is(err, pgx.ErrNoRows) {
		return row, notFound(id)
	}
	if err != nil {
		return row, fmt.Errorf("load schedule %d: %w", id, err)
	}
	return row, nil
}

// Filter narrows List.
type Filter struct {
	JobType *string
	Enabled *bool
	// OwnerID: only this user's schedules (meaningful for AllUsers actors).
	OwnerID *int32
	// BeforeID pages: only ids below it.
	BeforeID *int32
	// Limit is the most rows (required).
	Limit int
}

// List returns the schedules the actor can see, newest first.
func (s *Service) List(ctx context.Context, q dbsqlc.DBTX, a Actor, f Filter) ([]dbsqlc.JobSchedule, error) {
	uid, all := scope(a)
	arg := dbsqlc.ScheduleListScopedParams{UserID: uid, AllUsers: all, OwnerID: f.OwnerID, JobType: f.JobType,
		BeforeID: f.BeforeID, MaxRows: int32(f.Limit)}
	if f.Enabled != nil {
		arg.Enabled.Bool, arg.Enabled.Valid = *f.Enabled, true
	}
	rows, err := s.q.ScheduleListScoped(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	return rows, nil
}

// Trigger runs a schedule now (trigger "manual"), respecting its overlap
// policy unless force. It returns the run id.
func (s *Service) Trigger(ctx context.Context, tx pgx.Tx, a Actor, id int32, force bool) (int64, error) {
	if s.runs == nil {
		return 0, errors.New("schedules: trigger needs Runs")
	}
	row, err := s.Get(ctx, tx, a, id)
	if err != nil {
		return 0, err
	}
	runID, err := s.runs.TriggerTx(ctx, tx, id, force)
	if err != nil {
		return 0, err
	}
	s.log.InfoContext(ctx, "schedule triggered", "schedule_id", id, "user_id", row.UserID, "run_id", runID, "source", a.Source)
	return runID, s.audit(ctx, tx, a, "schedule.trigger", row, map[string]any{"run_id": runID, "force": force})
}

// Backfill runs every fire of a schedule in [from, to] that has no run yet
// (with dryRun it only lists them). to must not be in the future and the
// range may hold at most MaxBackfill fires.
func (s *Service) Backfill(ctx context.Context, tx pgx.Tx, a Actor, id int32, from, to time.Time, dryRun bool) ([]BackfillFire, error) {
	if s.runs == nil {
		return nil, errors.New("schedules: backfill needs Runs")
	}
	if !to.After(from) {
		return nil, invalid("to", "to must be after from")
	}
	if to.After(s.now()) {
		return nil, invalid("to", "to is in the future; backfill covers past fires")
	}
	if keep := s.limits.RunRetention; !dryRun && keep > 0 && from.Before(s.now().Add(-keep)) {
		return nil, invalid("from", fmt.Sprintf("from is older than run_retention (%s): its runs would be dropped with their day's partition", keep))
	}
	row, err := s.Get(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	sch, err := ParseStored(row)
	if err != nil {
		return nil, &Stored{Err: err}
	}
	if n := len(sch.Between(from.Add(-time.Nanosecond), to, MaxBackfill+1)); n > MaxBackfill {
		return nil, invalid("from", fmt.Sprintf("the range has more than %d fires; split it", MaxBackfill))
	}
	fires, err := s.runs.BackfillTx(ctx, tx, id, from, to, dryRun)
	if err != nil {
		return nil, err
	}
	if dryRun {
		return fires, nil
	}
	enqueued := 0
	for _, f := range fires {
		if f.Enqueued {
			enqueued++
		}
	}
	return fires, s.audit(ctx, tx, a, "schedule.backfill", row, map[string]any{"from": from, "to": to, "enqueued": enqueued})
}
