package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db"
)

// Chaos scenarios (`vigil chaos`, issue 13 item 6): the reliability suite.
// Each runs in a database of its own, with its nodes as OS processes, on
// loopback only, bounded in time, and ends with one JSON line (ChaosResult).
const (
	ChaosKill9          = "kill9"           // SIGKILL every process at random moments under 500 alerts a minute
	ChaosPGRestart      = "pg_restart"      // restart PostgreSQL under S1 load
	ChaosTelegramOutage = "telegram_outage" // the Bot API stand-in down, then a 429 storm
	ChaosFailover       = "failover"        // 4 schedulers and 2 workers, one SIGKILLed each minute
	ChaosSoak           = "soak"            // 30 minutes of S1: RSS and lag p99 over time
	ChaosAll            = "all"
)

// ChaosScenarios lists the scenarios in the order "all" runs them.
var ChaosScenarios = []string{ChaosKill9, ChaosPGRestart, ChaosTelegramOutage, ChaosFailover, ChaosSoak}

// ErrChaosFailed is returned by RunChaos when a scenario broke one of its
// invariants (its line has "ok": false).
var ErrChaosFailed = errors.New("chaos: a scenario failed (see its \"failures\")")

// ChaosOptions configure RunChaos. Zero values take the defaults.
type ChaosOptions struct {
	// Scenario is one of ChaosScenarios, a comma-separated list of them,
	// or "all" (the default).
	Scenario string
	// Scale multiplies every duration of a scenario (1; 0.1 for a quick
	// run). Each phase keeps a floor that lets it mean something (a
	// minute-cron scenario sees at least one fire, pg_restart's window
	// after the restart stays longer than the 15 s bound).
	Scale float64
	// Duration replaces the main duration of the scenarios run (kill9 5m,
	// pg_restart 90s, telegram_outage the 10m outage, failover 10m, soak
	// 30m); the scenario's other phases are scaled by Duration/default.
	Duration time.Duration
	// N replaces the load: alerts (kill9 500, telegram_outage 100) or
	// per-second schedules (pg_restart, failover, soak 1000).
	N int
	// AllowPGRestart lets pg_restart restart the local PostgreSQL cluster
	// (every other client of the server is disconnected); without it the
	// scenario is reported as not run.
	AllowPGRestart bool
	// RescueAfter is the nodes' rescue_stuck_jobs_after: how long the jobs
	// a SIGKILLed worker held wait before River retries them (1m; River's
	// JobTimeout becomes 3/4 of it). River's rescuer runs every 30 s.
	RescueAfter time.Duration
	// NotifyMaxBackoff is the nodes' notification_max_backoff (30s).
	NotifyMaxBackoff time.Duration
	// Cron replaces the alert scenarios' "* * * * *" (tests use seconds).
	Cron string
	// Schedulers and Workers replace failover's 4 and 2 processes.
	Schedulers, Workers int
	// KillSchedulersOnly makes failover kill scheduler processes only (the
	// smoke test: a killed worker's jobs wait for River's rescuer).
	KillSchedulersOnly bool
	// Seed seeds the random kill moments (0: random; the result says which).
	Seed uint64
	// ServerURL is the PostgreSQL server (db.DevURL); it must be on
	// loopback or a Unix socket.
	ServerURL string
	// Keep keeps each scenario's database.
	Keep bool
	// Exe, StartNode and NodeOutput are as in Options.
	Exe        string
	StartNode  StartNodeFunc
	NodeOutput io.Writer
	// Out receives the result lines (os.Stdout); Progress the progress
	// lines (os.Stderr).
	Out, Progress io.Writer
	// Log receives progress logs (discarded when nil).
	Log *slog.Logger
}

// ChaosResult is one scenario's line. Keys up to Failures are common; the
// rest belong to some scenarios.
type ChaosResult struct {
	Scenario string `json:"scenario"`
	// OK says every invariant of the scenario held; Failures names the
	// broken ones. NotRun says why the scenario did not run (OK is then
	// false too); Error is a failure of the suite itself.
	OK       bool     `json:"ok"`
	Failures []string `json:"failures,omitempty"`
	NotRun   string   `json:"not_run,omitempty"`
	Error    string   `json:"error,omitempty"`
	// Scale is the factor the scenario's durations were multiplied by
	// (Duration/default when Duration is set).
	Scale float64 `json:"scale"`
	Seed  uint64  `json:"seed,omitempty"`
	// DurationS is the scenario's chaos phase; WallS the whole scenario,
	// setup and the wait for stragglers included.
	DurationS      float64 `json:"duration_s"`
	WallS          float64 `json:"wall_s"`
	N              int     `json:"n"`
	SchedulerNodes int     `json:"scheduler_nodes"`
	WorkerNodes    int     `json:"worker_nodes"`
	RescueAfterS   float64 `json:"rescue_after_s"`

	// Fires of the measured schedules: Expected due fires, Recorded those
	// with a run row (SKIPPED included), Missing those without one,
	// Duplicates run rows beyond one per fire.
	Expected        int64            `json:"expected"`
	Recorded        int64            `json:"recorded"`
	Missing         int64            `json:"missing"`
	Duplicates      int64            `json:"duplicates"`
	SkippedRuns     int64            `json:"skipped_runs"`
	SkippedByReason map[string]int64 `json:"skipped_by_reason,omitempty"`
	NotStarted      int64            `json:"not_started"`
	Unfinished      int64            `json:"unfinished"`
	FailedRuns      int64            `json:"failed_runs"`
	LagP50Ms        *float64         `json:"lag_p50_ms"`
	LagP99Ms        *float64         `json:"lag_p99_ms"`
	LagMaxMs        *float64         `json:"lag_max_ms"`
	// Probe scenarios: River jobs beyond one per run (must be 0), and probe
	// executions beyond one per run (at-least-once re-executions after a
	// kill, counted, not failures).
	DuplicateJobs    *int64 `json:"duplicate_jobs,omitempty"`
	DuplicateResults *int64 `json:"duplicate_results,omitempty"`

	// Kills are the processes SIGKILLed (and restarted), by role.
	Kills       int            `json:"kills,omitempty"`
	KillsByRole map[string]int `json:"kills_by_role,omitempty"`
	KillAll     int            `json:"kill_all,omitempty"`

	// Alert scenarios. TriggersExpected are the non-skipped due fires (the
	// rule always holds); LostTriggers those without a delivered message;
	// DuplicateNotificationJobs notification jobs beyond one per trigger
	// (message_id); Deliveries the messages the Bot API stand-in accepted,
	// DuplicateDeliveries those beyond one per message_id (at least once:
	// a send whose outcome was not recorded before a kill is sent again).
	TriggersExpected          *int64 `json:"triggers_expected,omitempty"`
	LostTriggers              *int64 `json:"lost_triggers,omitempty"`
	DuplicateNotificationJobs *int64 `json:"duplicate_notification_jobs,omitempty"`
	NotificationJobs          *int64 `json:"notification_jobs,omitempty"`
	Sent                      *int64 `json:"sent,omitempty"`
	Deliveries                *int64 `json:"deliveries,omitempty"`
	DuplicateDeliveries       *int64 `json:"duplicate_deliveries,omitempty"`
	NotificationAttempts      *int64 `json:"notification_attempts,omitempty"`
	LimitViolations           *int   `json:"limit_violations,omitempty"`
	Chats                     int    `json:"chats,omitempty"`

	// pg_restart: how long the restart command took and PostgreSQL refused
	// connections; the first run row and the first probe execution after
	// PostgreSQL was back (recovery_s the later, bound 15 s); node
	// processes that exited (every role must recover without a restart).
	PGRestartS         *float64 `json:"pg_restart_s,omitempty"`
	PGDownS            *float64 `json:"pg_down_s,omitempty"`
	SchedulerRecoveryS *float64 `json:"scheduler_recovery_s,omitempty"`
	WorkerRecoveryS    *float64 `json:"worker_recovery_s,omitempty"`
	RecoveryS          *float64 `json:"recovery_s,omitempty"`
	RecoveryBoundS     float64  `json:"recovery_bound_s,omitempty"`
	NodeExits          *int     `json:"node_exits,omitempty"`
	PGCluster          string   `json:"pg_cluster,omitempty"`

	// telegram_outage: the outage (first half 5xx, second half connections
	// refused), the 429 storm, limit violations after the storm, the time
	// from the storm's end to the delivery of the last trigger that fired
	// before it (the backlog drained).
	OutageS               float64  `json:"outage_s,omitempty"`
	StormS                float64  `json:"storm_s,omitempty"`
	ViolationsAfterStorm  *int     `json:"violations_after_storm,omitempty"`
	DrainS                *float64 `json:"drain_s,omitempty"`
	SentBeforeOutage      *int64   `json:"sent_before_outage,omitempty"`
	DeliveredDuringOutage *int     `json:"delivered_during_outage,omitempty"`

	// soak: lag p99 per window and every process's RSS at the start and the
	// end; the verdicts and their rules are in docs.
	WindowS      float64      `json:"window_s,omitempty"`
	Windows      []lagWindow  `json:"windows,omitempty"`
	RSS          []processRSS `json:"rss,omitempty"`
	LagP99Stable *bool        `json:"lag_p99_stable,omitempty"`
	RSSFlat      *bool        `json:"rss_flat,omitempty"`

	// Database is the scenario's database when kept.
	Database string `json:"database,omitempty"`
}

// fail records a broken invariant.
func (r *ChaosResult) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// zero records a broken invariant when a count is not zero.
func (r *ChaosResult) zero(name string, v int64) {
	if v != 0 {
		r.fail("%s = %d, want 0", name, v)
	}
}

func (o ChaosOptions) withDefaults() (ChaosOptions, []string, error) {
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.Scale < 0 || o.Scale > 10 {
		return o, nil, fmt.Errorf("chaos: scale must be in (0, 10], got %g", o.Scale)
	}
	if o.Duration < 0 || o.N < 0 || o.Schedulers < 0 || o.Workers < 0 {
		return o, nil, errors.New("chaos: duration, n, schedulers and workers must not be negative")
	}
	if o.RescueAfter == 0 {
		o.RescueAfter = time.Minute
	}
	if o.RescueAfter < 4*time.Second {
		return o, nil, fmt.Errorf("chaos: rescue-after must be at least 4s, got %s", o.RescueAfter)
	}
	if o.NotifyMaxBackoff == 0 {
		o.NotifyMaxBackoff = 30 * time.Second
	}
	if o.Cron != "" {
		if _, err := cronEvery(o.Cron); err != nil {
			return o, nil, err
		}
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64()
	}
	var list []string
	for _, s := range strings.Split(cmp.Or(strings.TrimSpace(o.Scenario), ChaosAll), ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == ChaosAll:
			list = append(list, ChaosScenarios...)
		case slices.Contains(ChaosScenarios, s):
			list = append(list, s)
		default:
			return o, nil, fmt.Errorf("chaos: unknown scenario %q (want %s or %s)", s, strings.Join(ChaosScenarios, ", "), ChaosAll)
		}
	}
	if o.ServerURL == "" {
		o.ServerURL = db.DevURL
	}
	if err := loopbackOnly(o.ServerURL); err != nil {
		return o, nil, err
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Progress == nil {
		o.Progress = os.Stderr
	}
	if o.NodeOutput == nil {
		o.NodeOutput = os.Stderr
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.StartNode == nil {
		if o.Exe == "" {
			exe, err := os.Executable()
			if err != nil {
				return o, nil, fmt.Errorf("chaos: find the vigil binary: %w", err)
			}
			o.Exe = exe
		}
		o.StartNode = ExecNodes(o.Exe, o.NodeOutput)
	}
	return o, list, nil
}

// loopbackOnly refuses a server that is not on this machine's loopback
// (the suite kills and restarts things; it never runs against a remote
// server).
func loopbackOnly(serverURL string) error {
	cfg, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return fmt.Errorf("chaos: database url: %w", err)
	}
	h := cfg.Host
	if strings.HasPrefix(h, "/") || h == "localhost" {
		return nil
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("chaos: database host %q is not loopback or a Unix socket: the suite runs on this machine only", h)
}

// RunChaos runs the scenarios of o one after the other and writes one line
// per scenario to o.Out. It returns ErrChaosFailed when a scenario broke an
// invariant or could not run, and other errors for bad options.
func RunChaos(ctx context.Context, o ChaosOptions) error {
	o, list, err := o.withDefaults()
	if err != nil {
		return err
	}
	failed := false
	for _, name := range list {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res := runScenario(ctx, o, name)
		if !res.OK {
			failed = true
		}
		if err := writeLine(o.Out, res); err != nil {
			return err
		}
	}
	if failed {
		return ErrChaosFailed
	}
	return nil
}

// chaos is one running scenario: the bench harness (database, nodes) and
// the scenario's result.
type chaos struct {
	*harness
	co     ChaosOptions
	res    *ChaosResult
	rng    *rand.Rand
	factor float64 // the scenario's scale
}

// scenarioDefaults are each scenario's main duration and load.
var scenarioDefaults = map[string]struct {
	d time.Duration
	n int
}{
	ChaosKill9:          {5 * time.Minute, 500},
	ChaosPGRestart:      {90 * time.Second, 1000},
	ChaosTelegramOutage: {10 * time.Minute, 100},
	ChaosFailover:       {10 * time.Minute, 1000},
	ChaosSoak:           {30 * time.Minute, 1000},
}

// scaled is base times the scenario's scale, at least floor.
func (c *chaos) scaled(base, floor time.Duration) time.Duration {
	return max(time.Duration(float64(base)*c.factor).Round(time.Millisecond), floor)
}

func runScenario(ctx context.Context, o ChaosOptions, name string) (res ChaosResult) {
	start := time.Now()
	def := scenarioDefaults[name]
	factor := o.Scale
	if o.Duration > 0 {
		factor = float64(o.Duration) / float64(def.d)
	}
	res = ChaosResult{Scenario: name, Scale: round(factor, 4), Seed: o.Seed, N: cmp.Or(o.N, def.n), RescueAfterS: o.RescueAfter.Seconds()}
	defer func() {
		res.WallS = round(time.Since(start).Seconds(), 1)
		res.OK = len(res.Failures) == 0 && res.NotRun == "" && res.Error == ""
		if res.NotRun != "" {
			res.OK = false
		}
	}()
	if name == ChaosPGRestart && !o.AllowPGRestart {
		res.NotRun = "restarting PostgreSQL disconnects every client of the server: pass --allow-pg-restart"
		res.OK = false
		return res
	}
	// Bounded: the planned length plus room for setup, stragglers and the
	// rescue of jobs a killed worker held.
	bound := time.Duration(float64(def.d)*factor) + 3*o.RescueAfter + 15*time.Minute
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()

	bo := Options{Scenario: name, ServerURL: o.ServerURL, Keep: o.Keep, Exe: o.Exe, StartNode: o.StartNode,
		NodeOutput: o.NodeOutput, Out: o.Progress, Log: o.Log.With("scenario", name)}
	restore := setEnv(map[string]string{
		EnvRescueAfter:      o.RescueAfter.String(),
		EnvNotifyMaxBackoff: o.NotifyMaxBackoff.String(),
		EnvRetention:        "2h",
	})
	defer restore()

	bo.Log.Info("chaos: creating the scenario's database", "server", db.Redact(o.ServerURL))
	d, err := createDB(ctx, o.ServerURL, bo.Log)
	c := &chaos{harness: &harness{o: bo, log: bo.Log, db: d}, co: o, res: &res, factor: factor,
		rng: rand.New(rand.NewPCG(o.Seed, uint64(len(name))))}
	defer func() {
		cancel()
		c.bg.Wait()
		if err := c.stopNodes(); err != nil {
			bo.Log.Warn("stop chaos nodes", "error", err)
		}
		if d == nil {
			return
		}
		if o.Keep {
			res.Database = db.Redact(d.url)
			return
		}
		dropCtx, cancelDrop := context.WithTimeout(context.Background(), time.Minute)
		defer cancelDrop()
		if err := d.drop(dropCtx); err != nil {
			bo.Log.Warn("drop chaos database", "error", err)
		}
	}()
	if err != nil {
		res.Error = fmt.Sprintf("create database: %v", err)
		return res
	}
	switch name {
	case ChaosKill9:
		err = c.kill9(ctx)
	case ChaosPGRestart:
		err = c.pgRestart(ctx)
	case ChaosTelegramOutage:
		err = c.telegramOutage(ctx)
	case ChaosFailover:
		err = c.failover(ctx)
	case ChaosSoak:
		err = c.soak(ctx)
	}
	if err != nil {
		res.Error = err.Error()
	}
	return res
}

// killRestart SIGKILLs nodes and starts one node of each one's role.
func (c *chaos) killRestart(ctx context.Context, nodes ...roleNode) error {
	var gone []Node
	var roles []string
	for _, n := range nodes {
		gone = append(gone, n.Node)
		roles = append(roles, n.role)
		if c.res.KillsByRole == nil {
			c.res.KillsByRole = map[string]int{}
		}
		c.res.KillsByRole[n.role]++
		c.res.Kills++
	}
	c.log.Info("chaos: SIGKILL", "roles", roles)
	if err := c.killNodes(gone...); err != nil {
		return err
	}
	_, err := c.startNodes(ctx, roles...)
	return err
}

// oldest is the node of one of roles that has run longest.
func (c *chaos) oldest(roles ...string) (roleNode, bool) {
	for _, n := range c.current() {
		if len(roles) == 0 || slices.Contains(roles, n.role) {
			return n, true
		}
	}
	return roleNode{}, false
}

// progress writes a progress line.
func (c *chaos) progress(phase string, kv ...any) {
	m := map[string]any{"scenario": c.res.Scenario, "phase": phase}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	_ = writeLine(c.o.Out, map[string]any{"progress": m})
}

// fillRuns copies measured run stats into the result and checks the
// invariants every scenario has: no fire without a row, no duplicate row.
func (c *chaos) fillRuns(st runStats, expected int64) {
	r := c.res
	r.Expected = expected
	r.Recorded = st.Fires
	r.Missing = max(expected-st.Fires, 0)
	r.Duplicates = st.Rows - st.Fires
	r.SkippedRuns = st.Skipped
	if len(st.SkippedBy) > 0 {
		r.SkippedByReason = st.SkippedBy
	}
	r.NotStarted, r.Unfinished = st.NotStarted, st.Unfinished
	r.LagP50Ms, r.LagP99Ms, r.LagMaxMs = ms(st.LagP50), ms(st.LagP99), ms(st.LagMax)
	r.zero("missing (due fires without a run row)", r.Missing)
	r.zero("duplicates (run rows beyond one per fire)", r.Duplicates)
	r.zero("unfinished (runs still PENDING or RUNNING after the wait for rescue and reconciliation)", r.Unfinished)
}

// fillProbe adds the probe's River job and result figures.
func (c *chaos) fillProbe(st runStats) {
	dj, dr := st.Jobs-st.JobRuns, st.Results-st.ResultRuns
	c.res.DuplicateJobs, c.res.DuplicateResults = &dj, &dr
	c.res.zero("duplicate_jobs (River jobs beyond one per run)", dj)
	c.res.zero("no_result (completed runs whose probe left no row)", st.NoResult)
}

// failedRuns counts FAILED runs of sp.
func (c *chaos) failedRuns(ctx context.Context, sp span) (int64, error) {
	var n int64
	err := c.db.pool.QueryRow(ctx, `SELECT count(*) FROM job_schedule_runs
WHERE scheduled_for >= $1 AND scheduled_for < $2 AND job_id BETWEEN $3 AND $4 AND status = 'FAILED'`,
		sp.From, sp.To, sp.FirstID, sp.LastID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count failed runs: %w", err)
	}
	return n, nil
}

// settleFinished waits until every expected fire of sp has a row and no
// run of sp is PENDING or RUNNING (jobs a killed worker held are rescued and
// rerun, ledger writes lost with a connection are reconciled), at most until
// deadline.
func (c *chaos) settleFinished(ctx context.Context, sp span, expected int64, deadline time.Time) error {
	lastLog := time.Now()
	for {
		var fires, open int64
		err := c.db.pool.QueryRow(ctx, `SELECT count(DISTINCT (job_id, scheduled_for)),
			count(*) FILTER (WHERE status IN ('PENDING', 'RUNNING'))
			FROM job_schedule_runs WHERE scheduled_for >= $1 AND scheduled_for < $2 AND job_id BETWEEN $3 AND $4`,
			sp.From, sp.To, sp.FirstID, sp.LastID).Scan(&fires, &open)
		if err == nil && fires >= expected && open == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return nil
		}
		if time.Since(lastLog) > progressEvery {
			c.progress("settle", "fires", fires, "expected", expected, "open_runs", open)
			lastLog = time.Now()
		}
		if err := sleepUntil(ctx, time.Now().Add(250*time.Millisecond)); err != nil {
			return err
		}
	}
}
