package schedules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Create stores a new schedule owned by the actor: the definition is
// parsed and checked, the owner's rights and quota are applied (the owner's
// row is locked, so concurrent creates count each other), and the row and
// its audit entry are written in tx.
func (s *Service) Create(ctx context.Context, tx pgx.Tx, a Actor, d Definition) (dbsqlc.JobSchedule, error) {
	var row dbsqlc.JobSchedule
	if a.UserID == 0 {
		return row, invalid("user", "a schedule needs an owner: act as a user")
	}
	d.Normalize()
	sch, err := s.Parse(&d)
	if err != nil {
		return row, err
	}
	q, err := s.q.ScheduleOwnerQuota(ctx, tx, a.UserID)
	if errors.Is(err, pgx.ErrNoRows) {
		return row, invalid("user", fmt.Sprintf("user %d does not exist", a.UserID))
	}
	if err != nil {
		return row, fmt.Errorf("schedule quota of user %d: %w", a.UserID, err)
	}
	o := Owner{ID: a.UserID, Admin: q.IsAdmin, MinIntervalSeconds: q.MinIntervalSeconds, MaxSchedules: q.MaxSchedules}
	if err := s.limits.CheckRights(o, d.JobType, d.TaskParams, d.Cron, d.Timezone); err != nil {
		return row, err
	}
	if err := s.limits.CheckQuota(o, int(q.Schedules)); err != nil {
		return row, err
	}
	if err := s.checkChannels(ctx, tx, o, d); err != nil {
		return row, err
	}
	if err := s.checkActionBots(ctx, tx, o, d); err != nil {
		return row, err
	}
	var next *time.Time
	var wait *string
	if *d.Enabled {
		if next, err = s.nextFire(sch); err != nil {
			return row, err
		}
		wait = s.WaitReason(d.JobType)
	}
	row, err = s.q.ScheduleCreate(ctx, tx, dbsqlc.ScheduleCreateParams{
		UserID: int32(a.UserID), Name: d.Name, JobType: d.JobType, Target: d.Target, TaskParams: d.TaskParams,
		Cron: d.Cron, Enabled: *d.Enabled, NextRunAt: next, Timezone: d.Timezone,
		MisfireGraceTime: d.MisfireGraceTime, Catchup: d.Catchup, MaxCatchup: d.MaxCatchup, Overlap: d.Overlap,
		MaxInstances: d.MaxInstances, DstGap: d.DstGap, DstFold: d.DstFold, JitterSeconds: d.JitterSeconds,
		RemainingRuns: d.RemainingRuns, PauseOnFailure: d.PauseOnFailure, WaitReason: wait,
	})
	if err != nil {
		return row, fmt.Errorf("create %s schedule for user %d: %w", d.JobType, a.UserID, err)
	}
	s.log.InfoContext(ctx, "schedule created", "schedule_id", row.ID, "user_id", row.UserID, "job_type", row.JobType, "source", a.Source)
	return row, s.audit(ctx, tx, a, "schedule.create", row,
		map[string]any{"name": row.Name, "job_type": row.JobType, "cron": row.Cron, "timezone": row.Timezone})
}
