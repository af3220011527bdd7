package schedules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schemas"
)

// MaxBackfill bounds the fires one backfill may list or enqueue.
const MaxBackfill = 10000

// BackfillFire is one fire of a backfill range.
type BackfillFire struct {
	At time.Time `json:"at"`
	// Existing is the status of the run the fire already has ("" = none).
	Existing string `json:"existing,omitempty"`
	// Enqueued reports that this backfill created a run for it.
	Enqueued bool `json:"enqueued"`
}

// Runs is what the service needs of the job layer (jobs.Enqueuer): cancel
// a schedule's open runs, run it now, run its past fires.
type Runs interface {
	CancelOpenRuns(ctx context.Context, tx pgx.Tx, scheduleID int32, reason string) (int, error)
	TriggerTx(ctx context.Context, tx pgx.Tx, scheduleID int32, force bool) (int64, error)
	BackfillTx(ctx context.Context, tx pgx.Tx, scheduleID int32, from, to time.Time, dryRun bool) ([]BackfillFire, error)
}

// Options configure a Service.
type Options struct {
	// Config supplies the limits (min_interval, max_schedules_per_user).
	Config config.Config
	// Validator checks task_params against the job type's schema (required).
	Validator *schemas.Validator
	// Runs backs Delete (cancelling open runs), Trigger and Backfill; nil
	// makes those fail (a worker that only creates schedules needs none).
	Runs Runs
	// Fireable are the job types this build has workers for; a schedule of
	// another type is stored with a wait reason. nil: every type.
	Fireable []string
	// Channels are the notification channels this deployment delivers on
	// (config.DeliveryChannels): an alert or notification choosing another,
	// log for a non-admin, or a channel its user has no address on is
	// refused (CheckChannels). nil accepts every channel.
	Channels []string
	// Now is the clock (nil: time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Service runs the schedule use cases.
type Service struct {
	limits    Limits
	validator *schemas.Validator
	runs      Runs
	fireable  map[string]bool
	channels  []string
	now       func() time.Time
	log       *slog.Logger
	q         *dbsqlc.Queries
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Validator == nil {
		return nil, fmt.Errorf("schedules: a validator is required")
	}
	s := &Service{limits: LimitsFrom(o.Config), validator: o.Validator, runs: o.Runs, channels: o.Channels, now: o.Now, log: o.Logger, q: dbsqlc.New()}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if o.Fireable != nil {
		s.fireable = map[string]bool{}
		for _, k := range o.Fireable {
			s.fireable[k] = true
		}
	}
	return s, nil
}

// Limits returns the configured limits the service applies.
func (s *Service) Limits() Limits { return s.limits }

// Channels are the notification channels this deployment delivers on (nil:
// every channel), what a user's choice of channels is checked against.
func (s *Service) Channels() []string { return s.channels }

// WaitReason says why an enabled schedule of jobType would not fire in this
// build (nil when it fires).
func (s *Service) WaitReason(jobType string) *string {
	if s.fireable == nil || s.fireable[jobType] {
		return nil
	}
	r := "no worker for job type " + jobType + " in this build"
	return &r
}

// Parse checks what needs no database: the text of the fields (checkText),
// the cron, its time zone and DST options, and task_params against the job
// type's schema.
func (s *Service) Parse(d *Definition) (*schedule.Schedule, error) {
	if err := d.checkText(); err != nil {
		return nil, err
	}
	sch, err := schedule.Parse(d.Cron, d.Timezone, d.options())
	if err != nil {
		return nil, err
	}
	if err := s.validator.Validate(d.JobType, d.TaskParams); err != nil {
		return nil, err
	}
	if err := checkAlert(d.JobType, d.TaskParams); err != nil {
		return nil, err
	}
	return sch, nil
}

// checkAlert parses an alert's task_params as the worker will, for what the
// schema cannot say (an operand's timeframe shorter than the alert's, macd
// fast below slow, ...): the problems come back as a
// *schemas.ValidationError naming each field.
func checkAlert(jobType string, params []byte) error {
	if jobType != config.JobAlert {
		return nil
	}
	_, err := alerts.Parse(params)
	var pe *alerts.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	ve := &schemas.ValidationError{JobType: jobType, Version: 1, Problems: make([]schemas.Problem, len(pe.Problems))}
	for i, p := range pe.Problems {
		ve.Problems[i] = schemas.Problem{Pointer: p.Path, Message: p.Message}
	}
	return ve
}

// ParseStored parses a stored schedule's cron with its DST options.
func ParseStored(r dbsqlc.JobSchedule) (*schedule.Schedule, error) {
	return schedule.Parse(r.Cron, r.Timezone, schedule.Options{Gap: schedule.GapPolicy(r.DstGap), Fold: schedule.FoldPolicy(r.DstFold)})
}

// nextFire is the first fire after now, or a problem when the cron never
// fires again.
func (s *Service) nextFire(sch *schedule.Schedule) (*time.Time, error) {
	next := sch.Next(s.now())
	if next.IsZero() {
		return nil, invalid("cron", "the cron expression never fires again")
	}
	return &next, nil
}

// ETag is a schedule's entity tag: its revision and last update.
func ETag(r dbsqlc.JobSchedule) string {
	return fmt.Sprintf(`W/"%d-%d"`, r.Revision, r.UpdatedAt.UnixMicro())
}

// Matches reports whether an If-Match header value names the schedule's tag.
func Matches(ifMatch string, r dbsqlc.JobSchedule) bool {
	want := strings.Trim(strings.TrimPrefix(ETag(r), "W/"), `"`)
	for _, v := range strings.Split(ifMatch, ",") {
		v = strings.TrimSpace(v)
		if v == "*" || strings.Trim(strings.TrimPrefix(v, "W/"), `"`) == want {
			return true
		}
	}
	return false
}

func errStale(r dbsqlc.JobSchedule) error {
	return &Error{Kind: KindStale, ETag: ETag(r),
		Msg: "the schedule changed since it was read; read it again (current ETag " + ETag(r) + ")"}
}

// scope is the SQL scope of an actor: its user id and whether it sees all.
func scope(a Actor) (int32, bool) { return int32(a.UserID), a.AllUsers }

func (s *Service) audit(ctx context.Context, tx pgx.Tx, a Actor, action string, r dbsqlc.JobSchedule, details map[string]any) error {
	return audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: int64(r.UserID), Source: a.Source,
		Action: action, EntityType: "schedule", EntityID: r.ID, Details: details})
}
