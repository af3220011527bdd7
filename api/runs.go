package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
)

// Run is a run (a job_schedule_runs row) as the API shows it.
type Run struct {
	ID               int64           `json:"id"`
	RunID            uuid.UUID       `json:"run_id"`
	JobType          string          `json:"job_type"`
	ScheduleID       *int64          `json:"schedule_id" doc:"The schedule (job_schedule_runs.job_id); null for ad-hoc runs"`
	UserID           *int64          `json:"user_id"`
	Status           string          `json:"status" enum:"PENDING,RUNNING,COMPLETED,FAILED,CANCELLED,SKIPPED"`
	Trigger          string          `json:"trigger" enum:"cron,manual,backfill,adhoc"`
	ScheduledFor     *time.Time      `json:"scheduled_for"`
	EnqueuedAt       *time.Time      `json:"enqueued_at"`
	StartedAt        *time.Time      `json:"started_at"`
	FinishedAt       *time.Time      `json:"finished_at"`
	DurationSeconds  *float64        `json:"duration_seconds" doc:"finished_at - started_at"`
	Attempt          int32           `json:"attempt"`
	WorkerID         *string         `json:"worker_id"`
	RiverJobID       *int64          `json:"river_job_id"`
	ScheduleRevision *int32          `json:"schedule_revision"`
	SkipReason       *string         `json:"skip_reason"`
	JitterMs         int32           `json:"jitter_ms"`
	JobSnapshot      json.RawMessage `json:"job_snapshot" doc:"task_params when the run was made"`
	Result           json.RawMessage `json:"result" doc:"The run's outcome. An alert run's holds its evaluation and a trace: every rule node's outcome and operand values, the re-arm state before and after, and why it fired or not (why, next)"`
	Error            *string         `json:"error"`
}

func toRun(r dbsqlc.JobScheduleRun) Run {
	out := Run{
		ID: r.ID, RunID: r.RunID, JobType: r.JobType, ScheduleID: r.JobID, UserID: r.UserID, Status: r.Status,
		Trigger: r.Trigger, ScheduledFor: &r.ScheduledFor, EnqueuedAt: r.EnqueuedAt, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, Attempt: r.Attempt, WorkerID: r.WorkerID, RiverJobID: r.RiverJobID,
		ScheduleRevision: r.ScheduleRevision, SkipReason: r.SkipReason, JitterMs: r.JitterMs,
		JobSnapshot: r.JobSnapshot, Result: r.Result, Error: r.Error,
	}
	if r.StartedAt != nil && r.FinishedAt != nil {
		d := r.FinishedAt.Sub(*r.StartedAt).Seconds()
		out.DurationSeconds = &d
	}
	return out
}

type runIDInput struct {
	ID int64 `path:"id" minimum:"1" doc:"Run id (job_schedule_runs.id)"`
}

type getRunOutput struct {
	Body Run
}

func (h *handler) getRun(ctx context.Context, in *runIDInput) (*getRunOutput, error) {
	p := caller(ctx)
	row, err := h.q.RunGetScoped(ctx, h.pool, dbsqlc.RunGetScopedParams{ID: in.ID, UserID: p.UserID, IsAdmin: p.IsAdmin})
	if err != nil {
		return nil, h.problem(notFound(err, "run", in.ID))
	}
	return &getRunOutput{Body: toRun(row)}, nil
}

type listRunsInput struct {
	JobType    string    `query:"job_type" enum:"alert,screener,report,notification,data_processing,backup"`
	Status     string    `query:"status" enum:"PENDING,RUNNING,COMPLETED,FAILED,CANCELLED,SKIPPED"`
	ScheduleID int64     `query:"schedule_id" minimum:"0" doc:"Only runs of this schedule"`
	From       time.Time `query:"from" doc:"Only runs enqueued at or after this time (RFC 3339)"`
	To         time.Time `query:"to" doc:"Only runs enqueued before this time (RFC 3339)"`
	UserID     int64     `query:"user_id" minimum:"0" doc:"Admins: only this user's runs"`
	Cursor     string    `query:"cursor" doc:"next_cursor of the previous page"`
	Limit      int       `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// RunList is a page of runs, newest first.
type RunList struct {
	Items      []Run  `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

type listRunsOutput struct {
	Body RunList
}

func (h *handler) listRuns(ctx context.Context, in *listRunsInput) (*listRunsOutput, error) {
	p := caller(ctx)
	before, err := decodeCursor64(in.Cursor)
	if err != nil {
		return nil, h.problem(err)
	}
	if !in.From.IsZero() && !in.To.IsZero() && !in.To.After(in.From) {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "query.to", "to must be after from"))
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	arg := dbsqlc.RunListScopedParams{UserID: p.UserID, IsAdmin: p.IsAdmin, BeforeID: before, MaxRows: int32(limit + 1)}
	if in.JobType != "" {
		arg.JobType = &in.JobType
	}
	if in.Status != "" {
		arg.Status = &in.Status
	}
	if in.ScheduleID > 0 {
		arg.ScheduleID = &in.ScheduleID
	}
	if !in.From.IsZero() {
		arg.FromAt = &in.From
	}
	if !in.To.IsZero() {
		arg.ToAt = &in.To
	}
	if in.UserID > 0 {
		arg.OwnerID = &in.UserID
	}
	rows, err := h.q.RunListScoped(ctx, h.pool, arg)
	if err != nil {
		return nil, h.problem(fmt.Errorf("list runs: %w", err))
	}
	rows, next := page(rows, limit, func(r dbsqlc.JobScheduleRun) int64 { return r.ID })
	out := &listRunsOutput{Body: RunList{Items: make([]Run, len(rows)), NextCursor: next}}
	for i, r := range rows {
		out.Body.Items[i] = toRun(r)
	}
	return out, nil
}

type cancelRunInput struct {
	ID     int64  `path:"id" minimum:"1" doc:"Run id"`
	Reason string `query:"reason" maxLength:"500" doc:"Recorded as the run's error"`
}

func (h *handler) cancelRun(ctx context.Context, in *cancelRunInput) (*getRunOutput, error) {
	p := caller(ctx)
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		reason = "cancelled via the API by " + p.Name
	}
	var run dbsqlc.JobScheduleRun
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		cur, err := h.q.RunGetScopedForUpdate(ctx, tx, dbsqlc.RunGetScopedForUpdateParams{ID: in.ID, UserID: p.UserID, IsAdmin: p.IsAdmin})
		if err != nil {
			return notFound(err, "run", in.ID)
		}
		if cur.Status != jobs.StatusPending && cur.Status != jobs.StatusRunning {
			return &requestError{status: http.StatusConflict,
				msg: fmt.Sprintf("run %d is %s; only PENDING or RUNNING runs can be cancelled", cur.ID, cur.Status)}
		}
		if run, err = jobs.CancelRun(ctx, tx, h.client.Client, in.ID, reason); err != nil {
			return err
		}
		return audit(ctx, tx, p.actor(), "run.cancel", "run", in.ID, map[string]any{"reason": reason, "schedule_id": cur.JobID})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &getRunOutput{Body: toRun(run)}, nil
}

type runStatsInput struct {
	JobType string `query:"job_type" enum:"alert,screener,report,notification,data_processing,backup"`
	Days    int    `query:"days" minimum:"1" maximum:"366" default:"7" doc:"Runs enqueued in the last N days"`
	UserID  int64  `query:"user_id" minimum:"0" doc:"Admins: this user's runs (default: every user's)"`
}

// RunStats is the design's get_run_statistics(user, job_type, days).
type RunStats struct {
	UserID      *int64         `json:"user_id" doc:"Whose runs; null means every user's (admins)"`
	JobType     *string        `json:"job_type"`
	Days        int            `json:"days"`
	Since       time.Time      `json:"since"`
	Total       int            `json:"total"`
	ByStatus    map[string]int `json:"by_status"`
	SuccessRate *float64       `json:"success_rate" doc:"COMPLETED / (COMPLETED + FAILED); null when none finished"`
	AvgDuration float64        `json:"avg_duration" doc:"Seconds, completed runs"`
	MaxDuration float64        `json:"max_duration" doc:"Seconds, completed runs"`
	PerDay      []DayStats     `json:"per_day"`
}

// DayStats counts one UTC day's runs.
type DayStats struct {
	Day       string `json:"day" example:"2027-03-14"`
	Total     int    `json:"total"`
	Completed int    `json:"completed"`
	Failed    int    `json:"failed"`
	Cancelled int    `json:"cancelled"`
	Skipped   int    `json:"skipped"`
}

type runStatsOutput struct {
	Body RunStats
}

func (h *handler) runStats(ctx context.Context, in *runStatsInput) (*runStatsOutput, error) {
	p := caller(ctx)
	days := in.Days
	if days <= 0 {
		days = 7
	}
	now := h.now().UTC()
	since := now.Add(-time.Duration(days) * 24 * time.Hour)
	userID, all := p.UserID, p.IsAdmin
	if p.IsAdmin && in.UserID > 0 {
		userID, all = in.UserID, false
	}
	var jobType *string
	if in.JobType != "" {
		jobType = &in.JobType
	}
	st, err := h.q.RunStatsScoped(ctx, h.pool, dbsqlc.RunStatsScopedParams{UserID: userID, AllUsers: all, JobType: jobType, Since: since})
	if err != nil {
		return nil, h.problem(fmt.Errorf("run statistics: %w", err))
	}
	perDay, err := h.q.RunStatsPerDayScoped(ctx, h.pool, dbsqlc.RunStatsPerDayScopedParams{UserID: userID, AllUsers: all, JobType: jobType, Since: since})
	if err != nil {
		return nil, h.problem(fmt.Errorf("run statistics per day: %w", err))
	}
	out := RunStats{JobType: jobType, Days: days, Since: since, Total: int(st.Total),
		ByStatus: map[string]int{
			jobs.StatusPending: int(st.Pending), jobs.StatusRunning: int(st.Running), jobs.StatusCompleted: int(st.Completed),
			jobs.StatusFailed: int(st.Failed), jobs.StatusCancelled: int(st.Cancelled), jobs.StatusSkipped: int(st.Skipped),
		},
		AvgDuration: st.AvgDurationS, MaxDuration: st.MaxDurationS, PerDay: make([]DayStats, len(perDay))}
	if !all {
		out.UserID = &userID
	}
	if done := st.Completed + st.Failed; done > 0 {
		r := float64(st.Completed) / float64(done)
		out.SuccessRate = &r
	}
	for i, d := range perDay {
		out.PerDay[i] = DayStats{Day: d.Day, Total: int(d.Total), Completed: int(d.Completed), Failed: int(d.Failed),
			Cancelled: int(d.Cancelled), Skipped: int(d.Skipped)}
	}
	return &runStatsOutput{Body: out}, nil
}
