package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/notify"
)

// Deps are what the River client and its workers need.
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
	// Register adds more workers (tests register their own job workers).
	Register func(*river.Workers)
	// ExtraKinds are job types registered by Register that the enqueuer fires.
	ExtraKinds []string
	// Metrics observes jobs and notifications; nil disables.
	Metrics *metrics.Metrics
	// Market serves bars to alert jobs; nil builds one from config
	// (market_data_provider, data_cache_ttl) with the market_bars store.
	Market *marketdata.Manager
	// Fundamentals serves screeners; nil builds one from config
	// (fundamentals_provider) with the fundamentals table as its store.
	Fundamentals *fundamentals.Manager
}

// Client is the River client with Vigil's ledger.
type Client struct {
	*river.Client[pgx.Tx]
	Ledger *Ledger
	// Kinds are the job types this build has workers for (the enqueuer fires
	// only these).
	Kinds []string
	// Market is the market-data manager the alert worker uses (shared cache).
	Market     *marketdata.Manager
	log        *slog.Logger
	insertOnly bool
}

// newManagers returns a function giving one market-data manager per data
// source, created on first use and shared (one cache per source).
func newManagers(pool *pgxpool.Pool, cfg config.Config, log *slog.Logger) func(string) (*marketdata.Manager, error) {
	var mu sync.Mutex
	byName := map[string]*marketdata.Manager{}
	return func(name string) (*marketdata.Manager, error) {
		mu.Lock()
		defer mu.Unlock()
		if m, ok := byName[name]; ok {
			return m, nil
		}
		p, err := marketdata.NewProvider(name, marketdata.ProviderOptions{CSVDir: cfg.MarketDataCSVDir})
		if err != nil {
			return nil, fmt.Errorf("market data provider %q: %w", name, err)
		}
		m := marketdata.NewManager(p, pool, cfg.DataCacheTTL.D(), log.With("component", "marketdata"))
		m.SetRateLimit(marketdata.DefaultRateLimit(p.Name()), 5)
		byName[name] = m
		return m, nil
	}
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

	channels := d.Channels
	if channels == nil {
		channels = map[string]notify.Channel{}
	}
	if _, ok := channels[notify.ChannelLog]; !ok {
		channels[notify.ChannelLog] = &notify.Log{Logger: log.With("component", "notify")}
	}

	managers := newManagers(d.Pool, cfg, log)
	market := d.Market
	if market == nil {
		m, err := managers(cfg.MarketDataProvider)
		if err != nil {
			return nil, err
		}
		market = m
	}
	// Only the screener worker reads fundamentals: insert-only clients
	// (the API, the CLI) neither build a provider nor read its file.
	funds := d.Fundamentals
	if funds == nil && d.Work {
		f, err := NewFundamentals(d.Pool, cfg, log)
		if err != nil {
			return nil, err
		}
		funds = f
	}

	workers := river.NewWorkers()
	// Workers registered by the caller (tests, benchmarks) take precedence.
	if d.Register != nil {
		d.Register(workers)
	}
	for _, add := range []func() error{
		func() error {
			return river.AddWorkerSafely(workers, &NotifyWorker{Pool: d.Pool, Config: cfg, Channels: channels,
				Logger: log.With("component", "notify"), Metrics: d.Metrics})
		},
		func() error {
			return river.AddWorkerSafely(workers, &AlertWorker{Pool: d.Pool, Config: cfg, Market: market,
				Logger: log.With("component", "alerts")})
		},
		func() error {
			return river.AddWorkerSafely(workers, &ScreenerWorker{Pool: d.Pool, Config: cfg, Market: market,
				Fundamentals: funds, Logger: log.With("component", "screener")})
		},
		func() error {
			return river.AddWorkerSafely(workers, &ReportWorker{Pool: d.Pool, Config: cfg, Market: market,
				Logger: log.With("component", "report")})
		},
		func() error {
			return river.AddWorkerSafely(workers, &DataProcessingWorker{Config: cfg, Managers: managers,
				Logger: log.With("component", "data_processing")})
		},
		func() error {
			return river.AddWorkerSafely(workers, &BackupWorker{Pool: d.Pool, Config: cfg, Logger: log.With("component", "backup")})
		},
		func() error {
			return river.AddWorkerSafely(workers, &RunRetentionWorker{Pool: d.Pool, Config: cfg, Logger: log.With("component", "retention")})
		},
		func() error {
			return river.AddWorkerSafely(workers, &RunReconcileWorker{Pool: d.Pool, Logger: log.With("component", "reconciler")})
		},
	} {
		if err := add(); err != nil && !strings.Contains(err.Error(), "already registered") {
			return nil, fmt.Errorf("register worker: %w", err)
		}
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
		Logger:                      log.With("component", "river"),
		Queues:                      queues,
		Workers:                     workers,
		PeriodicJobs:                periodic,
		FetchCooldown:               cfg.FetchCooldown.D(),
		CompletedJobRetentionPeriod: cfg.RiverCompletedRetention.D(),
		RescueStuckJobsAfter:        cfg.RescueStuckJobsAfter.D(),
		JobTimeout:                  5 * time.Minute,
		Middleware: []rivertype.Middleware{
			&trackingMiddleware{ledger: ledger, pool: d.Pool, log: log.With("component", "tracking"), now: time.Now,
				metrics: d.Metrics},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	return &Client{Client: rc, Ledger: ledger, Kinds: kinds, Market: market, log: log, insertOnly: queues == nil}, nil
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
