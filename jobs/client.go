package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/health/outcome"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/notify"
)

// Deps are what the River client and its workers need. cmd/vigil builds
// them (pool, managers, channels) from config; this package builds none of
// them itself.
type Deps struct {
	Pool     *pgxpool.Pool
	Config   config.Config
	Logger   *slog.Logger
	Channels map[string]notify.Channel
	// Work makes the client work the job queues (the worker role).
	Work bool
	// Maintenance makes the client run the maintenance queue and its periodic
	// jobs (the scheduler role).
	Maintenance bool
	// ID names the client (worker_id in runs); default host-pid.
	ID string
	// Market serves bars to the alert, screener and report workers (one
	// shared cache); required when Work is set.
	Market *marketdata.Manager
	// Sources gives the manager of the data source a data_processing job
	// names; required when Work is set. Market is usually its manager of
	// the configured market_data_provider, so that both share one cache.
	Sources *marketdata.Sources
	// Fundamentals serves the screener worker; required when Work is set.
	Fundamentals *fundamentals.Manager
	// Metrics observes jobs and notifications; nil disables.
	Metrics *metrics.Metrics
	// ExtraWorkers adds workers of its own (tests and benchmarks stand in
	// workers for built-in kinds, which they list in Replaced).
	ExtraWorkers func(*river.Workers)
	// Replaced are the built-in kinds whose workers ExtraWorkers adds
	// instead; Register leaves them out.
	Replaced []string
	// ExtraKinds are job types registered by ExtraWorkers that the enqueuer
	// fires.
	ExtraKinds []string
	// AlertEvaluations records the alert worker's evaluations (its health
	// check reads it); nil: NewClient makes one (Client.AlertEvaluations).
	AlertEvaluations *outcome.Recorder
	// JobTimeout is River's JobTimeout, the max_runtime of a job whose worker
	// sets none; 0 means 5 minutes. config.RescueStuckJobsAfter must be at
	// least this long (River refuses a shorter one). The chaos suite shortens
	// both so that jobs of a SIGKILLed worker are rescued within its bounds.
	JobTimeout time.Duration
}

// Client is the River client with Vigil's ledger.
type Client struct {
	*river.Client[pgx.Tx]
	Ledger *Ledger
	// Kinds are the job types this build has workers for (the enqueuer fires
	// only these).
	Kinds []string
	// AlertEvaluations records every alert job the alert worker finished
	// (committed) or failed, for the alert_evaluator health check.
	AlertEvaluations *outcome.Recorder
	log              *slog.Logger
	insertOnly       bool
	queues           []string
	activity         *activity
	started          atomic.Bool
}

// NewClient builds the River client: one queue per job type (worker count from
// config), the maintenance queue, run tracking middleware and periodic upkeep.
func NewClient(d Deps) (*Client, error) {
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := d.Config
	ledger := NewLedger(d.Pool, log.With("component", "ledger"), 50*time.Millisecond, 2000)
	ledger.onFailed = func(ctx context.Context, ids []int64) { pauseForFailure(ctx, d.Pool, log, ids) }
	if d.AlertEvaluations == nil {
		d.AlertEvaluations = &outcome.Recorder{}
	}
	act := &activity{}

	workers := river.NewWorkers()
	if d.ExtraWorkers != nil {
		d.ExtraWorkers(workers)
	}
	if err := Register(workers, d); err != nil {
		return nil, err
	}
	kinds := config.AllJobTypes()
	for _, k := range d.ExtraKinds {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}

	queues := map[string]river.QueueConfig{}
	if d.Work {
		for _, k := range config.AllJobTypes() {
			queues[k] = river.QueueConfig{MaxWorkers: max(cfg.Job(k).Workers, 1)}
			d.Metrics.SetMaxWorkers(k, max(cfg.Job(k).Workers, 1))
		}
	}
	var periodic []*river.PeriodicJob
	if d.Maintenance {
		queues[QueueMaintenance] = river.QueueConfig{MaxWorkers: 2}
		periodic = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(30*time.Second),
				func() (river.JobArgs, *river.InsertOpts) { return RunReconcileArgs{}, nil },
				&river.PeriodicJobOpts{ID: "vigil_run_reconcile", RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return RunRetentionArgs{}, nil },
				&river.PeriodicJobOpts{ID: "vigil_run_retention", RunOnStart: true}),
		}
	}
	if len(queues) == 0 {
		queues = nil // insert-only client
	}
	id := d.ID
	if id == "" {
		host, _ := os.Hostname()
		id = fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano()%100000)
	}
	rc, err := river.NewClient(riverpgxv5.New(d.Pool), &river.Config{
		ID:                          id,
		Logger:                      slog.New(riverJobIDs{log.Handler()}).With("component", "river"),
		Queues:                      queues,
		Workers:                     workers,
		PeriodicJobs:                periodic,
		FetchCooldown:               cfg.FetchCooldown.D(),
		CompletedJobRetentionPeriod: cfg.RiverCompletedRetention.D(),
		RescueStuckJobsAfter:        cfg.RescueStuckJobsAfter.D(),
		JobTimeout:                  cmp.Or(d.JobTimeout, 5*time.Minute),
		Middleware: []rivertype.Middleware{
			&trackingMiddleware{ledger: ledger, pool: d.Pool, log: log, now: time.Now,
				metrics: d.Metrics, activity: act},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	return &Client{Client: rc, Ledger: ledger, Kinds: kinds, AlertEvaluations: d.AlertEvaluations, log: log,
		insertOnly: queues == nil, queues: slices.Sorted(maps.Keys(queues)), activity: act}, nil
}

// Start starts the ledger and River.
func (c *Client) Start(ctx context.Context) error {
	go c.Ledger.Run(context.WithoutCancel(ctx))
	if c.insertOnly {
		return nil
	}
	if err := c.Client.Start(ctx); err != nil {
		c.Ledger.Stop()
		return fmt.Errorf("start river client: %w", err)
	}
	c.started.Store(true)
	return nil
}

// Shutdown stops fetching, lets running jobs finish within timeout, then
// cancels the rest (River retries them), and flushes the ledger.
func (c *Client) Shutdown(ctx context.Context, timeout time.Duration) error {
	defer c.Ledger.Stop()
	if c.insertOnly {
		return nil
	}
	softCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := c.Client.Stop(softCtx)
	if err == nil {
		return nil
	}
	c.log.Warn("jobs still running at shutdown timeout; cancelling them, River will retry", "timeout", timeout)
	hardCtx, cancel2 := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel2()
	if err := c.Client.StopAndCancel(hardCtx); err != nil {
		return fmt.Errorf("stop river client: %w", err)
	}
	return nil
}
