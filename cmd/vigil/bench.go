package main

import (
	"context"
	"errors"
	"os"

	"github.com/vigilhq/vigil/bench"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
)

func cmdBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "node" {
		return benchNode(ctx, e, args[1:])
	}
	fs := newFlags(e, "bench", "--scenario S1|S2|S3|S4 [flags]",
		"Runs a benchmark scenario of shared/bench/WORKLOAD.md in its own database (created and dropped on the server)\n"+
			"and prints JSON lines; the last line is the result.")
	scenario := fs.String("scenario", "S1", "S1 (fan-out), S2 (table scale), S3 (many nodes), S4 (downtime), S5 (ledger at a month of runs: retention by partition drop vs batched DELETE), A1 (alert pipeline), N1 (Telegram notifications), T1 (sma_cross backtest over a year of 1m bars, in process), T2 (200 live trading bots)")
	n := fs.Int("n", 0, "number of schedules (default per scenario; T1: backtest runs, default 10; T2: bots, default 200)")
	duration := fs.Duration("duration", 0, "measured window (default per scenario)")
	nodes := fs.Int("nodes", 0, "S3: scheduler processes (2 or 4)")
	pooler := fs.String("pooler", "", "HOST:PORT of a PgBouncer (transaction pooling) that the schedulers' transactions go through (scripts/pgbouncer.sh starts one)")
	down := fs.Duration("down", 0, "S4: downtime (default 3m)")
	url := fs.String("database-url", "", "server to benchmark on (default TEST_DATABASE_URL or the local server); a fresh database is created there")
	keep := fs.Bool("keep", false, "keep the benchmark database")
	warmup := fs.Duration("warmup", 0, "time before the measured window (default 5s; S2: to the next minute)")
	settle := fs.Duration("settle", 0, "wait after the window for late runs (default 5s; S2 60s)")
	cron := fs.String("cron", "", "replace the scenario's cron expression")
	stored := fs.Int("stored", 0, "S2: total stored schedules (the extra ones fire hourly: outside the window, or with --spread each at its own minute and second, measured)")
	noKill := fs.Bool("no-kill", false, "S3: do not SIGKILL and replace a scheduler midway")
	days := fs.Int("days", 0, "S5: simulated days of runs (default 30); --n is then the runs per day (default 200000)")
	symbols := fs.Int("symbols", 0, "A1: distinct symbols (default 500); T2: symbols the bots trade (default 20)")
	spread := fs.Bool("spread", false, "S2: spread the per-minute schedules over the seconds of the minute (\"S * * * * *\")")
	if err := parse(fs, args); err != nil {
		return err
	}
	server := *url
	if server == "" {
		server = dbtest.ServerURL()
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, config.Default(), "vigil-bench")
	return bench.Run(ctx, bench.Options{Scenario: *scenario, N: *n, Duration: *duration, Nodes: *nodes, Pooler: *pooler, Down: *down,
		Warmup: *warmup, Settle: *settle, Cron: *cron, Stored: *stored, NoKill: *noKill, Symbols: *symbols, Spread: *spread, Days: *days,
		ServerURL: server, Keep: *keep, Exe: exe, Out: e.stdout, Log: log})
}

func benchNode(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench node", "--role scheduler|worker|all --database-url URL", "A benchmark node process (started by vigil bench).")
	role := fs.String("role", "all", "scheduler, worker or all")
	url := fs.String("database-url", "", "the benchmark database")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("--database-url is required")
	}
	// A node logs warnings and errors only: at info level every job's
	// "Job alert_123 executed successfully" line would flood the bench's
	// output.
	cfg := config.Default()
	cfg.LogLevel = "warn"
	log := newLogger(e.stderr, cfg, "vigil-bench-node").With("role", *role)
	return bench.RunNode(ctx, *role, *url, log)
}
