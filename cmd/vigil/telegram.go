package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// telegramChannel returns the telegram notification channel: the real Bot API
// when TELEGRAM_BOT_TOKEN is set (TELEGRAM_API_ENDPOINT for a self-hosted
// server), otherwise, in a process that also serves the API (`serve`), a local
// Bot API stand-in so that everything works offline. Telegram's limits are per
// bot; each process shares one limiter, so run the notification workers of a
// bot in one process (see README).
func telegramChannel(ctx context.Context, cfg config.Config, standIn bool, log *slog.Logger) (notify.Channel, *telegramtest.Server, error) {
	if cfg.TelegramBotToken != "" {
		tg, err := notify.NewTelegram(cfg.TelegramBotToken, cfg.TelegramAPIEndpoint)
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
	srv := telegramtest.New(telegramtest.Options{})
	tg, err := notify.NewTelegram(srv.Token(), srv.Endpoint())
	if err != nil {
		srv.Close()
		return nil, nil, fmt.Errorf("telegram stand-in channel: %w", err)
	}
	return tg, srv, nil
}
