package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
)

// Limits kept by TelegramGate: a little under Telegram's (30 messages/s, 1/s
// per chat, 20/min per group), because Telegram counts a message when its
// request arrives and the gate when it is reserved.
const (
	telegramPerSecond      = 25
	telegramChatIntervalMs = 1100
	telegramGroupPerMinute = 18
)

// TelegramGate keeps a bot's flood limits across every process that sends
// for it, through PostgreSQL (vigil_telegram_reserve: one advisory lock per
// bot and a short log of sends). It is the notify.SendGate of the Telegram
// channel, which the notification workers and the bot's replies share.
type TelegramGate struct {
	pool *pgxpool.Pool
	bot  string
}

var _ notify.SendGate = (*TelegramGate)(nil)

// NewTelegramGate returns the gate of the bot with this token (only the
// bot's numeric id, before the colon, is stored).
func NewTelegramGate(pool *pgxpool.Pool, token string) *TelegramGate {
	bot, _, _ := strings.Cut(token, ":")
	return &TelegramGate{pool: pool, bot: bot}
}

// Wait returns once a send to chatID is reserved, or with ctx's error when
// ctx is done first (nothing is reserved then).
func (g *TelegramGate) Wait(ctx context.Context, chatID int64) error {
	q := dbsqlc.New()
	for {
		wait, err := q.TelegramReserveSend(ctx, g.pool, dbsqlc.TelegramReserveSendParams{Bot: g.bot, ChatID: chatID,
			PerSecond: telegramPerSecond, ChatIntervalMs: telegramChatIntervalMs, GroupPerMinute: telegramGroupPerMinute})
		if err != nil {
			return fmt.Errorf("reserve a telegram send: %w", err)
		}
		if wait <= 0 {
			return nil
		}
		t := time.NewTimer(time.Duration(wait * float64(time.Second)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
