package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/vigilhq/vigil/bench"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
)

// EnvChaosScale is the default of --scale (make chaos passes CHAOS_SCALE).
const EnvChaosScale = "CHAOS_SCALE"

func cmdChaos(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "chaos", "[--scenario NAME|all] [--scale F] [--duration D] [flags]",
		"Runs the reliability suite: kill9, pg_restart, telegram_outage, failover, soak. Each scenario creates its\n"+
			"own database on the server (loopback only), spawns `vigil bench node` processes, and prints one JSON\n"+
			"line with \"ok\" and what failed; the command fails when a scenario does. pg_restart restarts the local\n"+
			"PostgreSQL cluster and runs only with --allow-pg-restart.")
	scenario := fs.String("scenario", bench.ChaosAll, "kill9, pg_restart, telegram_outage, failover, soak, a comma list, or all")
	scaleDefault := 1.0
	if v := os.Getenv(EnvChaosScale); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("%s=%q: want a positive number such as 0.1", EnvChaosScale, v)
		}
		scaleDefault = f
	}
	scale := fs.Float64("scale", scaleDefault, "multiply every scenario's durations (0.1 for a quick run; default "+EnvChaosScale+" or 1)")
	duration := fs.Duration("duration", 0, "replace the main duration of the scenarios (kill9 5m, pg_restart 90s, telegram_outage's outage 10m, failover 10m, soak 30m)")
	n := fs.Int("n", 0, "replace the load: alerts (kill9 500, telegram_outage 100) or per-second schedules (pg_restart, failover, soak 1000)")
	allowPG := fs.Bool("allow-pg-restart", false, "let pg_restart restart the local PostgreSQL cluster (disconnects every client of the server)")
	rescue := fs.Duration("rescue-after", 0, "the nodes' rescue_stuck_jobs_after: when River retries the jobs a killed worker held (default 1m)")
	backoff := fs.Duration("notify-max-backoff", 0, "the nodes' notification_max_backoff (default 30s)")
	seed := fs.Uint64("seed", 0, "seed of the random kill moments (default random; each line reports it)")
	url := fs.String("database-url", "", "server to run on (default TEST_DATABASE_URL or the local server); must be loopback")
	keep := fs.Bool("keep", false, "keep each scenario's database")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return fmt.Errorf("unexpected argument %q (scenarios go in --scenario)", fs.Args()[0])
	}
	server := *url
	if server == "" {
		server = dbtest.ServerURL()
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, config.Default(), "vigil-chaos")
	return bench.RunChaos(ctx, bench.ChaosOptions{Scenario: *scenario, Scale: *scale, Duration: *duration, N: *n,
		AllowPGRestart: *allowPG, RescueAfter: *rescue, NotifyMaxBackoff: *backoff, Seed: *seed,
		ServerURL: server, Keep: *keep, Exe: exe, Out: e.stdout, Progress: e.stderr, Log: log})
}
