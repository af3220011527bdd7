package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// The Telegram channel records whether the Bot API answered: a 5xx or a
// 429 is a failure, a refused message (a blocked user) shows the API works,
// and a cancelled request records nothing.
func TestTelegramOutcome(t *testing.T) {
	t.Parallel()
	b := setupTelegram(t, telegramtest.Options{NoLimits: true}, WithTelegramUnpaced())
	ctx := context.Background()
	require.True(t, b.ch.Outcome().Last().Empty())

	_, err := b.ch.Send(ctx, Destination{TelegramChatID: 1}, tgMessage("hello"))
	require.NoError(t, err)
	s := b.ch.Outcome().Last()
	require.False(t, s.Failing())
	require.EqualValues(t, 1, s.Successes)

	b.srv.Inject(telegramtest.Fault{Kind: telegramtest.ServerError, Status: 502})
	_, err = b.ch.Send(ctx, Destination{TelegramChatID: 1}, tgMessage("hello"))
	require.Error(t, err)
	s = b.ch.Outcome().Last()
	require.True(t, s.Failing())
	require.Contains(t, s.LastError, "telegram sendMessage to chat 1: HTTP 502")
	require.NotContains(t, s.LastError, b.srv.Token(), "the token never shows")

	b.srv.Inject(telegramtest.Fault{Kind: telegramtest.BotBlocked})
	_, err = b.ch.Send(ctx, Destination{TelegramChatID: 2}, tgMessage("hello"))
	require.True(t, IsUnreachable(err))
	require.False(t, b.ch.Outcome().Last().Failing(), "Telegram answered: the channel works")

	b.srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests})
	_, err = b.ch.Send(ctx, Destination{TelegramChatID: 3}, tgMessage("hello"))
	_, limited := RetryAfter(err)
	require.True(t, limited)
	require.True(t, b.ch.Outcome().Last().Failing(), "a 429 is a failure")

	before := b.ch.Outcome().Last()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = b.ch.Send(cancelled, Destination{TelegramChatID: 4}, tgMessage("hello"))
	require.Error(t, err)
	require.Equal(t, before, b.ch.Outcome().Last(), "a cancelled request records nothing")
}

// The webhook channel records every request: a 2xx is a success, any
// other answer or none a failure; a message refused before any request
// records nothing.
func TestWebhookOutcome(t *testing.T) {
	t.Parallel()
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	hook := &Webhook{Secret: testSecret}
	ctx := context.Background()

	_, err := hook.Send(ctx, Destination{WebhookURL: srv.URL}, testMessage())
	require.NoError(t, err)
	require.False(t, hook.Outcome().Last().Failing())

	status = http.StatusBadGateway
	_, err = hook.Send(ctx, Destination{WebhookURL: srv.URL}, testMessage())
	require.Error(t, err)
	s := hook.Outcome().Last()
	require.True(t, s.Failing())
	require.Equal(t, "webhook POST "+srv.URL+": 502 Bad Gateway", s.LastError)

	_, err = hook.Send(ctx, Destination{WebhookURL: "ftp://nowhere"}, testMessage())
	require.Error(t, err)
	require.Equal(t, s, hook.Outcome().Last(), "no request, nothing recorded")

	status = http.StatusNoContent
	_, err = hook.Send(ctx, Destination{WebhookURL: srv.URL}, testMessage())
	require.NoError(t, err)
	require.False(t, hook.Outcome().Last().Failing())
}
