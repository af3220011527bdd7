package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/health/outcome"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/screener"
)

var validator = func() *schemas.Validator {
	v, err := schemas.New()
	if err != nil {
		panic(err)
	}
	return v
}()

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("VIGIL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// workDeps fills in what a working client needs and cmd/vigil builds from
// config: synthetic market data over market_bars (cached for data_cache_ttl)
// and synthetic fundamentals over the fundamentals table, named from the
// index snapshots.
func workDeps(d Deps) Deps {
	if d.Sources == nil {
		d.Sources = marketdata.NewSources(marketdata.ProviderOptions{}, store.NewBarStore(d.Pool), d.Config.DataCacheTTL.D(), d.Logger)
	}
	if d.Market == nil {
		m, err := d.Sources.Manager("synthetic")
		if err != nil {
			panic(err) // the synthetic provider always exists
		}
		d.Market = m
	}
	if d.Fundamentals == nil {
		d.Fundamentals = fundamentals.NewManager(&fundamentals.Synthetic{Lookup: screener.Lookup()},
			store.NewFundamentalsStore(d.Pool), d.Config.FundamentalsCacheTTL.D(), d.Logger)
	}
	return d
}

func testConfig() config.Config {
	cfg := config.Default()
	cfg.FetchCooldown = config.Duration(10 * time.Millisecond)
	cfg.StartupDelay = 0
	cfg.ShutdownTimeout = config.Duration(5 * time.Second)
	j := cfg.Jobs[config.JobReport]
	j.RetryAttempts, j.RetryDelay = 2, config.Duration(10*time.Millisecond)
	cfg.Jobs[config.JobReport] = j
	return cfg
}

// reportBehaviour is what the test report worker does for a schedule.
type reportBehaviour func(ctx context.Context, job *river.Job[ReportArgs]) error

// testReportWorker works ReportArgs in tests with per-schedule behaviour
// (block until released, fail, record), so that policies that depend on
// running jobs can be exercised. It records every attempt.
type testReportWorker struct {
	river.WorkerDefaults[ReportArgs]
	mu       sync.Mutex
	behave   map[int64]reportBehaviour
	attempts map[int64]int
}

func (w *testReportWorker) set(scheduleID int32, b reportBehaviour) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.behave[int64(scheduleID)] = b
}

func (w *testReportWorker) NextRetry(*river.Job[ReportArgs]) time.Time {
	return time.Now().Add(10 * time.Millisecond)
}

func (w *testReportWorker) Work(ctx context.Context, job *river.Job[ReportArgs]) error {
	w.mu.Lock()
	b := w.behave[job.Args.Run.ScheduleID]
	w.attempts[job.Args.Run.RunID]++
	w.mu.Unlock()
	if b != nil {
		return b(ctx, job)
	}
	return SetResult(ctx, map[string]any{"report_type": "daily_summary", "run_id": job.Args.Run.RunID})
}

type bundle struct {
	db     *dbtest.DB
	pool   *pgxpool.Pool
	cfg    config.Config
	client *Client
	market *marketdata.Manager // the alert, screener and report workers' manager
	enq    *Enqueuer
	report *testReportWorker
	userID int64
	ctx    context.Context
}

type setupOpts struct {
	noStart bool
	cfg     func(*config.Config)
	market  *marketdata.Manager
	// providers, when set, are the options of the market data sources
	// (default: none, which serves synthetic only).
	providers *marketdata.ProviderOptions
	// beforeCommit is installed as the alert worker's test hook.
	beforeCommit func() error
	// alertNow is the alert worker's clock.
	alertNow func() time.Time
	// alertLog is the alert worker's logger (default testLogger).
	alertLog *slog.Logger
	// realReports keeps the real ReportWorker instead of the test one.
	realReports bool
	// log is the client's logger (default testLogger).
	log *slog.Logger
}

func setup(t *testing.T, opts ...setupOpts) *bundle {
	t.Helper()
	var o setupOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := dbtest.New(t)
	cfg := testConfig()
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	rw := &testReportWorker{behave: map[int64]reportBehaviour{}, attempts: map[int64]int{}}
	log := o.log
	if log == nil {
		log = testLogger(t)
	}
	evaluations := &outcome.Recorder{}
	var sources *marketdata.Sources
	if o.providers != nil {
		sources = marketdata.NewSources(*o.providers, store.NewBarStore(d.Pool), cfg.DataCacheTTL.D(), log)
	}
	deps := workDeps(Deps{
		Pool: d.Pool, Config: cfg, Logger: log, Work: true, Market: o.market, Sources: sources,
		ExtraKinds: []string{config.JobReport}, AlertEvaluations: evaluations,
	})
	var replaced []string
	if !o.realReports {
		replaced = append(replaced, config.JobReport)
	}
	customAlerts := o.beforeCommit != nil || o.alertNow != nil || o.alertLog != nil
	if customAlerts {
		replaced = append(replaced, config.JobAlert)
	}
	alertLog := o.alertLog
	if alertLog == nil {
		alertLog = testLogger(t)
	}
	deps.Replaced = replaced
	deps.ExtraWorkers = func(w *river.Workers) {
		if !o.realReports {
			river.AddWorker(w, rw)
		}
		if customAlerts {
			river.AddWorker(w, &AlertWorker{Pool: d.Pool, Config: cfg, Market: deps.Market, Logger: alertLog,
				beforeCommit: o.beforeCommit, NowFunc: o.alertNow, Evaluations: evaluations})
		}
	}
	client, err := NewClient(deps)
	require.NoError(t, err)
	if !o.noStart {
		require.NoError(t, client.Start(ctx))
		t.Cleanup(func() { _ = client.Shutdown(context.Background(), time.Second) })
	}
	enq, err := NewEnqueuer(EnqueuerOpts{Pool: d.Pool, Client: client.Client, Config: cfg, Validator: validator,
		Logger: testLogger(t), Kinds: client.Kinds})
	require.NoError(t, err)
	u, err := dbsqlc.New().UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "tester", Status: "verified", IsAdmin: true})
	require.NoError(t, err)
	return &bundle{db: d, pool: d.Pool, cfg: cfg, client: client, market: deps.Market, enq: enq, report: rw, userID: u.ID, ctx: ctx}
}

// scheduleOpts describe a schedule for newSchedule.
type scheduleOpts struct {
	jobType   string
	cron      string
	tz        string
	params    any
	nextRunAt *time.Time
	catchup   string
	overlap   string
	maxInst   int32
	grace     *int32
	maxCatch  int32
	remaining *int32
	pauseFail bool
}

func (b *bundle) newSchedule(t *testing.T, o scheduleOpts) dbsqlc.JobSchedule {
	t.Helper()
	if o.jobType == "" {
		o.jobType = config.JobReport
	}
	if o.tz == "" {
		o.tz = "UTC"
	}
	if o.params == nil {
		switch o.jobType {
		case config.JobNotification:
			o.params = map[string]any{"user_id": b.userID, "message": "hello"}
		default:
			o.params = map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{"AAPL"}}}
		}
	}
	params, err := json.Marshal(o.params)
	require.NoError(t, err)
	p := dbsqlc.ScheduleCreateParams{
		UserID: int32(b.userID), Name: "s", JobType: o.jobType, Target: "AAPL", TaskParams: params,
		Cron: o.cron, Enabled: true, NextRunAt: o.nextRunAt, Timezone: o.tz, DstGap: "shift", DstFold: "first",
		MisfireGraceTime: o.grace, RemainingRuns: o.remaining, PauseOnFailure: o.pauseFail,
	}
	if o.catchup != "" {
		p.Catchup = &o.catchup
	}
	if o.overlap != "" {
		p.Overlap = &o.overlap
	}
	if o.maxInst > 0 {
		p.MaxInstances = &o.maxInst
	}
	if o.maxCatch > 0 {
		p.MaxCatchup = &o.maxCatch
	}
	s, err := dbsqlc.New().ScheduleCreate(b.ctx, b.pool, p)
	require.NoError(t, err)
	return s
}

func (b *bundle) runs(t *testing.T, scheduleID int32) []dbsqlc.JobScheduleRun {
	t.Helper()
	runs, err := dbsqlc.New().RunListBySchedule(b.ctx, b.pool, ptr(int64(scheduleID)))
	require.NoError(t, err)
	return runs
}

// partitionFor creates the day partitions of job_schedule_runs that rows
// written by hand at these times need (the app's writers create their own).
func (b *bundle) partitionFor(t *testing.T, at ...time.Time) {
	t.Helper()
	for _, a := range at {
		_, err := db.EnsureRunPartitions(b.ctx, b.pool, a, a)
		require.NoError(t, err)
	}
}

func (b *bundle) run(t *testing.T, id int64) dbsqlc.JobScheduleRun {
	t.Helper()
	r, err := dbsqlc.New().RunGetByID(b.ctx, b.pool, id)
	require.NoError(t, err)
	return r
}

// eventually polls cond until it holds (a bound on waiting, not a timing assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for: %s", what)
}

func (b *bundle) tickAt(t *testing.T, now time.Time) TickStats {
	t.Helper()
	b.enq.NowFunc = func() time.Time { return now }
	st, err := b.enq.Tick(b.ctx)
	require.NoError(t, err)
	return st
}

func statusCounts(runs []dbsqlc.JobScheduleRun) map[string]int {
	m := map[string]int{}
	for _, r := range runs {
		k := r.Status
		if r.SkipReason != nil {
			k += ":" + *r.SkipReason
		}
		m[k]++
	}
	return m
}
