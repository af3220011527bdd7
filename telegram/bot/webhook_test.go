package bot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/telegram/telegramtest"
)

const testWebhookSecret = "webhook_secret-0123456789"

// webhookBundle is a bot in webhook mode: the stand-in delivers to an
// httptest listener serving the bot's Webhook, wrapped by wrap when set.
type webhookBundle struct {
	*testBundle
	bot  *Bot
	hook *Webhook
	url  string
}

func setupWebhook(t *testing.T, wrap func(http.Handler) http.Handler) *webhookBundle {
	t.Helper()
	tb := setup(t)
	tb.srv.Close()
	tb.srv = telegramtest.New(telegramtest.Options{NoLimits: true, WebhookRetryDelay: 5 * time.Millisecond})
	t.Cleanup(tb.srv.Close)
	b := tb.newBot(t, func(o *Options) { o.WebhookCheckInterval = 10 * time.Millisecond })
	hook, err := b.Webhook(testWebhookSecret)
	require.NoError(t, err)
	var h http.Handler = hook
	if wrap != nil {
		h = wrap(hook)
	}
	mux := http.NewServeMux()
	mux.Handle(WebhookPath, h)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.Close(); hook.Close() })
	return &webhookBundle{testBundle: tb, bot: b, hook: hook, url: hs.URL + WebhookPath}
}

// register runs RunWebhook until the returned stop is called and waits
// until the stand-in has the webhook.
func (wb *webhookBundle) register(t *testing.T) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(wb.ctx)
	done := make(chan error, 1)
	go func() { done <- wb.bot.RunWebhook(ctx, WebhookRegistration{URL: wb.url, Secret: testWebhookSecret}) }()
	var stopped atomic.Bool
	stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		require.NoError(t, <-done)
	}
	t.Cleanup(stop)
	require.Eventually(t, func() bool { return wb.srv.Webhook().URL == wb.url }, 10*time.Second, time.Millisecond)
	return stop
}

// post delivers body to the webhook with secret ("" for no header).
func (wb *webhookBundle) post(t *testing.T, secret, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, wb.url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(WebhookSecretHeader, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestWebhookEndToEnd(t *testing.T) {
	t.Parallel()
	wb := setupWebhook(t, nil)
	wb.register(t)
	info := wb.srv.Webhook()
	require.Equal(t, testWebhookSecret, info.Secret)
	require.Equal(t, []string{"message"}, info.AllowedUpdates)
	require.Equal(t, 1, info.MaxConnections)
	require.Eventually(t, func() bool { return len(wb.srv.Commands()) > 0 }, 10*time.Second, time.Millisecond, "setMyCommands in webhook mode too")

	u := wb.user(t, StatusVerified, false)
	require.Contains(t, wb.say(t, u, "/alert AAPL > 150"), "created: AAPL close > 150 1d")
	require.Len(t, wb.schedules(t, u), 1)
	for _, d := range wb.srv.WebhookDeliveries() {
		require.Equal(t, testWebhookSecret, d.Secret)
		require.Equal(t, http.StatusOK, d.Status)
	}
	// Polling is refused while the webhook is set.
	_, err := wb.bot.getUpdates(wb.ctx, 0)
	require.ErrorContains(t, err, "can't use getUpdates method while webhook is active")
}

func TestWebhookRefusesWrongSecret(t *testing.T) {
	t.Parallel()
	wb := setupWebhook(t, nil)
	const id = 9101
	body := `{"update_id": 77, "message": {"message_id": 1, "from": {"id": 9101, "first_name": "M"}, "chat": {"id": 9101, "type": "private"}, "date": 1, "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}`
	for _, secret := range []string{"", "wrong", testWebhookSecret + "x", strings.ToUpper(testWebhookSecret)} {
		resp := wb.post(t, secret, body)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "secret %q", secret)
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	}
	tgID := int64(id)
	_, err := wb.q.UserGetByTelegramID(wb.ctx, wb.db.Pool, &tgID)
	require.Error(t, err, "nothing processed: /start registered no one")
	handled, err := wb.q.TelegramUpdateMaxID(wb.ctx, wb.db.Pool, wb.bot.botID)
	require.NoError(t, err)
	require.Zero(t, handled)

	// The right secret: registered.
	require.Equal(t, http.StatusOK, wb.post(t, testWebhookSecret, body).StatusCode)
	_, err = wb.q.UserGetByTelegramID(wb.ctx, wb.db.Pool, &tgID)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(wb.srv.Messages(id)) == 1 }, 10*time.Second, time.Millisecond)
}

// TestWebhookRedeliveryRunsOnce: the first delivery commits, then a proxy
// answers 500; Telegram (the stand-in) delivers again and the command does
// not run again.
func TestWebhookRedeliveryRunsOnce(t *testing.T) {
	t.Parallel()
	var failed atomic.Bool
	wb := setupWebhook(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if failed.Swap(true) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r) // committed
			require.Equal(t, http.StatusOK, rec.Code)
			http.Error(w, "upstream went away", http.StatusInternalServerError)
		})
	})
	u := wb.user(t, StatusVerified, false)
	wb.register(t)
	first := wb.say(t, u, "/alert MSFT > 300")
	require.Contains(t, first, "created: MSFT close > 300 1d")
	// A second command: its reply comes after any duplicate of the first.
	wb.say(t, u, "/alerts")
	msgs := wb.srv.Messages(u)
	require.Len(t, msgs, 2, "one reply per command")
	require.Len(t, wb.schedules(t, u), 1, "the redelivered /alert created nothing")

	d := wb.srv.WebhookDeliveries()
	require.GreaterOrEqual(t, len(d), 3)
	require.Equal(t, d[0].UpdateID, d[1].UpdateID)
	require.Equal(t, http.StatusInternalServerError, d[0].Status)
	require.Equal(t, http.StatusOK, d[1].Status)
}

// TestWebhookOutOfOrder: updates arriving out of order (max_connections >
// 1) are each handled, and each once.
func TestWebhookOutOfOrder(t *testing.T) {
	t.Parallel()
	wb := setupWebhook(t, nil)
	u := wb.user(t, StatusVerified, false)
	update := func(id int, text string) string {
		return `{"update_id": ` + itoa(int64(id)) + `, "message": {"message_id": ` + itoa(int64(id)) + `, "from": {"id": ` + itoa(u) +
			`, "first_name": "U"}, "chat": {"id": ` + itoa(u) + `, "type": "private"}, "date": 1, "text": "` + text +
			`", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}`
	}
	require.Equal(t, http.StatusOK, wb.post(t, testWebhookSecret, update(11, "/alert AAPL > 1")).StatusCode)
	require.Equal(t, http.StatusOK, wb.post(t, testWebhookSecret, update(10, "/alert AAPL > 2")).StatusCode)
	require.Equal(t, http.StatusOK, wb.post(t, testWebhookSecret, update(11, "/alert AAPL > 1")).StatusCode)
	require.Len(t, wb.schedules(t, u), 2)
}

// TestWebhookThenPolling: a bot switched back to polling deletes the
// webhook, and an update a webhook delivery handled (its answer lost) is
// not run again when the poll returns it.
func TestWebhookThenPolling(t *testing.T) {
	t.Parallel()
	var lose atomic.Bool
	lose.Store(true)
	wb := setupWebhook(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !lose.Load() {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			http.Error(w, "lost", http.StatusBadGateway)
		})
	})
	u := wb.user(t, StatusVerified, false)
	stopHook := wb.register(t)
	wb.srv.SendUpdate(u, u, "/alert NVDA > 100")
	require.Eventually(t, func() bool { return len(wb.schedules(t, u)) == 1 && len(wb.srv.WebhookDeliveries()) >= 2 },
		10*time.Second, time.Millisecond)
	require.Equal(t, 1, wb.srv.PendingUpdates(), "Telegram still holds the update")
	stopHook()

	wb.start(t) // polling: deleteWebhook first
	require.Eventually(t, func() bool { return wb.srv.Webhook().URL == "" }, 10*time.Second, time.Millisecond)
	require.Contains(t, wb.say(t, u, "/alerts"), "NVDA")
	require.Len(t, wb.schedules(t, u), 1, "the polled update was handled by the webhook already")
	msgs := wb.srv.Messages(u)
	require.Len(t, msgs, 2, "the /alert reply (sent once, after the webhook commit) and the /alerts reply")
}
