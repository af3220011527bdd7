package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/screener"
)

// Node roles.
const (
	RoleScheduler = "scheduler" // the enqueuer and River's maintenance queue
	RoleWorker    = "worker"    // works the job queues (the probe)
	RoleAll       = "all"       // both in one process
)

// Pool sizes for 2 cores (PERFORMANCE-NOTES #4): more connections made
// things worse there. The probe writes through its own small pool so that
// River's fetches do not queue behind it.
const (
	schedulerPoolSize = 8
	workerPoolSize    = 10
	probePoolSize     = 2
	// probeWorkers are the probe's worker slots: a probe job mostly waits
	// for its batch to commit, so slots are cheap, and with 200 River
	// fetched 1000 simultaneous fires in five rounds (S1 p99 0.59 s against
	// 0.22 s with 1000).
	probeWorkers = 1000
	nodeShutdown = 10 * time.Second
	// alertWorkers evaluate alert groups (A1); a group is CPU and one
	// transaction, so a few per core.
	alertWorkers = 24
)

// nodeConfig is config.Default tuned for the bench.
func nodeConfig() config.Config {
	cfg := config.Default()
	cfg.FetchCooldown = config.Duration(10 * time.Millisecond)
	cfg.StartupDelay = 0
	cfg.EnqueueBatchSize = 5000
	cfg.ShutdownTimeout = config.Duration(nodeShutdown)
	// Long enough to count duplicate River jobs after a run of a few
	// minutes, short enough that river_job does not grow for a day.
	cfg.RiverCompletedRetention = config.Duration(15 * time.Minute)
	// The smallest River accepts (its JobTimeout is 5 minutes): jobs a
	// SIGKILLed worker held (S4) are retried 5 minutes after they started.
	cfg.RescueStuckJobsAfter = config.Duration(5 * time.Minute)
	j := cfg.Jobs[config.JobDataProcessing]
	j.Workers = probeWorkers
	cfg.Jobs[config.JobDataProcessing] = j
	a := cfg.Jobs[config.JobAlert]
	a.Workers = alertWorkers
	cfg.Jobs[config.JobAlert] = a
	// A1's alerts all belong to one user: without the digest every fire is
	// still one notification, as A1 measures (flood control stays on).
	cfg.DigestWindow = 0
	return cfg
}

func roleParts(role string) (scheduler, worker bool, err error) {
	switch role {
	case RoleScheduler:
		return true, false, nil
	case RoleWorker:
		return false, true, nil
	case RoleAll:
		return true, true, nil
	}
	return false, false, fmt.Errorf("bench node: unknown role %q (want %s, %s or %s)", role, RoleScheduler, RoleWorker, RoleAll)
}

// RunNode is the body of the hidden subcommand `vigil bench node --role
// scheduler|worker|all --database-url URL`: one bench node. A scheduler runs
// the enqueuer and River's maintenance; a worker works data_processing jobs
// with the probe. It registers itself in bench_nodes once started and runs
// until ctx ends or SIGTERM/SIGINT, then shuts down gracefully.
func RunNode(ctx context.Context, role, databaseURL string, log *slog.Logger) error {
	sched, work, err := roleParts(role)
	if err != nil {
		return err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "bench_node", "role", role)
	stopProfile, err := startProfile(role)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Services run on base and are stopped in order after ctx ends.
	base := context.WithoutCancel(ctx)

	size := int32(0)
	if sched {
		size += schedulerPoolSize
	}
	if work {
		size += workerPoolSize
	}
	pool, err := db.Open(ctx, databaseURL, size)
	if err != nil {
		return fmt.Errorf("bench node: %w", err)
	}
	defer pool.Close()

	probe := &probeWorker{}
	if work {
		probePool, err := db.Open(ctx, databaseURL, probePoolSize)
		if err != nil {
			return fmt.Errorf("bench node: probe pool: %w", err)
		}
		defer probePool.Close()
		probe.writer = newResultWriter(probePool, log, 25*time.Millisecond, 2000)
		go probe.writer.Run(base)
		defer probe.writer.Stop()
	}

	cfg := nodeConfig()
	jobTimeout, err := nodeTuning(&cfg)
	if err != nil {
		return err
	}
	channels, err := nodeChannels(pool)
	if err != nil {
		return err
	}
	deps := jobs.Deps{
		Pool: pool, Config: cfg, Logger: log, Work: work, Maintenance: sched, Channels: channels,
		// The probe stands in for the data_processing worker.
		ExtraWorkers: func(w *river.Workers) { river.AddWorker(w, probe) },
		Replaced:     []string{config.JobDataProcessing},
		JobTimeout:   jobTimeout,
	}
	if work {
		// Synthetic market data and fundamentals over their tables, as
		// vigil's own worker builds them for the default config.
		deps.Sources = marketdata.NewSources(marketdata.ProviderOptions{}, store.NewBarStore(pool), cfg.DataCacheTTL.D(), log)
		if deps.Market, err = deps.Sources.Manager(cfg.MarketDataProvider); err != nil {
			return fmt.Errorf("bench node: %w", err)
		}
		deps.Fundamentals = fundamentals.NewManager(&fundamentals.Synthetic{Lookup: screener.Lookup()},
			store.NewFundamentalsStore(pool), cfg.FundamentalsCacheTTL.D(), log)
	}
	client, err := jobs.NewClient(deps)
	if err != nil {
		return fmt.Errorf("bench node: %w", err)
	}
	if err := client.Start(base); err != nil {
		return fmt.Errorf("bench node: %w", err)
	}

	var wg sync.WaitGroup
	enqCtx, stopEnq := context.WithCancel(base)
	defer stopEnq()
	errc := make(chan error, 1)
	if sched {
		v, err := schemas.New()
		if err != nil {
			_ = client.Shutdown(base, nodeShutdown)
			return fmt.Errorf("bench node: schemas: %w", err)
		}
		txPool := pool
		if pooler := os.Getenv(EnvPooler); pooler != "" {
			if txPool, err = openThroughPooler(ctx, databaseURL, pooler, schedulerPoolSize); err != nil {
				_ = client.Shutdown(base, nodeShutdown)
				return fmt.Errorf("bench node: %w", err)
			}
			defer txPool.Close()
			log.Info("scheduler transactions go through the pooler", "pooler", pooler)
		}
		enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: txPool, ListenPool: pool, Client: client.Client, Config: cfg,
			Validator: v, Logger: log, Kinds: client.Kinds})
		if err != nil {
			_ = client.Shutdown(base, nodeShutdown)
			return fmt.Errorf("bench node: %w", err)
		}
		wg.Go(func() {
			if err := enq.Run(enqCtx); err != nil {
				errc <- fmt.Errorf("enqueuer: %w", err)
			}
		})
	}
	if _, err := pool.Exec(ctx, `INSERT INTO bench_nodes (role, pid) VALUES ($1, $2)`, role, os.Getpid()); err != nil {
		log.Warn("register bench node", "error", err)
	}
	log.Info("bench node started", "pid", os.Getpid())

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	stopEnq()
	wg.Wait()
	if err := client.Shutdown(base, nodeShutdown); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("bench node: %w", err))
	}
	log.Info("bench node stopped")
	return runErr
}

// EnvPooler passes Options.Pooler to the node processes.
const EnvPooler = "VIGIL_BENCH_POOLER"

// openThroughPooler opens a db.OpenPooled pool to databaseURL's database
// through the PgBouncer at pooler (HOST:PORT).
func openThroughPooler(ctx context.Context, databaseURL, pooler string, size int32) (*pgxpool.Pool, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	u.Host = pooler
	return db.OpenPooled(ctx, u.String(), size)
}
