package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schedule"
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

// normalize fills the defaults of omitted fields.
func (in *ScheduleInput) normalize() {
	if len(in.TaskParams) == 0 || string(in.TaskParams) == "null" {
		in.TaskParams = json.RawMessage(`{}`)
	}
	if in.Timezone == "" {
		in.Timezone = "UTC"
	}
	if in.DstGap == "" {
		in.DstGap = string(schedule.GapShift)
	}
	if in.DstFold == "" {
		in.DstFold = string(schedule.FoldFirst)
	}
	if in.Enabled == nil {
		t := true
		in.Enabled = &t
	}
}

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
	if sch, err := parseStored(r); err == nil {
		s.Preview = toFires(sch.Preview(h.now(), previewOnWrite))
	}
	return s
}

// etag is a schedule's entity tag: its revision and last update.
func etag(r dbsqlc.JobSchedule) string {
	return fmt.Sprintf(`W/"%d-%d"`, r.Revision, r.UpdatedAt.UnixMicro())
}

// matches reports whether an If-Match header value names the schedule's tag.
func matches(ifMatch string, r dbsqlc.JobSchedule) bool {
	want := strings.Trim(strings.TrimPrefix(etag(r), "W/"), `"`)
	for _, v := range strings.Split(ifMatch, ",") {
		v = strings.TrimSpace(v)
		if v == "*" || strings.Trim(strings.TrimPrefix(v, "W/"), `"`) == want {
			return true
		}
	}
	return false
}

func errStale(r dbsqlc.JobSchedule) error {
	return &requestError{status: http.StatusPreconditionFailed, location: "header.If-Match",
		msg: "the schedule changed since it was read; GET it again (current ETag " + etag(r) + ")"}
}

func parseStored(r dbsqlc.JobSchedule) (*schedule.Schedule, error) {
	return schedule.Parse(r.Cron, r.Timezone, schedule.Options{Gap: schedule.GapPolicy(r.DstGap), Fold: schedule.FoldPolicy(r.DstFold)})
}

// owner is the rights of a schedule's owner that limit what it may contain.
type owner struct {
	id          int64
	admin       bool
	minInterval *int32
}

func ownerOf(p *principal) owner {
	return owner{id: p.UserID, admin: p.IsAdmin, minInterval: p.MinIntervalSeconds}
}

// parseDefinition checks what needs no database: the cron, its time zone and
// DST options, and task_params against the job type's schema.
func (h *handler) parseDefinition(in *ScheduleInput) (*schedule.Schedule, error) {
	s, err := schedule.Parse(in.Cron, in.Timezone, schedule.Options{Gap: schedule.GapPolicy(in.DstGap), Fold: schedule.FoldPolicy(in.DstFold)})
	if err != nil {
		return nil, at("body", err)
	}
	if err := h.validator.Validate(in.JobType, in.TaskParams); err != nil {
		return nil, at("body", err)
	}
	return s, nil
}

// checkRights applies what the owner may schedule: per-second crons for
// admins only, the minimum interval, notifications to themselves only and
// backups for admins only.
func (h *handler) checkRights(in *ScheduleInput, o owner) error {
	minInterval := h.cfg.MinInterval.D()
	if o.minInterval != nil {
		minInterval = time.Duration(*o.minInterval) * time.Second
	}
	if err := schedule.ValidateFor(in.Cron, in.Timezone, o.admin, minInterval); err != nil {
		return at("body", err)
	}
	if o.admin {
		return nil
	}
	switch in.JobType {
	case jobs.KindBackup:
		return forbidden("body.job_type", "backup schedules are for admins")
	case jobs.KindNotification:
		var p struct {
			UserID *int64 `json:"user_id"`
		}
		if json.Unmarshal(in.TaskParams, &p) == nil && p.UserID != nil && *p.UserID != o.id {
			return forbidden("body.task_params/user_id", fmt.Sprintf("a notification schedule may only notify its owner (user %d)", o.id))
		}
	}
	return nil
}

// nextFire is the first fire after now, or a problem when the cron never fires again.
func (h *handler) nextFire(s *schedule.Schedule) (*time.Time, error) {
	next := s.Next(h.now())
	if next.IsZero() {
		return nil, badRequest(http.StatusUnprocessableEntity, "body.cron", "the cron expression never fires again")
	}
	return &next, nil
}

func (h *handler) waitReason(jobType string) *string {
	if h.fireable[jobType] {
		return nil
	}
	r := "no worker for job type " + jobType + " in this build"
	return &r
}

type scheduleIDInput struct {
	ID int32 `path:"id" minimum:"1" doc:"Schedule id"`
}

type scheduleOutput struct {
	ETag string `header:"ETag" doc:"Send it back in If-Match to replace the schedule"`
	Body Schedule
}

func (h *handler) scheduleResponse(r dbsqlc.JobSchedule) *scheduleOutput {
	return &scheduleOutput{ETag: etag(r), Body: h.withPreview(r)}
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
	def := &in.Body
	def.normalize()
	s, err := h.parseDefinition(def)
	if err != nil {
		return nil, h.problem(err)
	}
	if err := h.checkRights(def, ownerOf(p)); err != nil {
		return nil, h.problem(err)
	}
	var next *time.Time
	if *def.Enabled {
		if next, err = h.nextFire(s); err != nil {
			return nil, h.problem(err)
		}
	}
	var row dbsqlc.JobSchedule
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if !p.IsAdmin {
			if err := h.checkQuota(ctx, tx, p.UserID); err != nil {
				return err
			}
		}
		var wait *string
		if next != nil {
			wait = h.waitReason(def.JobType)
		}
		var err error
		row, err = h.q.ScheduleCreateAPI(ctx, tx, dbsqlc.ScheduleCreateAPIParams{
			UserID: int32(p.UserID), Name: def.Name, JobType: def.JobType, Target: def.Target, TaskParams: def.TaskParams,
			Cron: def.Cron, Enabled: *def.Enabled, NextRunAt: next, Timezone: def.Timezone,
			MisfireGraceTime: def.MisfireGraceTime, Catchup: def.Catchup, MaxCatchup: def.MaxCatchup, Overlap: def.Overlap,
			MaxInstances: def.MaxInstances, DstGap: def.DstGap, DstFold: def.DstFold, JitterSeconds: def.JitterSeconds,
			RemainingRuns: def.RemainingRuns, PauseOnFailure: def.PauseOnFailure, WaitReason: wait,
		})
		if err != nil {
			return fmt.Errorf("create schedule: %w", err)
		}
		return audit(ctx, tx, p.actor(), "schedule.create", "schedule", row.ID,
			map[string]any{"name": row.Name, "job_type": row.JobType, "cron": row.Cron, "timezone": row.Timezone})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &createScheduleOutput{ETag: etag(row), Location: fmt.Sprintf("/api/schedules/%d", row.ID), Body: h.withPreview(row)}, nil
}

// checkQuota refuses a new schedule beyond the owner's quota (users.max_schedules,
// else config max_schedules_per_user; 0 there means no limit). It locks the
// owner's row, so concurrent creates are counted.
func (h *handler) checkQuota(ctx context.Context, tx pgx.Tx, userID int64) error {
	quota, err := h.q.ScheduleOwnerQuota(ctx, tx, userID)
	if err != nil {
		return fmt.Errorf("schedule quota of user %d: %w", userID, err)
	}
	limit := h.cfg.MaxSchedulesPerUser
	if quota.MaxSchedules != nil {
		limit = int(*quota.MaxSchedules)
	} else if limit <= 0 {
		return nil
	}
	if int(quota.Schedules) >= limit {
		return &requestError{status: http.StatusForbidden,
			msg: fmt.Sprintf("schedule quota reached: you have %d schedules and may have at most %d; delete one first", quota.Schedules, limit)}
	}
	return nil
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
	arg := dbsqlc.ScheduleListScopedParams{UserID: int32(p.UserID), IsAdmin: p.IsAdmin, BeforeID: before, MaxRows: int32(limit + 1)}
	if in.JobType != "" {
		arg.JobType = &in.JobType
	}
	if in.Enabled != "" {
		arg.Enabled = pgtype.Bool{Bool: in.Enabled == "true", Valid: true}
	}
	if in.UserID > 0 {
		arg.OwnerID = &in.UserID
	}
	rows, err := h.q.ScheduleListScoped(ctx, h.pool, arg)
	if err != nil {
		return nil, h.problem(fmt.Errorf("list schedules: %w", err))
	}
	rows, next := page(rows, limit, func(r dbsqlc.JobSchedule) int32 { return r.ID })
	out := &listSchedulesOutput{Body: ScheduleList{Items: make([]Schedule, len(rows)), NextCursor: next}}
	for i, r := range rows {
		out.Body.Items[i] = toSchedule(r)
	}
	return out, nil
}

func (h *handler) getSchedule(ctx context.Context, in *scheduleIDInput) (*scheduleOutput, error) {
	p := caller(ctx)
	row, err := h.q.ScheduleGetScoped(ctx, h.pool, dbsqlc.ScheduleGetScopedParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin})
	if err != nil {
		return nil, h.problem(notFound(err, "schedule", in.ID))
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
	if strings.TrimSpace(in.IfMatch) == "" {
		return nil, h.problem(&requestError{status: http.StatusPreconditionRequired, location: "header.If-Match",
			msg: "If-Match is required: send the ETag of the schedule from GET /api/schedules/{id}"})
	}
	def := &in.Body
	def.normalize()
	s, err := h.parseDefinition(def)
	if err != nil {
		return nil, h.problem(err)
	}
	if !p.IsAdmin {
		// The owner is the caller (another user's schedule is not found).
		if err := h.checkRights(def, ownerOf(p)); err != nil {
			return nil, h.problem(err)
		}
	}
	var row dbsqlc.JobSchedule
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		cur, err := h.q.ScheduleGetScopedForUpdate(ctx, tx, dbsqlc.ScheduleGetScopedForUpdateParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin})
		if err != nil {
			return notFound(err, "schedule", in.ID)
		}
		old := cur.JobSchedule
		if !matches(in.IfMatch, old) {
			return errStale(old)
		}
		if err := h.checkRights(def, owner{id: int64(old.UserID), admin: cur.OwnerIsAdmin, minInterval: cur.OwnerMinIntervalSeconds}); err != nil {
			return err
		}
		next := old.NextRunAt
		replan := def.Cron != old.Cron || def.Timezone != old.Timezone || def.DstGap != old.DstGap ||
			def.DstFold != old.DstFold || !old.Enabled || next == nil
		if *def.Enabled && replan {
			if next, err = h.nextFire(s); err != nil {
				return err
			}
		}
		row, err = h.q.ScheduleReplaceScoped(ctx, tx, dbsqlc.ScheduleReplaceScopedParams{
			ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin,
			Name: def.Name, JobType: def.JobType, Target: def.Target, TaskParams: def.TaskParams,
			Cron: def.Cron, Timezone: def.Timezone, Enabled: *def.Enabled, NextRunAt: next,
			MisfireGraceTime: def.MisfireGraceTime, Catchup: def.Catchup, MaxCatchup: def.MaxCatchup, Overlap: def.Overlap,
			MaxInstances: def.MaxInstances, DstGap: def.DstGap, DstFold: def.DstFold, JitterSeconds: def.JitterSeconds,
			RemainingRuns: def.RemainingRuns, PauseOnFailure: def.PauseOnFailure,
		})
		if err != nil {
			return notFound(err, "schedule", in.ID)
		}
		if row, err = h.keepPlanned(ctx, tx, p, row, next); err != nil {
			return err
		}
		if wait := h.waitReason(row.JobType); row.Enabled && row.NextRunAt != nil && wait != nil && row.WaitReason == nil {
			// The update trigger cleared the reason of an edited row; the
			// scheduler only sets it on rows it plans itself.
			if row, err = h.q.ScheduleSetWaitReasonScoped(ctx, tx, dbsqlc.ScheduleSetWaitReasonScopedParams{
				ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin, WaitReason: wait}); err != nil {
				return fmt.Errorf("set wait reason of schedule %d: %w", in.ID, err)
			}
		}
		return audit(ctx, tx, p.actor(), "schedule.update", "schedule", row.ID, map[string]any{
			"from_revision": old.Revision, "to_revision": row.Revision, "name": row.Name, "cron": row.Cron,
			"timezone": row.Timezone, "enabled": row.Enabled})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return h.scheduleResponse(row), nil
}

// keepPlanned sets next_run_at again when the update trigger cleared it:
// re-enabling a row whose next fire is unchanged looks to the trigger like a
// resume without planning.
func (h *handler) keepPlanned(ctx context.Context, tx pgx.Tx, p *principal, row dbsqlc.JobSchedule, next *time.Time) (dbsqlc.JobSchedule, error) {
	if !row.Enabled || row.NextRunAt != nil || next == nil {
		return row, nil
	}
	row, err := h.q.ScheduleResumeScoped(ctx, tx, dbsqlc.ScheduleResumeScopedParams{ID: row.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin, NextRunAt: next})
	if err != nil {
		return row, fmt.Errorf("plan schedule %d: %w", row.ID, err)
	}
	return row, nil
}

type deleteScheduleInput struct {
	ID      int32  `path:"id" minimum:"1" doc:"Schedule id"`
	IfMatch string `header:"If-Match" doc:"Optional: delete only if the schedule is unchanged"`
}

func (h *handler) deleteSchedule(ctx context.Context, in *deleteScheduleInput) (*struct{}, error) {
	p := caller(ctx)
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		cur, err := h.q.ScheduleGetScopedForUpdate(ctx, tx, dbsqlc.ScheduleGetScopedForUpdateParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin})
		if err != nil {
			return notFound(err, "schedule", in.ID)
		}
		if in.IfMatch != "" && !matches(in.IfMatch, cur.JobSchedule) {
			return errStale(cur.JobSchedule)
		}
		open, err := h.q.RunListOpenBySchedules(ctx, tx, []int64{int64(in.ID)})
		if err != nil {
			return fmt.Errorf("list open runs of schedule %d: %w", in.ID, err)
		}
		for _, r := range open {
			if _, err := jobs.CancelRun(ctx, tx, h.client.Client, r.ID, "schedule deleted"); err != nil {
				return err
			}
		}
		row, err := h.q.ScheduleDeleteScoped(ctx, tx, dbsqlc.ScheduleDeleteScopedParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin})
		if err != nil {
			return notFound(err, "schedule", in.ID)
		}
		return audit(ctx, tx, p.actor(), "schedule.delete", "schedule", row.ID,
			map[string]any{"name": row.Name, "user_id": row.UserID, "cancelled_runs": len(open)})
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
	if _, err := h.q.ScheduleGetScoped(ctx, h.pool, dbsqlc.ScheduleGetScopedParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin}); err != nil {
		return nil, h.problem(notFound(err, "schedule", in.ID))
	}
	// The run, its job and the audit row commit together.
	var runID int64
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		if runID, err = h.enq.TriggerTx(ctx, tx, in.ID, force); err != nil {
			return err
		}
		return audit(ctx, tx, p.actor(), "schedule.trigger", "schedule", in.ID, map[string]any{"run_id": runID, "force": force})
	})
	if err != nil {
		return nil, h.problem(notFound(err, "schedule", in.ID))
	}
	run, err := h.q.RunGetScoped(ctx, h.pool, dbsqlc.RunGetScopedParams{ID: int32(runID), UserID: p.UserID, IsAdmin: p.IsAdmin})
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
		row, err = h.q.SchedulePauseScoped(ctx, tx, dbsqlc.SchedulePauseScopedParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin, Note: &note})
		if err != nil {
			return notFound(err, "schedule", in.ID)
		}
		return audit(ctx, tx, p.actor(), "schedule.pause", "schedule", row.ID, map[string]any{"note": note})
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
		cur, err := h.q.ScheduleGetScopedForUpdate(ctx, tx, dbsqlc.ScheduleGetScopedForUpdateParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin})
		if err != nil {
			return notFound(err, "schedule", in.ID)
		}
		old := cur.JobSchedule
		var next *time.Time
		if !old.Enabled {
			// Check the stored definition again (the scheduler may have
			// disabled it), and plan it from now: the paused time is not caught up.
			def := ScheduleInput{JobType: old.JobType, TaskParams: old.TaskParams, Cron: old.Cron, Timezone: old.Timezone,
				DstGap: old.DstGap, DstFold: old.DstFold}
			s, err := parseStored(old)
			if err != nil {
				return at("", err)
			}
			if err := h.validator.Validate(old.JobType, old.TaskParams); err != nil {
				return at("", err)
			}
			if err := h.checkRights(&def, owner{id: int64(old.UserID), admin: cur.OwnerIsAdmin, minInterval: cur.OwnerMinIntervalSeconds}); err != nil {
				return at("", err)
			}
			n := s.Next(h.now())
			if n.IsZero() {
				return badRequest(http.StatusUnprocessableEntity, "cron", "the schedule's cron never fires again")
			}
			next = &n
		}
		row, err = h.q.ScheduleResumeScoped(ctx, tx, dbsqlc.ScheduleResumeScopedParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin, NextRunAt: next})
		if err != nil {
			return notFound(err, "schedule", in.ID)
		}
		if row, err = h.keepPlanned(ctx, tx, p, row, next); err != nil {
			return err
		}
		return audit(ctx, tx, p.actor(), "schedule.resume", "schedule", row.ID, map[string]any{"was_enabled": old.Enabled})
	})
	if err != nil {
		return nil, h.problem(err)
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
	p := caller(ctx)
	row, err := h.q.ScheduleGetScoped(ctx, h.pool, dbsqlc.ScheduleGetScopedParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin})
	if err != nil {
		return nil, h.problem(notFound(err, "schedule", in.ID))
	}
	s, err := parseStored(row)
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
	if !to.After(from) {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.to", "to must be after from"))
	}
	if to.After(h.now()) {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.to", "to is in the future; backfill covers past fires"))
	}
	row, err := h.q.ScheduleGetScoped(ctx, h.pool, dbsqlc.ScheduleGetScopedParams{ID: in.ID, UserID: int32(p.UserID), IsAdmin: p.IsAdmin})
	if err != nil {
		return nil, h.problem(notFound(err, "schedule", in.ID))
	}
	s, err := parseStored(row)
	if err != nil {
		return nil, h.problem(at("", err))
	}
	if n := len(s.Between(from.Add(-time.Nanosecond), to, jobs.MaxBackfill+1)); n > jobs.MaxBackfill {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.from",
			fmt.Sprintf("the range has more than %d fires; split it", jobs.MaxBackfill)))
	}
	// The runs, their jobs and the audit row commit together.
	var out Backfill
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		fires, err := h.enq.BackfillTx(ctx, tx, in.ID, from, to, in.Body.DryRun)
		if err != nil {
			return err
		}
		out = Backfill{ScheduleID: in.ID, From: from, To: to, DryRun: in.Body.DryRun, Total: len(fires), Fires: make([]BackfillFire, len(fires))}
		for i, f := range fires {
			out.Fires[i] = BackfillFire{At: f.At.UTC(), Existing: f.Existing, Enqueued: f.Enqueued}
			if f.Enqueued {
				out.Enqueued++
			}
		}
		if in.Body.DryRun {
			return nil
		}
		return audit(ctx, tx, p.actor(), "schedule.backfill", "schedule", in.ID,
			map[string]any{"from": from, "to": to, "enqueued": out.Enqueued})
	})
	if err != nil {
		return nil, h.problem(notFound(err, "schedule", in.ID))
	}
	return &backfillScheduleOutput{Body: out}, nil
}
