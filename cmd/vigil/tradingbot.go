package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingbot"
)

// botRunnerOptions tune the trading bot runner of the tradingbot role.
type botRunnerOptions struct {
	owner    string        // lease owner ("" = host-pid-random)
	leaseTTL time.Duration // 0 = tradingbot.DefaultLeaseTTL
	poll     time.Duration // 0 = tradingbot.DefaultPoll
	// now and beforeCommit are the test hooks of testHooks.
	now          func() time.Time
	beforeCommit func(ctx context.Context, botID int64, bar time.Time) error
}

const tradingbotHelp = `Runs every running trading bot (until Ctrl-C): each bot is decided once per closed
bar of its timeframe by the one process holding its lease; any number of these
processes (and vigil serve) may run, and one takes over the bots of another that
dies once their leases expire (--lease-ttl).

With --config bots/NAME.json it instead validates that bot file against
schemas/tradingbot.v1.json, creates or updates the bot of that name owned by
--user, prints what it did and exits (--check: validate only, no database).

--config is the bot file here; vigil's own settings file is --settings.`

func cmdTradingBot(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "tradingbot", "[--config bots/NAME.json --user ID [--check]] [flags]", tradingbotHelp)
	fs.StringVar(&c.configPath, "settings", "", "vigil's settings file (default config/scheduler/scheduler.json if present)")
	fs.StringVar(&c.databaseURL, "database-url", "", "PostgreSQL URL (overrides SCHEDULER_DATABASE_URL / DATABASE_URL)")
	botFile := fs.String("config", "", "a bot's JSON configuration file: validate it, create or update that bot, and exit")
	user := fs.Int64("user", 0, "with --config: the bot's owner (a user id)")
	check := fs.Bool("check", false, "with --config: only validate the file (no database)")
	statusAddr := fs.String("status-addr", "", "status listener address (overrides VIGIL_STATUS_ADDR; default :8002, \"off\" disables)")
	leaseTTL := fs.Duration("lease-ttl", tradingbot.DefaultLeaseTTL, "how long a bot's lease lasts unrenewed: how soon another process takes over")
	owner := fs.String("owner", "", "this process's lease owner name (default host-pid-random; must be unique)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (a bot file goes after --config)", fs.Arg(0))
	}
	if *botFile != "" {
		return applyBotFile(ctx, e, c, *botFile, *user, *check)
	}
	if *user != 0 || *check {
		return errors.New("--user and --check go with --config bots/NAME.json")
	}
	if *leaseTTL < time.Second {
		return fmt.Errorf("--lease-ttl %s: must be at least 1s", *leaseTTL)
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	if *statusAddr == "off" {
		cfg.StatusAddr = ""
	} else if *statusAddr != "" {
		cfg.StatusAddr = *statusAddr
	}
	log := newLogger(e.stderr, cfg, "vigil").With("role", "tradingbot")
	a := newApp("tradingbot", roles{tradingbot: true}, cfg, log, false)
	a.bots = botRunnerOptions{owner: *owner, leaseTTL: *leaseTTL}
	if err := testHooks(&a.bots, log); err != nil {
		return err
	}
	if err := a.Run(ctx); err != nil {
		_ = a.Close()
		return err
	}
	<-ctx.Done()
	return a.Close()
}

// applyBotFile validates a bot file and creates or updates that bot.
func applyBotFile(ctx context.Context, e *env, c common, path string, user int64, check bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	v, err := schemas.New()
	if err != nil {
		return fmt.Errorf("compile schemas: %w", err)
	}
	d, err := tradingbot.ParseDefinition(v, data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	summary := fmt.Sprintf("%s on %s %s, cash %s", d.Strategy, strings.Join(d.Symbols, ", "), d.Timeframe, d.Cash)
	if check {
		fmt.Fprintf(e.stdout, "%s: ok: bot %q, %s\n", path, d.Name, summary)
		return nil
	}
	if user <= 0 {
		return errors.New("--user is required with --config: the bot's owner (a user id)")
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg, "vigil")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	svc, err := tradingbot.NewService(v, log)
	if err != nil {
		return err
	}
	brokers, err := brokerAccounts(cfg)
	if err != nil {
		return err
	}
	svc.UseBrokers(brokers)
	a, err := botActor(ctx, pool, user)
	if err != nil {
		return err
	}
	var b dbsqlc.TradingBot
	var created bool
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		b, created, err = svc.Apply(ctx, tx, a, user, d)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, botProblem(err))
	}
	verb := "updated"
	if created {
		verb = "created"
	}
	fmt.Fprintf(e.stdout, "bot %d %q %s for user %d: %s; state %s\n", b.ID, b.Name, verb, b.UserID, summary, b.State)
	return nil
}

// botActor is user acting on their own bots from the CLI, or the operator
// (every bot) for user 0.
func botActor(ctx context.Context, q dbsqlc.DBTX, user int64) (tradingbot.Actor, error) {
	if user == 0 {
		return tradingbot.Operator(audit.SourceCLI), nil
	}
	u, err := dbsqlc.New().UserGetByID(ctx, q, user)
	if errors.Is(err, pgx.ErrNoRows) {
		return tradingbot.Actor{}, fmt.Errorf("--user: user %d does not exist", user)
	}
	if err != nil {
		return tradingbot.Actor{}, fmt.Errorf("load user %d: %w", user, err)
	}
	return tradingbot.Actor{UserID: u.ID, Name: u.Name, Source: audit.SourceCLI}, nil
}

// botProblem turns a service refusal into a message naming the field.
func botProblem(err error) error {
	if te, ok := tradingbot.AsError(err); ok {
		return errors.New(te.Error())
	}
	return err
}

// testHooks reads the trading bot runner's test hooks from the environment;
// tests of the real process use them, nothing else should:
//
//   - VIGIL_TEST_CLOCK_FILE names a file holding an RFC 3339 time: the
//     runner's clock (which closes bars) reads it instead of the system
//     clock; it must not be ahead of the system clock;
//   - VIGIL_TEST_PAUSE_IN_DECISION is BAR=FILE: the decision on the bar
//     opening at BAR (RFC 3339) writes FILE after its writes, before its
//     commit, and then blocks until the process is killed.
func testHooks(o *botRunnerOptions, log *slog.Logger) error {
	if path := os.Getenv("VIGIL_TEST_CLOCK_FILE"); path != "" {
		var mu sync.Mutex
		last := time.Time{}
		o.now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			if b, err := os.ReadFile(path); err == nil {
				if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b))); err == nil {
					last = t
				}
			}
			return last
		}
		o.poll = 20 * time.Millisecond
		log.Warn("test hook: the trading bot clock reads VIGIL_TEST_CLOCK_FILE", "file", path)
	}
	if spec := os.Getenv("VIGIL_TEST_PAUSE_IN_DECISION"); spec != "" {
		at, file, ok := strings.Cut(spec, "=")
		bar, err := time.Parse(time.RFC3339, at)
		if !ok || err != nil {
			return fmt.Errorf("VIGIL_TEST_PAUSE_IN_DECISION %q: want BAR=FILE with BAR in RFC 3339", spec)
		}
		o.beforeCommit = func(ctx context.Context, botID int64, t time.Time) error {
			if !t.Equal(bar) {
				return nil
			}
			if err := os.WriteFile(file, []byte(fmt.Sprint(botID)), 0o600); err != nil {
				return err
			}
			<-ctx.Done() // until killed
			return ctx.Err()
		}
		log.Warn("test hook: a decision pauses before its commit", "bar", bar, "file", file)
	}
	return nil
}
