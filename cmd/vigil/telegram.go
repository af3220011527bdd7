package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/telegram/bot"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

func cmdTelegram(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "telegram",
		"run the Telegram bot: long polling with the update offset in PostgreSQL, or with --webhook registering <public_url>/telegram/webhook, which the API listener receives (needs TELEGRAM_BOT_TOKEN)",
		roles{telegram: true})
}

// buildBot builds the bot in a process with the Telegram role, or with the
// API role in webhook mode (the API listener handles the deliveries), on
// the real Bot API (TELEGRAM_BOT_TOKEN) or on the local stand-in; without
// either it logs that no bot runs.
func (a *app) buildBot() error {
	if !a.roles.telegram && !(a.roles.api && a.cfg.TelegramWebhook) {
		return nil
	}
	cfg, log := a.cfg, a.log
	token, endpoint := cfg.TelegramBotToken, cfg.TelegramAPIEndpoint
	if a.standIn != nil {
		token, endpoint = a.standIn.Token(), a.standIn.Endpoint()
	}
	if token == "" {
		log.Info("no TELEGRAM_BOT_TOKEN: the Telegram bot is not started")
		return nil
	}
	// Replies go through the notification channel when this process has
	// one, so that they share its limiter; either way through the gate the
	// bot's senders share across processes.
	tg, ok := a.channels[notify.ChannelTelegram].(*notify.Telegram)
	if !ok {
		var err error
		tg, err = notify.NewTelegram(token, endpoint, notify.WithTelegramGate(store.NewTelegramGate(a.pooled, token)))
		if err != nil {
			return fmt.Errorf("telegram bot: %w", err)
		}
	}
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: a.pooled, ListenPool: a.pool, Client: a.client.Client, Config: cfg, Validator: a.validator,
		Logger: log, Kinds: a.client.Kinds})
	if err != nil {
		return fmt.Errorf("telegram bot: %w", err)
	}
	svc, err := newScheduleService(cfg, a.validator, enq, log, a.localStandIns())
	if err != nil {
		return fmt.Errorf("telegram bot: %w", err)
	}
	runs := bot.RunNower(botRuns{jc: a.client, cfg: cfg, v: a.validator})
	// Backtests (/alert … test, /alerttest, /backtest) read the same market
	// data as the alert worker.
	b, err := bot.New(bot.Options{Pool: a.pooled, Telegram: tg, Config: cfg, Validator: a.validator, Schedules: svc,
		Logger: log.With("component", "telegram_bot"), Runs: runs, Market: a.market, Email: emailSender(a.email),
		Backtests: &backtests.Runner{Validator: a.validator, Market: a.market}})
	if err != nil {
		return fmt.Errorf("telegram bot: %w", err)
	}
	a.theBot = b
	a.botTelegram = tg
	if a.roles.api && cfg.TelegramWebhook {
		secrets, err := cfg.TelegramWebhookSecrets()
		if err != nil {
			return fmt.Errorf("telegram webhook: %w", err)
		}
		if a.webhook, err = b.Webhook(secrets...); err != nil {
			return fmt.Errorf("telegram webhook: %w", err)
		}
	}
	return nil
}

// startBot runs the bot built by buildBot in a process with the Telegram
// role: polling getUpdates, or in webhook mode registering the webhook that
// the API listener (this process's or another's) receives.
func (a *app) startBot() error {
	if !a.roles.telegram || a.theBot == nil {
		return nil
	}
	b, cfg, log := a.theBot, a.cfg, a.log
	var reg bot.WebhookRegistration
	if cfg.TelegramWebhook {
		secrets, err := cfg.TelegramWebhookSecrets()
		if err != nil {
			return fmt.Errorf("telegram webhook: %w", err)
		}
		reg = bot.WebhookRegistration{URL: cfg.TelegramWebhookURL(), Secret: secrets[0]}
	}
	ctx := a.botCtx
	a.bot.Go(func() {
		defer a.botStopped.Store(true)
		var err error
		if cfg.TelegramWebhook {
			err = b.RunWebhook(ctx, reg)
		} else {
			err = b.Run(ctx)
		}
		if err != nil {
			log.Error("telegram bot stopped", "error", err)
		}
	})
	a.botRunning = true
	return nil
}

// botRuns starts the bot's ad-hoc runs with the jobs client: the
// bot.RunNower of /report and /screener.
type botRuns struct {
	jc  *jobs.Client
	cfg config.Config
	v   *schemas.Validator
}

// CanRunNow reports whether the client has a worker for jobType.
func (r botRuns) CanRunNow(jobType string) bool { return slices.Contains(r.jc.Kinds, jobType) }

// RunNow starts the run with jobs.RunNow.
func (r botRuns) RunNow(ctx context.Context, tx pgx.Tx, req bot.RunRequest) (int64, error) {
	id, err := jobs.RunNow(ctx, tx, r.jc.Client, r.cfg, r.v,
		jobs.RunNowRequest{JobType: req.JobType, UserID: req.UserID, Params: req.Params, Target: req.Target})
	if errors.Is(err, jobs.ErrTooManyAdhocRuns) {
		return 0, &bot.TooManyRunsError{Max: jobs.MaxOpenAdhocRuns}
	}
	return id, err
}

// telegramChannel returns the telegram notification channel: the real Bot API
// when TELEGRAM_BOT_TOKEN is set (TELEGRAM_API_ENDPOINT for a self-hosted
// server), otherwise, in a process that also serves the API (`serve`), a local
// Bot API stand-in so that everything works offline. Telegram's limits are per
// bot: each process paces itself and reserves every send in PostgreSQL
// (store.TelegramGate), so any number of processes keep them together.
func telegramChannel(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, standIn bool, log *slog.Logger) (notify.Channel, *telegramtest.Server, error) {
	if cfg.TelegramBotToken != "" {
		// Telegram's limits are per bot: every process reserves its sends in
		// PostgreSQL, on top of its own limiter.
		tg, err := notify.NewTelegram(cfg.TelegramBotToken, cfg.TelegramAPIEndpoint,
			notify.WithTelegramGate(store.NewTelegramGate(pool, cfg.TelegramBotToken)))
		if err != nil {
			return nil, nil, fmt.Errorf("telegram channel: %w", err)
		}
		if name, err := tg.Check(ctx); err != nil {
			log.Warn("telegram bot check failed; notifications will retry", "error", err)
		} else {
			log.Info("telegram bot", "username", name)
		}
		return tg, nil, nil
	}
	if !standIn {
		log.Info("no TELEGRAM_BOT_TOKEN: telegram notifications are recorded in the notifications table, not sent")
		return nil, nil, nil
	}
	// The bot's offset outlives the stand-in (it is in telegram_state):
	// continue the update ids past it, or a restarted `vigil serve` would
	// skip the first commands typed into the dev chat.
	// Past the ids a webhook delivery handled, too.
	first := 1
	botID, _, _ := strings.Cut(telegramtest.DefaultToken, ":")
	if off, err := dbsqlc.New().TelegramStateGet(ctx, pool, botID); err == nil {
		first = int(off)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, fmt.Errorf("read the stand-in bot's update offset: %w", err)
	}
	maxID, err := dbsqlc.New().TelegramUpdateMaxID(ctx, pool, botID)
	if err != nil {
		return nil, nil, fmt.Errorf("read the stand-in bot's webhook updates: %w", err)
	}
	first = max(first, int(maxID)+1)
	srv := telegramtest.New(telegramtest.Options{FirstUpdateID: first})
	tg, err := notify.NewTelegram(srv.Token(), srv.Endpoint(), notify.WithTelegramGate(store.NewTelegramGate(pool, srv.Token())))
	if err != nil {
		srv.Close()
		return nil, nil, fmt.Errorf("telegram stand-in channel: %w", err)
	}
	return tg, srv, nil
}
