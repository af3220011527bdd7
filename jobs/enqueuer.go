package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
)

// NotifyChannel is the channel the job_schedules trigger notifies.
const NotifyChannel = "vigil_job_schedules"

const (
	// maxFiresPerTick bounds the fires one schedule contributes to one tick, so
	// a long backlog (a per-second schedule after hours of downtime) is worked
	// through in bounded chunks instead of one unbounded transaction.
	maxFiresPerTick = 1000
	// idleFloor is the shortest sleep between ticks that found nothing, so
	// that several schedulers do not re-poll each other.
	idleFloor = 10 * time.Millisecond
	// idleCeiling is the longest sleep: a safety net for a lost notification.
	idleCeiling = 30 * time.Second
)

// Enqueuer turns due job_schedules rows into River jobs, exactly once per
// (schedule, fire time), on any number of processes. Schedules are not held in
// memory: every tick reads the due rows from PostgreSQL.
type Enqueuer struct {
	pool       *pgxpool.Pool
	listenPool *pgxpool.Pool // LISTEN (session state): never through a transaction pooler
	client     *river.Client[pgx.Tx]
	cfg        config.Config
	validator  *schemas.Validator
	log        *slog.Logger
	builders   map[string]argsBuilder
	fireable   []string
	batch      int
	metrics    *metrics.Metrics

	// NowFunc is the clock (tests move it).
	NowFunc func() time.Time

	mu  sync.Mutex
	rnd *rand.Rand

	cronMu sync.Mutex
	crons  map[cronKey]*schedule.Schedule

	// partDays are the UTC days (unix seconds) known to have a partition of
	// job_schedule_runs; cleared when an insert finds one missing.
	partMu   sync.Mutex
	partDays map[int64]bool
	// parallel is how many tick loops Run runs (rows are shared out by
	// FOR UPDATE SKIP LOCKED).
	parallel int

	// What Health reports: whether Run runs, the last committed and the
	// last failed tick (wall clock), the schedules disabled so far.
	running      atomic.Int32
	started      atomic.Int64
	lastTick     atomic.Int64
	lastFailure  atomic.Pointer[tickFailure]
	disabled     atomic.Int64
	lastDisabled atomic.Pointer[string]
}

// tickFailure is a tick that failed.
type tickFailure struct {
	at  time.Time
	err string
}

// EnqueuerOpts configures NewEnqueuer.
type EnqueuerOpts struct {
	// Pool runs the enqueuer's transactions; it may go through PgBouncer's
	// transaction pooling (config pooled_database_url).
	Pool *pgxpool.Pool
	// ListenPool holds the LISTEN connection that wakes the enqueuer when a
	// schedule changes: a direct or session-pooled connection (default Pool).
	ListenPool *pgxpool.Pool
	Client     *river.Client[pgx.Tx]
	Config     config.Config
	Validator  *schemas.Validator
	Logger     *slog.Logger
	// Kinds are the job types this build has workers for (Client.Kinds).
	Kinds []string
	// Metrics counts fires; nil disables.
	Metrics *metrics.Metrics
	// Parallel is how many tick loops run at once (default 2): a burst of due
	// rows is shared out between them by FOR UPDATE SKIP LOCKED.
	Parallel int
}

// NewEnqueuer builds an enqueuer.
func NewEnqueuer(o EnqueuerOpts) (*Enqueuer, error) {
	if o.Pool == nil || o.Client == nil || o.Validator == nil {
		return nil, errors.New("enqueuer: pool, client and validator are required")
	}
	if o.Parallel == 0 {
		o.Parallel = 2
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Enqueuer{
		pool: o.Pool, listenPool: cmp.Or(o.ListenPool, o.Pool), client: o.Client, cfg: o.Config, validator: o.Validator,
		log:      log.With("component", "enqueuer"),
		builders: map[string]argsBuilder{},
		batch:    max(o.Config.EnqueueBatchSize, 1),
		metrics:  o.Metrics,
		crons:    map[cronKey]*schedule.Schedule{},
		parallel: max(o.Parallel, 1),
		NowFunc:  time.Now,
		rnd:      rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)),
	}
	for _, k := range o.Kinds {
		b, ok := builderFor(k)
		if !ok {
			return nil, fmt.Errorf("enqueuer: no args builder for job type %q", k)
		}
		e.builders[k] = b
		e.fireable = append(e.fireable, k)
	}
	slices.Sort(e.fireable)
	return e, nil
}

// Fireable lists the job types this enqueuer fires.
func (e *Enqueuer) Fireable() []string { return slices.Clone(e.fireable) }

// TickStats says what one tick did.
type TickStats struct {
	Planned  int // rows given a next_run_at
	Disabled int // rows disabled for a bad cron or task_params
	Due      int // due rows locked
	Runs     int // runs inserted (jobs enqueued)
	Skipped  int // SKIPPED runs recorded
	Full     bool
}

// Run ticks until ctx is done: it wakes on NOTIFY from the job_schedules
// trigger and otherwise sleeps until the earliest next_run_at (at most
// MaxTickInterval).
func (e *Enqueuer) Run(ctx context.Context) error {
	e.running.Add(1)
	defer e.running.Add(-1)
	e.started.Store(time.Now().UnixNano())
	wake := make(chan struct{}, 1)
	go e.listen(ctx, wake)

	if err := e.markWaiting(ctx); err != nil {
		e.log.Warn("mark waiting schedules", "error", err)
	}
	if counts, err := dbsqlc.New().ScheduleCounts(ctx, e.pool); err != nil {
		e.log.Warn("count active schedules", "error", err)
	} else {
		e.log.Info(fmt.Sprintf("SchedulerService started with %d active schedules", counts.Enabled),
			"active_schedules", counts.Enabled, "total_schedules", counts.Total, "fires_job_types", e.fireable)
	}
	var wg sync.WaitGroup
	for range e.parallel {
		wg.Go(func() { e.loop(ctx, wake) })
	}
	wg.Wait()
	return nil
}

// loop ticks until ctx is done.
func (e *Enqueuer) loop(ctx context.Context, wake chan struct{}) {
	failures := 0
	for ctx.Err() == nil {
		st, err := e.Tick(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			failures++
			delay := min(time.Duration(failures)*time.Second, 30*time.Second)
			e.log.Error("scheduler tick failed", "error", err, "retry_in", delay)
			sleep(ctx, delay, wake)
			continue
		}
		failures = 0
		if st.Full {
			// More is due: tell a sleeping loop too.
			select {
			case wake <- struct{}{}:
			default:
			}
			continue
		}
		sleep(ctx, e.untilNext(ctx), wake)
	}
}

func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

func (e *Enqueuer) untilNext(ctx context.Context) time.Duration {
	next, err := dbsqlc.New().ScheduleNextDueAt(ctx, e.pool, e.fireable)
	if err != nil || next == nil {
		return idleCeiling
	}
	return min(max(next.Sub(e.NowFunc()), idleFloor), idleCeiling)
}

// listen forwards NOTIFYs on NotifyChannel to wake, reconnecting on errors.
func (e *Enqueuer) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		err := e.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		e.log.Warn("schedule listener lost, reconnecting", "error", err)
		sleep(ctx, time.Second, nil)
	}
}

func (e *Enqueuer) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	conn, err := e.listenPool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "UNLISTEN *") }()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// markWaiting records why rows of job types this build cannot run wait.
func (e *Enqueuer) markWaiting(ctx context.Context) error {
	q := dbsqlc.New()
	if _, err := q.ScheduleClearWaiting(ctx, e.pool, e.fireable); err != nil {
		return err
	}
	n, err := q.ScheduleMarkWaiting(ctx, e.pool, e.fireable)
	if err == nil && n > 0 {
		e.log.Warn("schedules wait: this build has no worker for their job type", "schedules", n, "fireable", e.fireable)
	}
	return err
}

// Tick plans new rows and fires due rows in one transaction.
func (e *Enqueuer) Tick(ctx context.Context) (TickStats, error) {
	st, err := e.tick(ctx)
	if err == nil {
		e.lastTick.Store(time.Now().UnixNano())
	} else if ctx.Err() == nil {
		e.lastFailure.Store(&tickFailure{at: time.Now(), err: err.Error()})
	}
	return st, err
}

func (e *Enqueuer) tick(ctx context.Context) (TickStats, error) {
	var st TickStats
	now := e.NowFunc()
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return st, fmt.Errorf("begin tick: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, "SET LOCAL vigil.scheduler = 'on'"); err != nil {
		return st, fmt.Errorf("mark scheduler transaction: %w", err)
	}
	if err := e.plan(ctx, tx, now, &st); err != nil {
		return st, err
	}
	if err := e.fire(ctx, tx, now, &st); err != nil {
		return st, err
	}
	if err := tx.Commit(ctx); err != nil {
		return st, fmt.Errorf("commit tick: %w", err)
	}
	return st, nil
}

// cronKey identifies a parsed cron expression.
type cronKey struct{ expr, tz, gap, fold string }

// maxCronCache bounds the parsed-expression cache (expressions, not
// schedules: many rows share an expression).
const maxCronCache = 10000

// cron parses a row's cron expression, reusing earlier parses.
func (e *Enqueuer) cron(row dbsqlc.JobSchedule) (*schedule.Schedule, error) {
	k := cronKey{row.Cron, row.Timezone, row.DstGap, row.DstFold}
	e.cronMu.Lock()
	s, ok := e.crons[k]
	e.cronMu.Unlock()
	if ok {
		return s, nil
	}
	s, err := schedule.Parse(row.Cron, row.Timezone, schedule.Options{
		Gap: schedule.GapPolicy(row.DstGap), Fold: schedule.FoldPolicy(row.DstFold)})
	if err != nil {
		return nil, fmt.Errorf("invalid cron %q: %w", row.Cron, err)
	}
	e.cronMu.Lock()
	if len(e.crons) >= maxCronCache {
		clear(e.crons)
	}
	e.crons[k] = s
	e.cronMu.Unlock()
	return s, nil
}

// parse checks a row's cron and task_params. The planner validates every new
// or edited row this way (an edit clears next_run_at); fires then only parse
// the cron.
func (e *Enqueuer) parse(row dbsqlc.JobSchedule) (*schedule.Schedule, error) {
	s, err := e.cron(row)
	if err != nil {
		return nil, err
	}
	if err := e.validator.Validate(row.JobType, row.TaskParams); err != nil {
		return nil, fmt.Errorf("invalid task_params: %w", err)
	}
	return s, nil
}

func (e *Enqueuer) disable(ctx context.Context, tx pgx.Tx, bad map[int32]string) error {
	if len(bad) == 0 {
		return nil
	}
	ids := make([]int32, 0, len(bad))
	reasons := make([]string, 0, len(bad))
	for id, r := range bad {
		ids = append(ids, id)
		reasons = append(reasons, r)
		e.log.Warn("schedule disabled", "schedule_id", id, "reason", r)
	}
	disabled, err := dbsqlc.New().ScheduleDisableMany(ctx, tx, dbsqlc.ScheduleDisableManyParams{Ids: ids, Reasons: reasons})
	if err != nil {
		return fmt.Errorf("disable %d schedules: %w", len(ids), err)
	}
	for _, d := range disabled {
		if err := auditScheduler(ctx, tx, "schedule.disable", d.ID, d.UserID, map[string]any{"reason": deref(d.DisabledReason)}); err != nil {
			return err
		}
	}
	// Counted for the scheduler's health check (its metadata), not written
	// to msg_system_health: a row there is a heartbeat, and a one-off row
	// would read as a component gone DOWN once it is three intervals old.
	// The schedule's disabled_reason and the audit row tell its owner.
	e.disabled.Add(int64(len(disabled)))
	for _, d := range disabled {
		why := fmt.Sprintf("schedule %d disabled: %s", d.ID, deref(d.DisabledReason))
		e.lastDisabled.Store(&why)
	}
	return nil
}

// plan gives rows without next_run_at their next fire (or disables them).
func (e *Enqueuer) plan(ctx context.Context, tx pgx.Tx, now time.Time, st *TickStats) error {
	q := dbsqlc.New()
	limits := schedules.LimitsFrom(e.cfg)
	rows, err := q.ScheduleListUnplanned(ctx, tx, dbsqlc.ScheduleListUnplannedParams{
		DefaultQuota: int32(limits.MaxSchedulesPerUser), MaxRows: int32(e.batch)})
	if err != nil {
		return fmt.Errorf("list unplanned schedules: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	bad := map[int32]string{}
	var p dbsqlc.SchedulePlanManyParams
	for _, r := range rows {
		row := r.JobSchedule
		s, err := e.parse(row)
		if err != nil {
			bad[row.ID] = err.Error()
			continue
		}
		// The rules the API and the bot apply hold for rows written by anyone.
		o := schedules.Owner{ID: int64(row.UserID), Admin: r.OwnerIsAdmin,
			MinIntervalSeconds: r.OwnerMinIntervalSeconds, MaxSchedules: r.OwnerMaxSchedules}
		if err := limits.CheckRights(o, row.JobType, row.TaskParams, row.Cron, row.Timezone); err != nil {
			if ce := (*schedule.Error)(nil); errors.As(err, &ce) {
				bad[row.ID] = fmt.Sprintf("cron %q not allowed for this user: %v", row.Cron, err)
			} else {
				bad[row.ID] = "not allowed for this user: " + err.Error()
			}
			continue
		}
		if why := limits.QuotaExceeded(o, int(r.OwnerRank)); why != "" {
			bad[row.ID] = why
			continue
		}
		next := s.Next(now)
		if next.IsZero() {
			bad[row.ID] = "cron never fires again"
			continue
		}
		wait := ""
		if _, ok := e.builders[row.JobType]; !ok {
			wait = "no worker for job type " + row.JobType + " in this build"
		}
		p.Ids = append(p.Ids, row.ID)
		p.NextRunAts = append(p.NextRunAts, next)
		p.WaitReasons = append(p.WaitReasons, wait)
	}
	if err := e.disable(ctx, tx, bad); err != nil {
		return err
	}
	if len(p.Ids) > 0 {
		if err := q.SchedulePlanMany(ctx, tx, p); err != nil {
			return fmt.Errorf("plan %d schedules: %w", len(p.Ids), err)
		}
	}
	st.Planned, st.Disabled = len(p.Ids), len(bad)
	if len(rows) == e.batch {
		st.Full = true
	}
	return nil
}

// Policy returns a schedule's effective policy: its columns, defaulted from
// config.
func (e *Enqueuer) Policy(row dbsqlc.JobSchedule) Policy {
	d := e.cfg.JobDefaults
	p := Policy{
		Catchup:       d.Catchup,
		MisfireGrace:  d.MisfireGraceTime.D(),
		MaxCatchup:    d.MaxCatchup,
		Overlap:       d.Overlap,
		MaxInstances:  d.MaxInstances,
		Jitter:        time.Duration(row.JitterSeconds) * time.Second,
		RemainingRuns: -1,
	}
	if p.Catchup == "" {
		p.Catchup = CatchupAll
	}
	if p.Overlap == "" {
		p.Overlap = OverlapAllowAll
	}
	if row.Catchup != nil {
		p.Catchup = *row.Catchup
	}
	if row.MisfireGraceTime != nil {
		p.MisfireGrace = time.Duration(*row.MisfireGraceTime) * time.Second
	}
	if row.MaxCatchup != nil {
		p.MaxCatchup = int(*row.MaxCatchup)
	}
	if row.Overlap != nil {
		p.Overlap = *row.Overlap
	}
	if row.MaxInstances != nil {
		p.MaxInstances = int(*row.MaxInstances)
	}
	if row.RemainingRuns != nil {
		p.RemainingRuns = int(*row.RemainingRuns)
	}
	return p
}

type plannedFire struct {
	row      dbsqlc.JobSchedule
	decision Decision
	trigger  string
}

// fire decides and enqueues the due rows.
func (e *Enqueuer) fire(ctx context.Context, tx pgx.Tx, now time.Time, st *TickStats) error {
	q := dbsqlc.New()
	rows, err := q.ScheduleListDue(ctx, tx, dbsqlc.ScheduleListDueParams{
		Now: &now, JobTypes: e.fireable, MaxRows: int32(e.batch)})
	if err != nil {
		return fmt.Errorf("list due schedules: %w", err)
	}
	st.Due = len(rows)
	if len(rows) == e.batch {
		st.Full = true
	}
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = int64(r.ID)
	}
	openRows, err := q.RunListOpenBySchedules(ctx, tx, ids)
	if err != nil {
		return fmt.Errorf("list open runs: %w", err)
	}
	open := map[int64][]dbsqlc.RunListOpenBySchedulesRow{}
	for _, o := range openRows {
		open[*o.JobID] = append(open[*o.JobID], o)
	}

	bad := map[int32]string{}
	var fires []plannedFire
	var cancel []dbsqlc.RunListOpenBySchedulesRow
	var adv dbsqlc.ScheduleAdvanceManyParams
	var limited []dbsqlc.JobSchedule // paused at their run limit by this tick
	e.mu.Lock()
	for _, row := range rows {
		s, err := e.cron(row)
		if err != nil {
			bad[row.ID] = err.Error()
			continue
		}
		from := row.NextRunAt.Add(-time.Nanosecond)
		due := s.Between(from, now, maxFiresPerTick)
		more := len(due) == maxFiresPerTick
		p := e.Policy(row)
		plan := Decide(p, due, now, len(open[int64(row.ID)]), more, e.rnd)
		if plan.CancelOpen {
			cancel = append(cancel, open[int64(row.ID)]...)
		}
		fired := false
		var last time.Time
		for _, d := range plan.Decisions {
			fires = append(fires, plannedFire{row: row, decision: d, trigger: "cron"})
			if d.Run {
				fired, last = true, d.At
			}
		}
		next := s.Next(now)
		if len(due) > 0 {
			next = s.Next(due[len(due)-1])
		}
		if next.IsZero() {
			bad[row.ID] = "cron never fires again"
			continue
		}
		adv.Ids = append(adv.Ids, row.ID)
		adv.NextRunAts = append(adv.NextRunAts, next)
		adv.LastRunAts = append(adv.LastRunAts, last)
		adv.Fired = append(adv.Fired, fired)
		adv.RemainingRuns = append(adv.RemainingRuns, int32(plan.RemainingRuns))
		if plan.RemainingRuns == 0 {
			limited = append(limited, row)
		}
	}
	e.mu.Unlock()

	if err := e.disable(ctx, tx, bad); err != nil {
		return err
	}
	if err := e.cancelOpen(ctx, tx, cancel, "cancelled by a newer fire (overlap policy cancel_other)"); err != nil {
		return err
	}
	runIDs, skipped, err := e.insertRuns(ctx, tx, fires)
	if err != nil {
		return err
	}
	st.Runs, st.Skipped = len(runIDs), skipped
	e.metrics.Fires("run", st.Runs)
	e.metrics.Fires("skipped", skipped)
	if len(adv.Ids) > 0 {
		if err := q.ScheduleAdvanceMany(ctx, tx, adv); err != nil {
			return fmt.Errorf("advance %d schedules: %w", len(adv.Ids), err)
		}
	}
	for _, row := range limited {
		e.log.Info("schedule paused at its run limit", "schedule_id", row.ID, "user_id", row.UserID)
		if err := auditScheduler(ctx, tx, "schedule.pause", row.ID, row.UserID, map[string]any{"note": "run limit reached"}); err != nil {
			return err
		}
	}
	return nil
}

func (e *Enqueuer) cancelOpen(ctx context.Context, tx pgx.Tx, open []dbsqlc.RunListOpenBySchedulesRow, reason string) error {
	if len(open) == 0 {
		return nil
	}
	ids := make([]int64, len(open))
	fors := make([]time.Time, len(open))
	for i, o := range open {
		ids[i], fors[i] = o.ID, o.ScheduledFor
	}
	if err := dbsqlc.New().RunCancelMany(ctx, tx, dbsqlc.RunCancelManyParams{Ids: ids, ScheduledFors: fors, Reason: reason}); err != nil {
		return fmt.Errorf("cancel open runs: %w", err)
	}
	for _, o := range open {
		if o.RiverJobID == nil {
			continue
		}
		if _, err := e.client.JobCancelTx(ctx, tx, *o.RiverJobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("cancel river job %d: %w", *o.RiverJobID, err)
		}
	}
	return nil
}

type fireKey struct {
	schedule int32
	at       int64
}

// insertFires records fires as runs and enqueues their jobs; it returns the
// ids of the new runs that got a job.
func (e *Enqueuer) insertFires(ctx context.Context, tx pgx.Tx, fires []plannedFire) ([]int64, error) {
	ids, _, err := e.insertRuns(ctx, tx, fires)
	return ids, err
}

// insertRuns records every decided fire as a run (SKIPPED or PENDING) and
// enqueues the River jobs of those that run. Run ids are reserved first so
// that each job carries its run and each run row is written once, with its
// River job id (no second update of the run). It returns the new runs' ids
// and the number of SKIPPED rows.
func (e *Enqueuer) insertRuns(ctx context.Context, tx pgx.Tx, fires []plannedFire) (runIDs []int64, skipped int, err error) {
	if len(fires) == 0 {
		return nil, 0, nil
	}
	q := dbsqlc.New()
	// A fire that already has a run is not recorded again. Every writer of
	// runs holds its schedule row locked, so none can appear until commit.
	var ex dbsqlc.RunExistingFiresParams
	for _, f := range fires {
		ex.ScheduleIds = append(ex.ScheduleIds, int64(f.row.ID))
		ex.ScheduledFors = append(ex.ScheduledFors, f.decision.At)
	}
	existing, err := q.RunExistingFires(ctx, tx, ex)
	if err != nil {
		return nil, 0, fmt.Errorf("look up existing runs: %w", err)
	}
	if len(existing) > 0 {
		have := make(map[fireKey]bool, len(existing))
		for _, r := range existing {
			have[fireKey{int32(*r.JobID), r.ScheduledFor.UnixMicro()}] = true
		}
		fires = slices.DeleteFunc(slices.Clone(fires), func(f plannedFire) bool {
			return have[fireKey{f.row.ID, f.decision.At.UnixMicro()}]
		})
	}

	if err := e.ensurePartitions(ctx, tx, fires); err != nil {
		return nil, 0, err
	}

	ids := make([]int64, len(fires))
	jobIDs := make([]int64, len(fires))
	var failures []fireFailure
	var toRun []int
	for i, f := range fires {
		if f.decision.Run {
			toRun = append(toRun, i)
		}
	}
	if len(toRun) > 0 {
		reserved, err := q.RunReserveIDs(ctx, tx, int32(len(toRun)))
		if err != nil {
			return nil, 0, fmt.Errorf("reserve %d run ids: %w", len(toRun), err)
		}
		byType := map[string][]Fire{}
		index := make(map[int64]int, len(toRun))
		for k, i := range toRun {
			ids[i] = reserved[k]
			index[reserved[k]] = i
			f := fires[i]
			byType[f.row.JobType] = append(byType[f.row.JobType], fireOf(f, reserved[k]))
		}
		links, failed, err := e.enqueue(ctx, tx, byType)
		if err != nil {
			return nil, 0, err
		}
		for runID, jobID := range links {
			jobIDs[index[runID]] = jobID
		}
		failures = failed
	}

	var p dbsqlc.RunInsertFiresParams
	for i, f := range fires {
		status, reason := StatusPending, ""
		if !f.decision.Run {
			status, reason = StatusSkipped, f.decision.SkipReason
		}
		p.Ids = append(p.Ids, ids[i])
		p.ScheduleIds = append(p.ScheduleIds, f.row.ID)
		p.ScheduledFors = append(p.ScheduledFors, f.decision.At)
		p.Statuses = append(p.Statuses, status)
		p.Triggers = append(p.Triggers, f.trigger)
		p.SkipReasons = append(p.SkipReasons, reason)
		p.JitterMs = append(p.JitterMs, int32(f.decision.Jitter/time.Millisecond))
		p.RiverJobIds = append(p.RiverJobIds, jobIDs[i])
	}
	inserted, err := q.RunInsertFires(ctx, tx, p)
	if err != nil {
		if db.IsNoRunPartition(err) {
			e.partMu.Lock()
			e.partDays = nil // dropped behind our back: look again next tick
			e.partMu.Unlock()
		}
		return nil, 0, fmt.Errorf("insert %d runs: %w", len(fires), db.Translate(err))
	}
	if len(inserted) != len(fires) {
		// Only a writer that does not lock the schedule row (an operator's
		// INSERT) can get here; roll back so its jobs are not left behind.
		return nil, 0, fmt.Errorf("insert runs: %d of %d fires got a run concurrently; retrying", len(fires)-len(inserted), len(fires))
	}
	for _, r := range inserted {
		if r.Status == StatusSkipped {
			skipped++
		}
	}
	for _, i := range toRun {
		if jobIDs[i] != 0 {
			runIDs = append(runIDs, ids[i])
		}
	}
	for _, ff := range failures {
		if err := e.failFire(ctx, tx, ff.fire, ff.err); err != nil {
			return nil, 0, err
		}
	}
	return runIDs, skipped, nil
}

// ensurePartitions makes sure that the UTC days of the fires have their
// partition of job_schedule_runs, asking the database once per day per
// process. The retention job creates them a week ahead; this covers a clock
// or a backlog outside that window. A day whose creation is rolled back with
// the tick is forgotten by the insert's error.
func (e *Enqueuer) ensurePartitions(ctx context.Context, tx pgx.Tx, fires []plannedFire) error {
	var missing []time.Time
	e.partMu.Lock()
	for _, f := range fires {
		d := f.decision.At.UTC().Truncate(24 * time.Hour)
		if !e.partDays[d.Unix()] && !slices.Contains(missing, d) {
			missing = append(missing, d)
		}
	}
	e.partMu.Unlock()
	for _, d := range missing {
		if _, err := db.EnsureRunPartitions(ctx, tx, d, d); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		e.partMu.Lock()
		if e.partDays == nil {
			e.partDays = make(map[int64]bool)
		}
		for _, d := range missing {
			e.partDays[d.Unix()] = true
		}
		e.partMu.Unlock()
	}
	return nil
}

// fireFailure is a fire that could not become a job.
type fireFailure struct {
	fire Fire
	err  error
}

func fireOf(f plannedFire, runID int64) Fire {
	overlap := ""
	if f.row.Overlap != nil {
		overlap = *f.row.Overlap
	}
	return Fire{
		Run: RunRef{RunID: runID, ScheduleID: int64(f.row.ID), ScheduledFor: f.decision.At,
			Revision: f.row.Revision, UserID: int64(f.row.UserID), Overlap: overlap},
		Target: f.row.Target,
		Params: f.row.TaskParams,
		Jitter: f.decision.Jitter,
	}
}

// failFire fails a run whose schedule's task_params cannot become a job, and
// disables the schedule with the reason.
func (e *Enqueuer) failFire(ctx context.Context, tx pgx.Tx, f Fire, cause error) error {
	reason := fmt.Sprintf("invalid task_params: %v", cause)
	if err := dbsqlc.New().RunFailMany(ctx, tx, dbsqlc.RunFailManyParams{Ids: []int64{f.Run.RunID},
		ScheduledFors: []time.Time{f.Run.ScheduledFor}, Reason: reason}); err != nil {
		return fmt.Errorf("fail run %d: %w", f.Run.RunID, err)
	}
	return e.disable(ctx, tx, map[int32]string{int32(f.Run.ScheduleID): reason})
}

// enqueue builds and inserts the River jobs for fires (whose runs have
// reserved ids) and returns each run's job id, and the fires that could not
// become a job.
func (e *Enqueuer) enqueue(ctx context.Context, tx pgx.Tx, byType map[string][]Fire) (map[int64]int64, []fireFailure, error) {
	var params []river.InsertManyParams
	var runsOf [][]RunRef
	var failures []fireFailure
	for _, jobType := range slices.Sorted(maps.Keys(byType)) {
		fires := byType[jobType]
		build, ok := e.builders[jobType]
		if !ok {
			return nil, nil, fmt.Errorf("no worker for job type %q", jobType)
		}
		built, err := build(fires)
		if err != nil {
			// One bad row must not block the others: build fire by fire and
			// fail (and disable) the ones that cannot become a job.
			built = built[:0]
			for _, f := range fires {
				one, err := build([]Fire{f})
				if err != nil {
					failures = append(failures, fireFailure{fire: f, err: err})
					continue
				}
				built = append(built, one...)
			}
		}
		for _, b := range built {
			// River takes the priority from the args' InsertOpts when
			// these leave it 0 (NotifyArgs carry their own).
			opts := InsertOpts(e.cfg, jobType)
			if j := b.jitter; j > 0 {
				opts.ScheduledAt = b.runs[0].ScheduledFor.Add(j)
			}
			params = append(params, river.InsertManyParams{Args: b.args, InsertOpts: opts})
			runsOf = append(runsOf, b.runs)
		}
	}
	links := map[int64]int64{}
	if len(params) == 0 {
		return links, failures, nil
	}
	results, err := e.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, nil, fmt.Errorf("insert %d river jobs: %w", len(params), err)
	}
	for i, res := range results {
		for _, r := range runsOf[i] {
			links[r.RunID] = res.Job.ID
		}
	}
	return links, failures, nil
}

func ptr[T any](v T) *T { return &v }
