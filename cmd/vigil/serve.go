package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilhq/vigil/config"
)

// roles says which parts a process runs.
type roles struct {
	scheduler  bool // enqueuer + maintenance jobs
	worker     bool // River workers
	api        bool // the HTTP API listener
	telegram   bool // the Telegram bot
	tradingbot bool // the trading bot runner
	migrate    bool // run migrations first (serve)
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "serve", "run every role in one process: migrate, then the scheduler, workers, trading bots and the status listener (until Ctrl-C)",
		roles{scheduler: true, worker: true, api: true, telegram: true, tradingbot: true, migrate: true})
}

func cmdScheduler(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "scheduler", "run the scheduler role: the cron enqueuer and the maintenance jobs (any number of schedulers may run)",
		roles{scheduler: true})
}

func cmdWorker(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "worker", "run the worker role: River workers for every job type this build has",
		roles{worker: true})
}

// runRoles is every role command: parse the flags into the config, build
// the app and run it until ctx ends, then close it.
func runRoles(ctx context.Context, e *env, args []string, name, help string, r roles) error {
	cfg, demo, err := roleConfig(e, args, name, help, r)
	if err != nil {
		return err
	}
	// service is the role, as in the design's structured logs ("service":
	// "scheduler").
	log := newLogger(e.stderr, cfg, name)
	a := newApp(name, r, cfg, log, demo)
	if err := a.Run(ctx); err != nil {
		_ = a.Close()
		return err
	}
	<-ctx.Done()
	return a.Close()
}

// roleConfig parses a role command's flags and loads the config they
// override; demo is --demo.
func roleConfig(e *env, args []string, name, help string, r roles) (config.Config, bool, error) {
	var c common
	fs := newFlags(e, name, "[flags]", help)
	c.register(fs)
	demo := fs.Bool("demo", false, "seed a demo user and schedules once (make run uses it)")
	statusAddr := fs.String("status-addr", "", "status listener address (overrides VIGIL_STATUS_ADDR; default :8002, \"off\" disables)")
	var webhook *bool
	if r.telegram {
		webhook = fs.Bool("webhook", false, "receive Telegram updates by webhook at <public_url>/telegram/webhook on the API listener instead of polling (overrides VIGIL_TELEGRAM_WEBHOOK)")
	}
	apiAddr := fs.String("api-addr", "", "API listener address when serving the API (overrides VIGIL_API_ADDR; default :8001, \"off\" disables)")
	if err := parse(fs, args); err != nil {
		return config.Config{}, false, err
	}
	cfg, err := c.load()
	if err != nil {
		return config.Config{}, false, err
	}
	if webhook != nil && *webhook && !cfg.TelegramWebhook {
		cfg.TelegramWebhook = true
		if err := cfg.Validate(); err != nil {
			return config.Config{}, false, fmt.Errorf("--webhook: invalid configuration (run `vigil validate-config`):\n%w", err)
		}
	}
	if *apiAddr == "off" {
		cfg.APIAddr = ""
	} else if *apiAddr != "" {
		cfg.APIAddr = *apiAddr
	}
	if *statusAddr == "off" || (*statusAddr == "" && r.api && !r.scheduler && !r.worker) {
		cfg.StatusAddr = ""
	} else if *statusAddr != "" {
		cfg.StatusAddr = *statusAddr
	}
	if r.telegram && !r.worker && cfg.TelegramBotToken == "" {
		return config.Config{}, false, errors.New("TELEGRAM_BOT_TOKEN is not set: the bot needs a token from @BotFather (vigil serve runs a local stand-in instead)")
	}
	if r.telegram && !r.worker && *statusAddr == "" {
		cfg.StatusAddr = ""
	}
	if r.api && cfg.APIAddr == "" && !r.scheduler && !r.worker {
		return config.Config{}, false, errors.New("api_addr is empty: set VIGIL_API_ADDR or --api-addr")
	}
	return cfg, *demo, nil
}
