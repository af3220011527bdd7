package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schedules"
)

// previewOnWrite is how many next fires a written schedule shows.
const previewOnWrite = 5

// ScheduleInput is what a client sets on a schedule: the body of POST
// /api/schedules and of PUT /api/schedules/{id} (a full replace: an omitted
// optional field takes its default). Policy fields left null use the
// configured defaults.
type ScheduleInput struct {
	Name       string          `json:"name" minLength:"1" maxLength:"255" example:"AAPL above 150"`
	JobType    string          `json:"job_type" enum:"alert,screener,report,notification,data_processing,backup"`
	Target     string          `json:"target,omitempty" maxLength:"255" doc:"Symbol, screener set or other target of the job"`
	TaskParams json.RawMessage `json:"task_params,omitempty" doc:"The job type's parameters, checked against its JSON schema (default {})"`
	Cron       string          `json:"cron" minLength:"1" maxLength:"100" example:"0 9 * * 1-5" doc:"5 fields, 6 fields with seconds first (admins only), or @daily etc."`
	Timezone   string          `json:"timezone,omitempty" maxLength:"64" default:"UTC" example:"America/New_York" doc:"IANA time zone of the cron"`
	Enabled    *bool           `json:"enabled,omitempty" doc:"Default true"`

	MisfireGraceTime *int32  `json:"misfire_grace_time,omitempty" nullable:"true" minimum:"0" doc:"Seconds a fire may be late and still run"`
	Catchup          *string `json:"catchup,omitempty" nullable:"true" enum:"skip,coalesce,latest,all"`
	MaxCatchup       *int32  `json:"max_catchup,omitempty" nullable:"true" minimum:"1"`
	Overlap          *string `json:"overlap,omitempty" nullable:"true" enum:"skip,buffer_one,buffer_all,cancel_other,allow_all"`
	MaxInstances     *int32  `json:"max_instances,omitempty" nullable:"true" minimum:"1"`
	DstGap           string  `json:"dst_gap,omitempty" enum:"shift,skip" default:"shift"`
	DstFold          string  `json:"dst_fold,omitempty" enum:"first,both" default:"first"`
	JitterSeconds    int32   `json:"jitter_seconds,omitempty" minimum:"0" maximum:"86400"`
	RemainingRuns    *int32  `json:"remaining_runs,omitempty" nullable:"true" minimum:"0" doc:"Runs left; null means unlimited"`
	PauseOnFailure   bool    `json:"pause_on_failure,omitempty"`
}

// definition is the input as the schedule service takes it (the same
// fields; the service fills the defaults of omitted ones).
func (in *ScheduleInput) definition() schedules.Definition { return schedules.Definition(*in) }

// Schedule is a schedule as the API shows it.
type Schedule struct {
	ID               int32           `json:"id"`
	UserID           int32           `json:"user_id"`
	Name             string          `json:"name"`
	JobType          string          `json:"job_type"`
	Target           string          `json:"target"`
	TaskParams       json.RawMessage `json:"task_params"`
	Cron             string          `json:"cron"`
	Timezone         string          `json:"timezone"`
	Enabled          bool            `json:"enabled"`
	NextRunAt        *time.Time      `json:"next_run_at" doc:"Next fire (null: being planned by the scheduler, or paused)"`
	LastRunAt        *time.Time      `json:"last_run_at"`
	Revision         int32           `json:"revision" doc:"Bumped on every change of what the schedule does"`
	MisfireGraceTime *int32          `json:"misfire_grace_time"`
	Catchup          *string         `json:"catchup"`
	MaxCatchup       *int32          `json:"max_catchup"`
	Overlap          *string         `json:"overlap"`
	MaxInstances     *int32          `json:"max_instances"`
	DstGap           string          `json:"dst_gap"`
	DstFold          string          `json:"dst_fold"`
	JitterSeconds    int32           `json:"jitter_seconds"`
	RemainingRuns    *int32          `json:"remaining_runs"`
	PauseOnFailure   bool            `json:"pause_on_failure"`
	PausedNote       *string         `json:"paused_note" doc:"Why the schedule is paused"`
	DisabledReason   *string         `json:"disabled_reason" doc:"Why the scheduler disabled it (bad cron or task_params)"`
	WaitReason       *string         `json:"wait_reason" doc:"Why an enabled schedule is not firing"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	Preview          []Fire          `json:"preview,omitempty" doc:"Next fires, when the schedule is enabled"`
}

// Fire is one upcoming fire time.
type Fire struct {
	At      time.Time `json:"at" doc:"The instant, in UTC"`
	Local   time.Time `json:"local" doc:"The same instant in the schedule's time zone"`
	Nominal string    `json:"nominal" doc:"The wall-clock time the cron meant"`
	Shifted bool      `json:"shifted" doc:"The nominal time fell in a DST gap and was moved"`
	Fold    bool      `json:"fold" doc:"The nominal time occurs twice (DST fold)"`
}

func toSchedule(r dbsqlc.JobSchedule) Schedule {
	return Schedule{
		ID: r.ID, UserID: r.UserID, Name: r.Name, JobType: r.JobType, Target: r.Target, TaskParams: r.TaskParams,
		Cron: r.Cron, Timezone: r.Timezone, Enabled: r.Enabled, NextRunAt: r.NextRunAt, LastRunAt: r.LastRunAt,
		Revision: r.Revision, MisfireGraceTime: r.MisfireGraceTime, Catchup: r.Catchup, MaxCatchup: r.MaxCatchup,
		Overlap: r.Overlap, MaxInstances: r.MaxInstances, DstGap: r.DstGap, DstFold: r.DstFold,
		JitterSeconds: r.JitterSeconds, RemainingRuns: r.RemainingRuns, PauseOnFailure: r.PauseOnFailure,
		PausedNote: r.PausedNote, DisabledReason: r.DisabledReason, WaitReason: r.WaitReason,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func toFires(fs []schedule.Fire) []Fire {
	out := make([]Fire, len(fs))
	for i, f := range fs {
		out[i] = Fire{At: f.At.UTC(), Local: f.Local, Nominal: f.Nominal, Shifted: f.Shifted, Fold: f.Fold}
	}
	return out
}

// withPreview shows a schedule with its next fires (none when paused or
// when its stored cron no longer parses).
func (h *handler) withPreview(r dbsqlc.JobSchedule) Schedule {
	s := toSchedule(r)
	if !r.Enabled {
		return s
	}
	if sch, err := schedules.ParseStored(r); err == nil {
		s.Preview = toFires(sch.Preview(h.now(), previewOnWrite))
	}
	return s
}

// actor is the caller as the schedule service sees it: admins act on every
// user's schedules.
func (p *principal) scheduleActor() schedules.Actor {
	return schedules.Actor{UserID: p.UserID, Name: p.Name, AllUsers: p.IsAdmin, Source: auditlog.SourceAPI}
}

type scheduleIDInput struct {
	ID int32 `path:"id" minimum:"1" doc:"Schedule id"`
}

type scheduleOutput struct {
	ETag string `header:"ETag" doc:"Send it back in If-Match to replace the schedule"`
	Body Schedule
}

func (h *handler) scheduleResponse(r dbsqlc.JobSchedule) *scheduleOutput {
	return &scheduleOutput{ETag: schedules.ETag(r), Body: h.withPreview(r)}
}

type createScheduleInput struct {
	Body ScheduleInput
}

type createScheduleOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     Schedule
}

func (h *handler) createSchedule(ctx context.Context, in *createScheduleInput) (*createScheduleOutput, error) {
	p := caller(ctx)
	var row dbsqlc.JobSchedule
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		row, err = h.svc.Create(ctx, tx, p.scheduleActor(), in.Body.definition())
		return err
	})
	if err != nil {
		return nil, h.problem(at("body", err))
	}
	return &createScheduleOutput{ETag: schedules.ETag(row), Location: fmt.Sprintf("/api/schedules/%d", row.ID), Body: h.withPreview(row)}, nil
}

type listSchedulesInput struct {
	JobType string `query:"job_type" enum:"alert,screener,report,notification,data_processing,backup" doc:"Only schedules of this job type"`
	Enabled string `query:"enabled" enum:"true,false" doc:"Only enabled (true) or paused (false) schedules"`
	UserID  int32  `query:"user_id" minimum:"0" doc:"Admins: only this user's schedules"`
	Cursor  string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit   int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// ScheduleList is a page of schedules, newest first.
type ScheduleList struct {
	Items      []Schedule `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

type listSchedulesOutput struct {
	Body ScheduleList
}

func (h *handler) listSchedules(ctx context.Context, in *listSchedulesInput) (*listSchedulesOutput, error) {
	p := caller(ctx)
	before, err := decodeCursor(in.Cursor)
	if err != nil {
		return nil, h.problem(err)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	f := schedules.Filter{BeforeID: before, Limit: limit + 1}
	if in.JobType != "" {
		f.JobType = &in.JobType
	}
	if in.Enabled != "" {
		e := in.Enabled == "true"
		f.Enabled = &e
	}
	if in.UserID > 0 {
		f.OwnerID = &in.UserID
	}
	rows, err := h.svc.List(ctx, h.pool, p.scheduleActor(), f)
	if err != nil {
		return nil, h.problem(err)
	}
	rows, next := page(rows, limit, func(r dbsqlc.JobSchedule) int32 { return r.ID })
	out := &listSchedulesOutput{Body: ScheduleList{Items: make([]Schedule, len(rows)), NextCursor: next}}
	for i, r := range rows {
		out.Body.Items[i] = toSchedule(r)
	}
	return out, nil
}

func (h *handler) getSchedule(ctx context.Context, in *scheduleIDInput) (*scheduleOutput, error) {
	row, err := h.svc.Get(ctx, h.pool, caller(ctx).scheduleActor(), in.ID)
	if err != nil {
		return nil, h.problem(err)
	}
	return h.scheduleResponse(row), nil
}

type replaceScheduleInput struct {
	ID      int32  `path:"id" minimum:"1" doc:"Schedule id"`
	IfMatch string `header:"If-Match" doc:"The ETag of the schedule as last read (required)"`
	Body    ScheduleInput
}

func (h *handler) replaceSchedule(ctx context.Context, in *replaceScheduleInput) (*scheduleOutput, error) {
	p := caller(ctx)
	var row dbsqlc.JobSchedule
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		row, err = h.svc.Replace(ctx, tx, p.scheduleActor(), in.ID, in.IfMatch, in.Body.definition())
		return err
	})
	if err != nil {
		return nil, h.problem(at("body", err))
	}
	return h.scheduleResponse(row), nil
}

type deleteScheduleInput struct {
	ID      int32  `path:"id" minimum:"1" doc:"Schedule id"`
	IfMatch string `header:"If-Match" doc:"Optional: delete only if the schedule is unchanged"`
}

func (h *handler) deleteSchedule(ctx context.Context, in *deleteScheduleInput) (*struct{}, error) {
	p := caller(ctx)
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		_, _, err := h.svc.Delete(ctx, tx, p.scheduleActor(), in.ID, in.IfMatch)
		return err
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return nil, nil
}

type triggerScheduleInput struct {
	ID   int32 `path:"id" minimum:"1" doc:"Schedule id"`
	Body *struct {
		Force bool `json:"force,omitempty" doc:"Run even if the overlap policy would refuse"`
	}
}

type runOutput struct {
	Location string `header:"Location"`
	Body     Run
}

func (h *handler) triggerSchedule(ctx context.Context, in *triggerScheduleInput) (*runOutput, error) {
	p := caller(ctx)
	force := in.Body != nil && in.Body.Force
	// The run, its job and the audit row commit together.
	var runID int64
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		runID, err = h.svc.Trigger(ctx, tx, p.scheduleActor(), in.ID, force)
		return err
	})
	if err != nil {
		return nil, h.problem(err)
	}
	run, err := h.q.RunGetScoped(ctx, h.pool, dbsqlc.RunGetScopedParams{ID: runID, UserID: p.UserID, IsAdmin: p.IsAdmin})
	if err != nil {
		return nil, h.problem(fmt.Errorf("load triggered run %d: %w", runID, err))
	}
	return &runOutput{Location: fmt.Sprintf("/api/runs/%d", runID), Body: toRun(run)}, nil
}

type pauseScheduleInput struct {
	ID   int32 `path:"id" minimum:"1" doc:"Schedule id"`
	Body *struct {
		Note string `json:"note,omitempty" maxLength:"500" doc:"Why (shown as paused_note)"`
	}
}

func (h *handler) pauseSchedule(ctx context.Context, in *pauseScheduleInput) (*scheduleOutput, error) {
	p := caller(ctx)
	note := "paused via the API by " + p.Name
	if in.Body != nil && strings.TrimSpace(in.Body.Note) != "" {
		note = strings.TrimSpace(in.Body.Note)
	}
	var row dbsqlc.JobSchedule
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		row, err = h.svc.Pause(ctx, tx, p.scheduleActor(), in.ID, note)
		return err
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return h.scheduleResponse(row), nil
}

func (h *handler) resumeSchedule(ctx context.Context, in *scheduleIDInput) (*scheduleOutput, error) {
	p := caller(ctx)
	var row dbsqlc.JobSchedule
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		row, err = h.svc.Resume(ctx, tx, p.scheduleActor(), in.ID)
		return err
	})
	if err != nil {
		return nil, h.problem(at("", err))
	}
	return h.scheduleResponse(row), nil
}

type previewScheduleInput struct {
	ID int32 `path:"id" minimum:"1" doc:"Schedule id"`
	N  int   `query:"n" minimum:"1" maximum:"100" default:"10" doc:"How many fires"`
}

// SchedulePreview lists a schedule's next fires.
type SchedulePreview struct {
	ScheduleID int32  `json:"schedule_id"`
	Cron       string `json:"cron"`
	Timezone   string `json:"timezone"`
	Fires      []Fire `json:"fires"`
}

type previewScheduleOutput struct {
	Body SchedulePreview
}

func (h *handler) previewSchedule(ctx context.Context, in *previewScheduleInput) (*previewScheduleOutput, error) {
	row, err := h.svc.Get(ctx, h.pool, caller(ctx).scheduleActor(), in.ID)
	if err != nil {
		return nil, h.problem(err)
	}
	s, err := schedules.ParseStored(row)
	if err != nil {
		return nil, h.problem(at("", err))
	}
	n := in.N
	if n <= 0 {
		n = 10
	}
	return &previewScheduleOutput{Body: SchedulePreview{ScheduleID: row.ID, Cron: row.Cron, Timezone: row.Timezone,
		Fires: toFires(s.Preview(h.now(), n))}}, nil
}

type backfillScheduleInput struct {
	ID   int32 `path:"id" minimum:"1" doc:"Schedule id"`
	Body struct {
		From   time.Time `json:"from" doc:"Start of the range (inclusive)"`
		To     time.Time `json:"to" doc:"End of the range (inclusive), not in the future"`
		DryRun bool      `json:"dry_run,omitempty" doc:"Only list the fires"`
	}
}

// Backfill is the outcome of a backfill.
type Backfill struct {
	ScheduleID int32          `json:"schedule_id"`
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	DryRun     bool           `json:"dry_run"`
	Total      int            `json:"total" doc:"Fires in the range"`
	Enqueued   int            `json:"enqueued" doc:"Runs this backfill created"`
	Fires      []BackfillFire `json:"fires"`
}

// BackfillFire is one fire of a backfill range.
type BackfillFire struct {
	At       time.Time `json:"at"`
	Existing string    `json:"existing,omitempty" doc:"Status of the run the fire already has"`
	Enqueued bool      `json:"enqueued"`
}

type backfillScheduleOutput struct {
	Body Backfill
}

func (h *handler) backfillSchedule(ctx context.Context, in *backfillScheduleInput) (*backfillScheduleOutput, error) {
	p := caller(ctx)
	from, to := in.Body.From, in.Body.To
	// The runs, their jobs and the audit row commit together.
	var fires []schedules.BackfillFire
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		fires, err = h.svc.Backfill(ctx, tx, p.scheduleActor(), in.ID, from, to, in.Body.DryRun)
		return err
	})
	if err != nil {
		return nil, h.problem(at("body", err))
	}
	out := Backfill{ScheduleID: in.ID, From: from, To: to, DryRun: in.Body.DryRun, Total: len(fires), Fires: make([]BackfillFire, len(fires))}
	for i, f := range fires {
		out.Fires[i] = BackfillFire{At: f.At.UTC(), Existing: f.Existing, Enqueued: f.Enqueued}
		if f.Enqueued {
			out.Enqueued++
		}
	}
	return &backfillScheduleOutput{Body: out}, nil
}
