package bot

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Webhook mode (design 7.1, "Handles webhook or polling mode"): RunWebhook
// registers <public_url>/telegram/webhook with setWebhook, and the API
// listener serves a Webhook there. Telegram POSTs each update with the
// secret_token in WebhookSecretHeader and redelivers it until it gets a
// 2xx; the Webhook records the update id in the transaction of the
// command's writes (telegram_updates) before it answers 200, so a
// redelivered update is acknowledged without running its command again.
const (
	// WebhookPath is where the API listener receives updates.
	WebhookPath = "/telegram/webhook"
	// WebhookSecretHeader carries setWebhook's secret_token on every
	// delivery.
	WebhookSecretHeader = "X-Telegram-Bot-Api-Secret-Token"
	// MaxWebhookBody is the largest update accepted (413 above): Telegram's
	// updates are a few kilobytes (a message is at most 4096 characters).
	MaxWebhookBody = 1 << 20
	// WebhookRetention is how long a handled webhook update is remembered:
	// twice the 24 hours Telegram keeps an update it could not deliver.
	WebhookRetention = 48 * time.Hour
	// DefaultWebhookCheckInterval is how often RunWebhook checks the
	// webhook with getWebhookInfo.
	DefaultWebhookCheckInterval = 5 * time.Minute
	// WebhookDrainTimeout bounds how long Webhook.Close waits for queued
	// replies.
	WebhookDrainTimeout = 5 * time.Second
	// webhookPruneEvery: every this many update ids, handling one also
	// prunes telegram_updates.
	webhookPruneEvery = 100
)

// webhookAllowedUpdates are the update types registered (the bot reads
// messages only, as getUpdates asks).
var webhookAllowedUpdates = []string{"message"}

// WebhookRegistration is what RunWebhook registers.
type WebhookRegistration struct {
	// URL is the webhook URL, <public_url>/telegram/webhook.
	URL string
	// Secret is setWebhook's secret_token: 1-256 characters of A-Z, a-z,
	// 0-9, _ and -.
	Secret string
}

// RunWebhook registers the webhook (setWebhook with the URL, secret_token,
// allowed_updates and max_connections 1, so that Telegram hands over one
// update at a time like a poll) and the commands, then checks the webhook
// every WebhookCheckInterval until ctx is done: a delivery error Telegram
// reports (getWebhookInfo's last_error_message) is logged, and a webhook
// that was removed or changed (another instance polling calls
// deleteWebhook) is registered again. It leaves the webhook set when it
// returns: updates wait at Telegram, and the API listener keeps receiving
// them. The error is for a token Telegram refuses or a URL it rejects.
func (b *Bot) RunWebhook(ctx context.Context, reg WebhookRegistration) error {
	if reg.URL == "" || reg.Secret == "" {
		return errors.New("telegram bot: webhook mode needs a URL and a secret")
	}
	if err := b.retry(ctx, "telegram webhook registration", func() error { return b.registerWebhook(ctx, reg) }); err != nil {
		return err
	}
	b.log.InfoContext(ctx, "telegram bot receiving updates by webhook", slog.String("url", reg.URL))
	var lastError int
	t := time.NewTicker(b.checkEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		info, err := b.webhookInfo(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if refused(err) {
				return err
			}
			b.log.WarnContext(ctx, "telegram getWebhookInfo failed", slog.String("error", err.Error()))
			continue
		}
		if info.LastErrorDate != 0 && info.LastErrorDate != lastError {
			lastError = info.LastErrorDate
			b.log.WarnContext(ctx, "telegram cannot deliver to the webhook", slog.String("last_error_message", info.LastErrorMessage),
				slog.Time("last_error_at", time.Unix(int64(info.LastErrorDate), 0)), slog.Int("pending_update_count", info.PendingUpdateCount))
		}
		if info.URL != reg.URL {
			b.log.WarnContext(ctx, "telegram webhook was removed or changed; registering it again (is another instance polling?)",
				slog.String("webhook_url", info.URL), slog.String("url", reg.URL))
			if err := b.registerWebhook(ctx, reg); err != nil {
				if refused(err) || isBadRequest(err) {
					return err
				}
				b.log.WarnContext(ctx, "telegram setWebhook failed", slog.String("error", err.Error()))
			}
		}
	}
}

// registerWebhook sets the webhook and the commands and prunes old
// handled updates.
func (b *Bot) registerWebhook(ctx context.Context, reg WebhookRegistration) error {
	allowed, err := json.Marshal(webhookAllowedUpdates)
	if err != nil {
		return fmt.Errorf("telegram bot: encode allowed_updates: %w", err)
	}
	params := tgbotapi.Params{"url": reg.URL, "secret_token": reg.Secret, "allowed_updates": string(allowed),
		"max_connections": strconv.Itoa(1)}
	if _, err := b.tg.Call(ctx, "setWebhook", params); err != nil {
		return err
	}
	if err := b.tg.Request(ctx, "setMyCommands", tgbotapi.NewSetMyCommands(BotCommands()...)); err != nil {
		return err
	}
	return b.prune(ctx, b.pool)
}

// webhookInfo calls getWebhookInfo.
func (b *Bot) webhookInfo(ctx context.Context) (tgbotapi.WebhookInfo, error) {
	raw, err := b.tg.Call(ctx, "getWebhookInfo", nil)
	if err != nil {
		return tgbotapi.WebhookInfo{}, err
	}
	var info tgbotapi.WebhookInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return tgbotapi.WebhookInfo{}, fmt.Errorf("telegram getWebhookInfo: decode %q: %w", raw, err)
	}
	return info, nil
}

// retry runs fn until it succeeds, with backoff from a second to a minute;
// it returns nil when ctx ends first, and fn's error when Telegram refuses
// the token or the request (400: retrying cannot help).
func (b *Bot) retry(ctx context.Context, what string, fn func() error) error {
	backoff := time.Second
	for {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if refused(err) || isBadRequest(err) {
			return err
		}
		b.log.WarnContext(ctx, what+" failed", slog.String("error", err.Error()), slog.Duration("retry_in", backoff))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// isBadRequest reports whether Telegram refused a request as malformed
// (400), such as a webhook URL it will not deliver to.
func isBadRequest(err error) bool {
	apiErr, ok := errors.AsType[*tgbotapi.Error](err)
	return ok && apiErr.Code == http.StatusBadRequest
}

// Webhook receives Telegram's webhook deliveries (serve it at WebhookPath
// on the API listener). Each POST must carry one of the secrets in
// WebhookSecretHeader (compared in constant time; 401 otherwise, and
// nothing is read); the body, at most MaxWebhookBody, must be one Update
// (400 otherwise). The update is handled like a polled one, exactly once
// (see RunWebhook), and answered 200 as soon as it committed; its reply is
// sent afterwards, in order, by one sender. A database failure is a 500:
// Telegram delivers the update again. Close it after the listener.
type Webhook struct {
	b       *Bot
	secrets [][sha256.Size]byte

	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	queue   []reply
	closing bool
	wake    chan struct{} // a reply was queued or Close was called
	done    chan struct{} // the sender returned
	once    sync.Once
}

// Webhook returns the webhook receiver accepting secrets (the current one
// first; previous ones stay valid during a key rotation) and starts its
// reply sender.
func (b *Bot) Webhook(secrets ...string) (*Webhook, error) {
	w := &Webhook{b: b, wake: make(chan struct{}, 1), done: make(chan struct{})}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		w.secrets = append(w.secrets, sha256.Sum256([]byte(s)))
	}
	if len(w.secrets) == 0 {
		return nil, errors.New("telegram bot: the webhook needs a secret")
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.send()
	return w, nil
}

// ServeHTTP handles one delivery.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		writeProblem(rw, http.StatusMethodNotAllowed, "Telegram delivers updates with POST")
		return
	}
	if !w.authorized(r.Header.Get(WebhookSecretHeader)) {
		writeProblem(rw, http.StatusUnauthorized, WebhookSecretHeader+" is missing or wrong")
		return
	}
	u, status, msg := decodeUpdate(rw, r)
	if status != 0 {
		writeProblem(rw, status, msg)
		return
	}
	rep, handled, err := w.b.process(r.Context(), u, true)
	if err != nil {
		w.b.log.ErrorContext(r.Context(), "telegram webhook update not recorded; Telegram will deliver it again",
			slog.Int("update_id", u.UpdateID), slog.String("error", err.Error()))
		writeProblem(rw, http.StatusInternalServerError, "the update could not be recorded; deliver it again")
		return
	}
	rw.WriteHeader(http.StatusOK)
	if handled {
		w.enqueue(rep)
	}
}

// authorized compares header with each secret in constant time (as
// SHA-256 digests, so that the length does not show either).
func (w *Webhook) authorized(header string) bool {
	if header == "" {
		return false
	}
	got := sha256.Sum256([]byte(header))
	ok := 0
	for _, s := range w.secrets {
		ok |= subtle.ConstantTimeCompare(got[:], s[:])
	}
	return ok == 1
}

// decodeUpdate reads the body as one Update; a non-zero status is the
// refusal, with what was wrong.
func decodeUpdate(rw http.ResponseWriter, r *http.Request) (tgbotapi.Update, int, string) {
	dec := json.NewDecoder(http.MaxBytesReader(rw, r.Body, MaxWebhookBody))
	var u tgbotapi.Update
	tooLarge := func(err error) bool {
		_, ok := errors.AsType[*http.MaxBytesError](err)
		return ok
	}
	if err := dec.Decode(&u); err != nil {
		if tooLarge(err) {
			return u, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", MaxWebhookBody)
		}
		if errors.Is(err, io.EOF) {
			return u, http.StatusBadRequest, "body: is empty; want a Telegram Update object"
		}
		return u, http.StatusBadRequest, "body: is not a Telegram Update object: " + err.Error()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if tooLarge(err) {
			return u, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", MaxWebhookBody)
		}
		return u, http.StatusBadRequest, "body: has more after the Update object"
	}
	if u.UpdateID <= 0 {
		return u, http.StatusBadRequest, "update_id: is missing or not a positive integer"
	}
	return u, 0, ""
}

// writeProblem answers an RFC 9457 problem document, as the API does.
func writeProblem(rw http.ResponseWriter, status int, detail string) {
	rw.Header().Set("Content-Type", "application/problem+json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
}

// enqueue hands a reply to the sender.
func (w *Webhook) enqueue(r reply) {
	w.mu.Lock()
	w.queue = append(w.queue, r)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// send delivers queued replies in order until Close.
func (w *Webhook) send() {
	defer close(w.done)
	for {
		w.mu.Lock()
		if len(w.queue) == 0 {
			closing := w.closing
			w.mu.Unlock()
			if closing {
				return
			}
			<-w.wake
			continue
		}
		r := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		w.b.deliver(w.ctx, r)
	}
}

// Close stops the sender: replies still queued get WebhookDrainTimeout to
// go out, then the rest are dropped (their commands stand).
func (w *Webhook) Close() {
	w.once.Do(func() {
		w.mu.Lock()
		w.closing = true
		w.mu.Unlock()
		select {
		case w.wake <- struct{}{}:
		default:
		}
		select {
		case <-w.done:
		case <-time.After(WebhookDrainTimeout):
			w.cancel()
			<-w.done
		}
		w.cancel()
	})
}
