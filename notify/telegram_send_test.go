package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/telegram/telegramtest"
)

var pauseKeyboard = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
	tgbotapi.NewInlineKeyboardButtonData("Pause", "pause:1")))

// A keyboard, silent delivery and the caller's own markup arrive as sent; a
// long plain text carries the keyboard on its last part only.
func TestTelegramSendTextOptions(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{NoLimits: true}, WithTelegramParseMode(TelegramHTML))
	ctx := context.Background()

	_, err := b.ch.SendText(ctx, 1, "pick <one>", SendOptions{ReplyMarkup: pauseKeyboard, Silent: true})
	require.NoError(t, err)
	got := b.srv.Messages(1)
	require.Len(t, got, 1)
	require.JSONEq(t, `{"inline_keyboard":[[{"text":"Pause","callback_data":"pause:1"}]]}`, string(got[0].ReplyMarkup))
	require.True(t, got[0].DisableNotification)
	require.Equal(t, "pick <one>", got[0].Plain, "plain text is escaped for the channel's mode")

	_, err = b.ch.SendText(ctx, 2, "<b>bold</b> move", SendOptions{ParseMode: TelegramHTML,
		ReplyMarkup: tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("/alerts")))})
	require.NoError(t, err)
	got = b.srv.Messages(2)
	require.Len(t, got, 1)
	require.Equal(t, "bold move", got[0].Plain, "formatted text is sent as is")
	require.Equal(t, TelegramHTML, got[0].ParseMode)
	require.Contains(t, string(got[0].ReplyMarkup), `"keyboard"`)
	require.False(t, got[0].DisableNotification)

	long := strings.Repeat("line of text\n", 700)
	_, err = b.ch.SendText(ctx, 3, long, SendOptions{ReplyMarkup: pauseKeyboard, Silent: true})
	require.NoError(t, err)
	got = b.srv.Messages(3)
	require.Len(t, got, 3)
	for i, m := range got {
		require.True(t, m.DisableNotification, "part %d", i)
		require.Equal(t, i == len(got)-1, m.ReplyMarkup != nil, "only the last part has the keyboard (part %d)", i)
	}

	_, err = b.ch.SendPhoto(ctx, 4, chartPNG(t), "chart", SendOptions{ReplyMarkup: pauseKeyboard, Silent: true})
	require.NoError(t, err)
	got = b.srv.Messages(4)
	require.Len(t, got, 1)
	require.Equal(t, "sendPhoto", got[0].Method)
	require.NotNil(t, got[0].ReplyMarkup)
	require.True(t, got[0].DisableNotification)

	for _, opts := range []SendOptions{{ReplyMarkup: "not a keyboard"}, {ParseMode: "Markdown"}} {
		_, err = b.ch.SendText(ctx, 5, "x", opts)
		require.True(t, IsPermanent(err), "%+v: %v", opts, err)
	}
	require.Empty(t, b.srv.Messages(5))
}

// With WaitRetryAfter a 429 is waited out for its retry_after and sent
// again, through the limiter and the gate again; without it, or when the
// wait is longer, the 429 is returned for a job to snooze.
func TestTelegramSendTextWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	gate := &telegramtest.Gate{}
	sleep := &telegramtest.Sleeper{}
	b := setupTelegram(t, telegramtest.Options{NoLimits: true}, WithTelegramGate(gate), WithTelegramSleepFunc(sleep.Sleep))
	ctx := context.Background()

	b.srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: 1, RetryAfter: 3})
	_, err := b.ch.SendText(ctx, 1, "hello", SendOptions{WaitRetryAfter: time.Minute})
	require.NoError(t, err)
	require.Len(t, b.srv.Messages(1), 1)
	require.Equal(t, []time.Duration{3 * time.Second}, sleep.Waits())
	require.Equal(t, 2, gate.Count(1), "both tries were reserved in the shared gate")

	b.srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: 2, RetryAfter: 120})
	_, err = b.ch.SendText(ctx, 2, "hello", SendOptions{WaitRetryAfter: time.Minute})
	after, ok := RetryAfter(err)
	require.True(t, ok, "a wait longer than WaitRetryAfter is returned: %v", err)
	require.Equal(t, 120*time.Second, after)

	b.srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: 3, RetryAfter: 1, Times: -1})
	_, err = b.ch.SendText(ctx, 3, "hello", SendOptions{WaitRetryAfter: time.Minute})
	_, ok = RetryAfter(err)
	require.True(t, ok, "gives up after MaxTelegramAttempts")
	require.Len(t, sleep.Waits(), 1+MaxTelegramAttempts-1)
	require.Empty(t, b.srv.Messages(3))
	b.srv.ClearFaults()

	b.srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: 4, RetryAfter: 1})
	_, err = b.ch.Send(ctx, Destination{TelegramChatID: 4}, tgMessage("hello"))
	_, ok = RetryAfter(err)
	require.True(t, ok, "Send returns the 429 for the worker to snooze")
	require.NotContains(t, err.Error(), b.srv.Token())
}

// Request and GetUpdates share the channel's endpoint, classification and
// redaction.
func TestTelegramRequestAndGetUpdates(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{NoLimits: true})
	ctx := context.Background()
	require.Equal(t, strings.SplitN(b.srv.Token(), ":", 2)[0], b.ch.BotID())

	require.NoError(t, b.ch.Request(ctx, "setMyCommands", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "Help"})))
	b.srv.SendUpdate(9, 9, "/help")
	updates, err := b.ch.GetUpdates(ctx, tgbotapi.UpdateConfig{Timeout: 1})
	require.NoError(t, err)
	require.Len(t, updates, 1)
	require.Equal(t, "/help", updates[0].Message.Text)

	wrong, err := NewTelegram("123456789:wrong-secret", b.srv.URL())
	require.NoError(t, err)
	_, err = wrong.GetUpdates(ctx, tgbotapi.UpdateConfig{})
	apiErr, ok := errors.AsType[*tgbotapi.Error](err)
	require.True(t, ok, "%v", err)
	require.Equal(t, 401, apiErr.Code)
	require.NotContains(t, err.Error(), "wrong-secret")
	err = wrong.Request(ctx, "deleteWebhook", tgbotapi.DeleteWebhookConfig{})
	require.ErrorContains(t, err, "telegram deleteWebhook: Unauthorized")
	require.NotContains(t, err.Error(), "wrong-secret")
}
