// Command vigil is Vigil's one binary: it runs any role (scheduler, workers,
// all of them) and the operator commands. `vigil help` lists the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
	hidden  bool
}

func commands() []command {
	return []command{
		{name: "serve", summary: "run every role in one process: migrations, scheduler, workers, API, status listener", run: cmdServe},
		{name: "scheduler", summary: "run the scheduler role: the cron enqueuer and maintenance jobs", run: cmdScheduler},
		{name: "worker", summary: "run the worker role: River workers for every job type", run: cmdWorker},
		{name: "api", summary: "run the HTTP API alone (huma, OpenAPI docs, riverui)", run: cmdAPI},
		{name: "telegram", summary: "run the Telegram bot alone (needs TELEGRAM_BOT_TOKEN)", run: cmdTelegram},
		{name: "tradingbot", summary: "run every running trading bot; --config bots/NAME.json creates or updates one", run: cmdTradingBot},
		{name: "migrate", summary: "apply or roll back database migrations (up, down, status)", run: cmdMigrate},
		{name: "validate-config", summary: "check the configuration and list every problem", run: cmdValidateConfig},
		{name: "validate-schemas", summary: "check the task_params JSON schemas and their examples", run: cmdValidateSchemas},
		{name: "test-db", summary: "check the database connection, server version and migrations", run: cmdTestDB},
		{name: "users", summary: "manage users (create, invite, webhook-secret)", run: cmdUsers},
		{name: "secrets", summary: "re-seal the secrets stored in the database after a secret_key rotation", run: cmdSecrets},
		{name: "tokens", summary: "manage API tokens (create, revoke, list)", run: cmdTokens},
		{name: "alerts", summary: "backtest an alert: how often it would have fired over past bars", run: cmdAlerts},
		{name: "schedules", summary: "inspect and operate schedules (preview, list, create, delete, trigger, backfill, pause, resume)", run: cmdSchedules},
		{name: "audit", summary: "list audit_log rows: who changed what, from where", run: cmdAudit},
		{name: "runs", summary: "operate runs (cancel)", run: cmdRuns},
		{name: "bots", summary: "operate trading bots (list, create, start, stop)", run: cmdBots},
		{name: "backup", summary: "dump the database (pg_dump) or restore a dump into an empty database", run: cmdBackup},
		{name: "backtest", summary: "backtest a trading strategy on past bars (or a CSV file): trades, equity, drawdown, Sharpe", run: cmdBacktest},
		{name: "bench", summary: "run a benchmark scenario of shared/bench/WORKLOAD.md (S1-S4)", run: cmdBench},
		{name: "chaos", summary: "run the reliability suite (kill9, pg_restart, telegram_outage, failover, soak)", run: cmdChaos},
		{name: "version", summary: "print the version", run: cmdVersion},
	}
}

// env is what every command gets: output streams.
type env struct {
	stdout, stderr io.Writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		if err := c.run(ctx, e, args[1:]); err != nil {
			if err == errHelp {
				return 0
			}
			fmt.Fprintf(stderr, "vigil %s: %v\n", c.name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "vigil: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: vigil <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintln(w, "\nRun `vigil <command> --help` for a command's flags.")
}
