package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/vigilhq/vigil/health/outcome"
)

// Telegram parse modes for WithTelegramParseMode.
const (
	TelegramPlainText  = ""           // no parse_mode: the text is shown as is (the default)
	TelegramHTML       = "HTML"       // parse_mode HTML
	TelegramMarkdownV2 = "MarkdownV2" // parse_mode MarkdownV2
)

// Telegram limits and defaults.
const (
	// TelegramCaptionLimit is the maximum length of a photo caption, in
	// UTF-16 code units after entity parsing.
	TelegramCaptionLimit = 1024
	// DefaultTelegramTimeout bounds one Bot API request, reply included.
	DefaultTelegramTimeout = 30 * time.Second
	// DefaultTelegramEndpoint is go-telegram-bot-api's endpoint format.
	DefaultTelegramEndpoint = tgbotapi.APIEndpoint
)

// Telegram delivers messages with the Telegram Bot API through
// go-telegram-bot-api, to Destination.TelegramChatID. It is the one
// Telegram client of a process: the notification worker sends with Send
// and SendPhoto, the bot polls with GetUpdates and replies with SendText
// (SendOptions: keyboards, silent delivery, parse mode, waiting out 429s),
// so pacing, the shared gate, error classification and token redaction
// live here only.
//
// Send treats Message.Text as plain text. It cuts text longer than
// TelegramTextLimit into parts with SplitUTF16 (on line boundaries where it
// can) and sends the parts in order; a retry after a failed part sends every
// part again, so a user can see early parts twice. In the HTML and
// MarkdownV2 parse modes each part is escaped, so the user sees the text
// verbatim either way. Before each message it waits, honouring ctx, for its
// TelegramLimiter and then its SendGate.
//
// The outcome of a request is classified as the package documentation
// describes:
//
//   - 429 Too Many Requests: *RetryAfterError with parameters.retry_after
//     (DefaultRetryAfter when absent);
//   - 403 Forbidden ("bot was blocked by the user", "user is deactivated",
//     "bot was kicked from the group chat", ...) and 400 "Bad Request: chat
//     not found": Unreachable;
//   - 401 Unauthorized and 404 Not Found: transient. They mean the bot token
//     or the endpoint is wrong, a deployment problem; retrying keeps the
//     messages until it is fixed;
//   - other 4xx: Permanent;
//   - 5xx, replies that are not Bot API JSON, network errors, timeouts and
//     cancellation: transient.
//
// Error messages name the method and chat id and never contain the token.
type Telegram struct {
	token     string
	bot       *tgbotapi.BotAPI
	client    *http.Client
	limiter   *TelegramLimiter
	gate      SendGate
	parseMode string
	timeout   time.Duration
	sleep     func(ctx context.Context, d time.Duration) error
	unpaced   bool
	outcome   outcome.Recorder
}

var _ Channel = (*Telegram)(nil)

// TelegramOption configures NewTelegram.
type TelegramOption func(*Telegram)

// SendGate is waited on before every request, after the in-process limiter:
// a limit shared by every process that sends for the same bot (Telegram's
// limits are per bot), such as one kept in PostgreSQL.
type SendGate interface {
	Wait(ctx context.Context, chatID int64) error
}

// WithTelegramGate makes the channel wait for g before every request.
func WithTelegramGate(g SendGate) TelegramOption {
	return func(t *Telegram) { t.gate = g }
}

// WithTelegramLimiter makes the channel wait for l, to share one bot's
// limits with the other senders of the process (the bot's replies). The
// default is a limiter of the channel's own.
func WithTelegramLimiter(l *TelegramLimiter) TelegramOption {
	return func(t *Telegram) { t.limiter = l }
}

// WithTelegramUnpaced makes the channel send without a limiter of its own
// (Limiter returns nil); the gate, if any, still applies. It is for a Bot
// API stand-in that keeps no limits (telegramtest.Options.NoLimits), so
// that tests need not wait a second between two messages to a chat.
func WithTelegramUnpaced() TelegramOption {
	return func(t *Telegram) { t.unpaced = true }
}

// WithTelegramParseMode sets the parse mode: TelegramPlainText (the
// default), TelegramHTML or TelegramMarkdownV2.
func WithTelegramParseMode(mode string) TelegramOption {
	return func(t *Telegram) { t.parseMode = mode }
}

// WithTelegramTimeout bounds each Bot API request; the default is
// DefaultTelegramTimeout.
func WithTelegramTimeout(d time.Duration) TelegramOption {
	return func(t *Telegram) { t.timeout = d }
}

// WithTelegramSleepFunc replaces the wait for a 429's retry_after (see
// SendOptions.WaitRetryAfter), which must return early with ctx's error
// when ctx is done. The default sleeps; tests record the wait instead.
func WithTelegramSleepFunc(f func(ctx context.Context, d time.Duration) error) TelegramOption {
	return func(t *Telegram) { t.sleep = f }
}

// NewTelegram returns a Telegram channel for the bot with token.
// apiEndpoint is config's TelegramAPIEndpoint: "" for the library's default
// (DefaultTelegramEndpoint), a format with two %s for the token and method
// like the default, or a base URL such as "http://127.0.0.1:8081", to which
// "/bot%s/%s" is added. It makes no request; see Check.
func NewTelegram(token, apiEndpoint string, opts ...TelegramOption) (*Telegram, error) {
	if strings.TrimSpace(token) == "" || strings.ContainsAny(token, " \t\r\n/") {
		return nil, errors.New("telegram: the bot token is empty or malformed")
	}
	endpoint, err := telegramEndpoint(apiEndpoint)
	if err != nil {
		return nil, err
	}
	t := &Telegram{token: token, timeout: DefaultTelegramTimeout}
	for _, opt := range opts {
		opt(t)
	}
	switch t.parseMode {
	case TelegramPlainText, TelegramHTML, TelegramMarkdownV2:
	default:
		return nil, fmt.Errorf("telegram: unsupported parse mode %q", t.parseMode)
	}
	if t.timeout <= 0 {
		t.timeout = DefaultTelegramTimeout
	}
	if t.client == nil {
		t.client = &http.Client{}
	}
	if t.unpaced {
		t.limiter = nil
	} else if t.limiter == nil {
		t.limiter = NewTelegramLimiter()
	}
	if t.sleep == nil {
		t.sleep = sleepCtx
	}
	// Built by hand rather than with tgbotapi.NewBotAPI*, which calls getMe
	// without a context: constructing the channel must not need Telegram up.
	t.bot = &tgbotapi.BotAPI{Token: token, Client: t.client, Buffer: 100}
	t.bot.SetAPIEndpoint(endpoint)
	return t, nil
}

// telegramEndpoint turns config's TelegramAPIEndpoint into the library's
// endpoint format.
func telegramEndpoint(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DefaultTelegramEndpoint, nil
	}
	if n := strings.Count(raw, "%"); n > 0 {
		if n != 2 || strings.Count(raw, "%s") != 2 {
			return "", fmt.Errorf("telegram: API endpoint %q must hold exactly two %%s (token, method) or none", raw)
		}
	} else {
		raw = strings.TrimRight(raw, "/") + "/bot%s/%s"
	}
	u, err := url.Parse(strings.ReplaceAll(raw, "%s", "x"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("telegram: API endpoint %q is not an http(s) URL", raw)
	}
	return raw, nil
}

// Name returns "telegram".
func (t *Telegram) Name() string { return ChannelTelegram }

// Limiter returns the limiter the channel waits for, to share with the other
// senders of the same bot; nil with WithTelegramUnpaced.
func (t *Telegram) Limiter() *TelegramLimiter { return t.limiter }

// BotID returns the bot's numeric id, the token's part before the colon
// ("" for a token without one).
func (t *Telegram) BotID() string {
	id, _, ok := strings.Cut(t.token, ":")
	if !ok {
		return ""
	}
	return id
}

// Outcome records whether the Bot API answered the channel's requests
// (sends, replies, getUpdates): a request Telegram answered counts as a
// success, even when it refused that one message (a blocked user, a bad
// request); one that retrying could fix (no answer, a timeout, 5xx, 429, a
// refused token) is a failure with its error. Requests the caller
// cancelled record nothing. getMe (Check) is not recorded.
func (t *Telegram) Outcome() *outcome.Recorder { return &t.outcome }

// record records a request's error in the channel's outcome.
func (t *Telegram) record(err error) {
	switch {
	case errors.Is(err, context.Canceled):
	case err == nil || IsPermanent(err):
		t.outcome.Success(time.Now())
	default:
		t.outcome.Failure(time.Now(), err)
	}
}

// Check calls getMe and returns the bot's username: a start-up check of the
// token and endpoint.
func (t *Telegram) Check(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	bot, _ := t.botFor(ctx)
	me, err := bot.GetMe()
	if err != nil {
		return "", t.classify("telegram getMe", err, 0)
	}
	return me.UserName, nil
}

// SendOptions are the options of a message sent with SendText or SendPhoto,
// such as a bot's reply to a command. The zero value sends plain text, with
// a notification, no keyboard, and returns a 429 as *RetryAfterError.
type SendOptions struct {
	// ReplyMarkup is sent as reply_markup: a tgbotapi.InlineKeyboardMarkup,
	// tgbotapi.ReplyKeyboardMarkup, tgbotapi.ReplyKeyboardRemove or
	// tgbotapi.ForceReply (pointers too); nil for none. A text sent in parts
	// carries it on its last part.
	ReplyMarkup any
	// Silent sends with disable_notification: the user gets the message
	// without a sound.
	Silent bool
	// ParseMode is the markup the text (or caption) is written in.
	// TelegramPlainText (the default): plain text, escaped for the channel's
	// parse mode and cut into parts when long, as Send does. TelegramHTML or
	// TelegramMarkdownV2: markup the caller formatted, sent as is in that
	// mode and in one message; Telegram refuses one longer than its limits
	// after entity parsing (Permanent).
	ParseMode string
	// WaitRetryAfter makes a request that Telegram answers with 429 Too Many
	// Requests wait out a retry_after of at most this long and try again,
	// up to MaxTelegramAttempts times in all; each try waits for the limiter
	// and the gate again. 0 returns the 429 as *RetryAfterError at once (a
	// job snoozes instead).
	WaitRetryAfter time.Duration
}

// MaxTelegramAttempts bounds the tries of one request with
// SendOptions.WaitRetryAfter.
const MaxTelegramAttempts = 3

// Request makes a Bot API call whose result is not needed, such as
// deleteWebhook or setMyCommands (method names it in errors), outside the
// flood limits, which are for messages. Errors are classified as for Send.
func (t *Telegram) Request(ctx context.Context, method string, c tgbotapi.Chattable) error {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	bot, client := t.botFor(ctx)
	if _, err := bot.Request(c); err != nil {
		err = t.classify("telegram "+method, err, client.status)
		t.record(err)
		return err
	}
	t.record(nil)
	return nil
}

// Call makes a Bot API request the client library has no config type for
// (setWebhook with secret_token, getWebhookInfo) and returns its result.
// Errors are classified as for Request; the parameters are sent as a form.
func (t *Telegram) Call(ctx context.Context, method string, params tgbotapi.Params) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	bot, client := t.botFor(ctx)
	resp, err := bot.MakeRequest(method, params)
	if err != nil {
		err = t.classify("telegram "+method, err, client.status)
		t.record(err)
		return nil, err
	}
	t.record(nil)
	return resp.Result, nil
}

// GetUpdates long-polls getUpdates with cfg; the request may take
// cfg.Timeout seconds more than the channel's timeout. Errors are
// classified as for Send: a refused token (401 Unauthorized, 404 Not
// Found) still unwraps to the *tgbotapi.Error.
func (t *Telegram) GetUpdates(ctx context.Context, cfg tgbotapi.UpdateConfig) ([]tgbotapi.Update, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout+time.Duration(max(cfg.Timeout, 0))*time.Second)
	defer cancel()
	bot, client := t.botFor(ctx)
	updates, err := bot.GetUpdates(cfg)
	if err != nil {
		err = t.classify("telegram getUpdates", err, client.status)
		t.record(err)
		return nil, err
	}
	t.record(nil)
	return updates, nil
}

// Send delivers m to dest.TelegramChatID, in parts if it is long. The
// Receipt holds the Telegram message ids, comma-separated.
func (t *Telegram) Send(ctx context.Context, dest Destination, m Message) (Receipt, error) {
	chatID := dest.TelegramChatID
	if chatID == 0 {
		return Receipt{}, Permanent(fmt.Errorf("telegram: %w: no chat id", ErrNoDestination))
	}
	if len(telegramParts(m.Text, TelegramTextLimit)) == 0 {
		return Receipt{}, Permanent(fmt.Errorf("telegram sendMessage to chat %d: message %s has no text", chatID, m.MessageID))
	}
	return t.SendText(ctx, chatID, m.Text, SendOptions{Silent: m.Silent})
}

// SendText sends text to chatID with opts: in parts if it is plain text
// longer than TelegramTextLimit, sent in order (a part that fails ends the
// send; the earlier ones stay delivered). The Receipt holds the Telegram
// message ids, comma-separated. Errors are classified as for Send.
func (t *Telegram) SendText(ctx context.Context, chatID int64, text string, opts SendOptions) (Receipt, error) {
	if chatID == 0 {
		return Receipt{}, Permanent(fmt.Errorf("telegram: %w: no chat id", ErrNoDestination))
	}
	if err := checkSendOptions(opts); err != nil {
		return Receipt{}, Permanent(fmt.Errorf("telegram sendMessage to chat %d: %w", chatID, err))
	}
	parts, mode := t.render(text, TelegramTextLimit, opts.ParseMode)
	if len(parts) == 0 {
		return Receipt{}, Permanent(fmt.Errorf("telegram sendMessage to chat %d: no text", chatID))
	}
	ids := make([]string, 0, len(parts))
	for i, part := range parts {
		var markup any
		if i == len(parts)-1 {
			markup = opts.ReplyMarkup
		}
		id, err := t.sendMessage(ctx, chatID, part, mode, markup, opts)
		if err != nil {
			if len(parts) > 1 {
				err = fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
			}
			return Receipt{}, err
		}
		ids = append(ids, id)
	}
	return Receipt{ProviderMessageID: strings.Join(ids, ",")}, nil
}

// SendPhoto sends an image (a PNG chart) to chatID with a caption, written
// as opts.ParseMode says (plain text by default, like Message.Text). A
// plain caption over TelegramCaptionLimit follows the photo as text
// messages instead, the last of which carries opts.ReplyMarkup. Errors are
// classified as for Send.
func (t *Telegram) SendPhoto(ctx context.Context, chatID int64, png []byte, caption string, opts SendOptions) (Receipt, error) {
	if chatID == 0 {
		return Receipt{}, Permanent(fmt.Errorf("telegram: %w: no chat id", ErrNoDestination))
	}
	if len(png) == 0 {
		return Receipt{}, Permanent(fmt.Errorf("telegram sendPhoto to chat %d: no image", chatID))
	}
	if err := checkSendOptions(opts); err != nil {
		return Receipt{}, Permanent(fmt.Errorf("telegram sendPhoto to chat %d: %w", chatID, err))
	}
	photo := tgbotapi.NewPhoto(chatID, tgbotapi.FileBytes{Name: "chart.png", Bytes: png})
	photo.DisableNotification = opts.Silent
	var rest []string
	var restMode string
	if parts, mode := t.render(caption, TelegramCaptionLimit, opts.ParseMode); len(parts) == 1 {
		photo.Caption, photo.ParseMode = parts[0], mode
	} else if len(parts) > 1 {
		rest, restMode = t.render(caption, TelegramTextLimit, opts.ParseMode)
	}
	if len(rest) == 0 {
		photo.ReplyMarkup = opts.ReplyMarkup
	}
	sent, err := t.do(ctx, chatID, "sendPhoto", photo, opts.WaitRetryAfter)
	if err != nil {
		return Receipt{}, err
	}
	ids := []string{strconv.Itoa(sent.MessageID)}
	for i, part := range rest {
		var markup any
		if i == len(rest)-1 {
			markup = opts.ReplyMarkup
		}
		id, err := t.sendMessage(ctx, chatID, part, restMode, markup, opts)
		if err != nil {
			return Receipt{}, fmt.Errorf("caption part %d of %d: %w", i+1, len(rest), err)
		}
		ids = append(ids, id)
	}
	return Receipt{ProviderMessageID: strings.Join(ids, ",")}, nil
}

// sendMessage sends one rendered part and returns its message id.
func (t *Telegram) sendMessage(ctx context.Context, chatID int64, text, mode string, markup any, opts SendOptions) (string, error) {
	msg := tgbotapi.NewMessage(chatID, text)
	msg.ParseMode = mode
	msg.DisableNotification = opts.Silent
	msg.ReplyMarkup = markup
	sent, err := t.do(ctx, chatID, "sendMessage", msg, opts.WaitRetryAfter)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(sent.MessageID), nil
}

// checkSendOptions refuses a parse mode or reply markup the Bot API does
// not know.
func checkSendOptions(opts SendOptions) error {
	switch opts.ParseMode {
	case TelegramPlainText, TelegramHTML, TelegramMarkdownV2:
	default:
		return fmt.Errorf("unsupported parse mode %q", opts.ParseMode)
	}
	switch opts.ReplyMarkup.(type) {
	case nil,
		tgbotapi.InlineKeyboardMarkup, *tgbotapi.InlineKeyboardMarkup,
		tgbotapi.ReplyKeyboardMarkup, *tgbotapi.ReplyKeyboardMarkup,
		tgbotapi.ReplyKeyboardRemove, *tgbotapi.ReplyKeyboardRemove,
		tgbotapi.ForceReply, *tgbotapi.ForceReply:
	default:
		return fmt.Errorf("reply markup of type %T is not a keyboard", opts.ReplyMarkup)
	}
	return nil
}

// render returns the parts to send text as, and their parse mode: plain
// text is cut at limit and escaped for the channel's mode; formatted text
// is one part in its own mode.
func (t *Telegram) render(text string, limit int, mode string) ([]string, string) {
	if mode != TelegramPlainText {
		if strings.TrimSpace(text) == "" {
			return nil, mode
		}
		return []string{text}, mode
	}
	parts := telegramParts(text, limit)
	for i, p := range parts {
		parts[i] = t.format(p)
	}
	return parts, t.parseMode
}

// telegramParts splits text into parts of at most limit UTF-16 code units,
// dropping parts that are only white space (Telegram refuses them).
func telegramParts(text string, limit int) []string {
	var parts []string
	for _, p := range SplitUTF16(text, limit) {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// format escapes a plain-text part for the parse mode.
func (t *Telegram) format(part string) string {
	switch t.parseMode {
	case TelegramHTML:
		return EscapeTelegramHTML(part)
	case TelegramMarkdownV2:
		return EscapeTelegramMarkdownV2(part)
	}
	return part
}

// do makes a request within the limits and classifies its error. With
// waitRetryAfter > 0 it waits out a 429 whose retry_after is at most that
// long and tries again, up to MaxTelegramAttempts times in all.
func (t *Telegram) do(ctx context.Context, chatID int64, method string, c tgbotapi.Chattable, waitRetryAfter time.Duration) (tgbotapi.Message, error) {
	for attempt := 1; ; attempt++ {
		msg, err := t.doOnce(ctx, chatID, method, c)
		after, ok := RetryAfter(err)
		if !ok || after > waitRetryAfter || attempt == MaxTelegramAttempts {
			return msg, err
		}
		if serr := t.sleep(ctx, after); serr != nil {
			return msg, err
		}
	}
}

// doOnce makes one request within the limits and classifies its error.
func (t *Telegram) doOnce(ctx context.Context, chatID int64, method string, c tgbotapi.Chattable) (tgbotapi.Message, error) {
	what := fmt.Sprintf("telegram %s to chat %d", method, chatID)
	if err := ctx.Err(); err != nil {
		return tgbotapi.Message{}, fmt.Errorf("%s: %w", what, err)
	}
	if t.limiter != nil {
		done, err := t.limiter.Wait(ctx, chatID)
		if err != nil {
			return tgbotapi.Message{}, fmt.Errorf("%s: wait for the rate limit: %w", what, err)
		}
		defer done()
	}
	if t.gate != nil {
		if err := t.gate.Wait(ctx, chatID); err != nil {
			return tgbotapi.Message{}, fmt.Errorf("%s: wait for the shared rate limit: %w", what, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	bot, client := t.botFor(ctx)
	msg, err := bot.Send(c)
	if err != nil {
		err = t.classify(what, err, client.status)
		t.record(err)
		return tgbotapi.Message{}, err
	}
	t.record(nil)
	return msg, nil
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// botFor returns a copy of the bot whose requests carry ctx (the library
// makes requests without one), and the client that records the reply status.
func (t *Telegram) botFor(ctx context.Context) (*tgbotapi.BotAPI, *ctxClient) {
	client := &ctxClient{ctx: ctx, client: t.client}
	bot := *t.bot
	bot.Client = client
	return &bot, client
}

// ctxClient puts a context on the library's requests and remembers the
// HTTP status of the reply.
type ctxClient struct {
	ctx    context.Context
	client *http.Client
	status int
}

func (c *ctxClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.client.Do(req.WithContext(c.ctx))
	if resp != nil {
		c.status = resp.StatusCode
	}
	return resp, err
}

// classify wraps a request's error in its class (see Telegram). status is
// the reply's HTTP status, 0 when there was none.
func (t *Telegram) classify(what string, err error, status int) error {
	if apiErr, ok := errors.AsType[*tgbotapi.Error](err); ok {
		e := t.redact(fmt.Errorf("%s: %w", what, err))
		code := apiErr.Code
		if code == 0 {
			// The library leaves Code unset for multipart requests
			// (sendPhoto); the status or the description tells.
			code = status
			if code == 0 || code == http.StatusOK {
				code = telegramCodeFromDescription(apiErr.Message, apiErr.RetryAfter)
			}
		}
		switch {
		case code == http.StatusTooManyRequests:
			after := time.Duration(apiErr.RetryAfter) * time.Second
			if after <= 0 {
				after = DefaultRetryAfter
			}
			return &RetryAfterError{After: min(after, MaxRetryAfter), Err: e}
		case code == http.StatusForbidden:
			return Unreachable(e)
		case code == http.StatusBadRequest && strings.Contains(apiErr.Message, "chat not found"):
			return Unreachable(e)
		case code == http.StatusUnauthorized, code == http.StatusNotFound:
			return e
		case code >= 400 && code <= 499:
			return Permanent(e)
		default:
			return e
		}
	}
	err = unwrapURLError(err)
	if status >= 400 {
		// A reply that was not Bot API JSON, e.g. a proxy's 502 page.
		e := t.redact(fmt.Errorf("%s: HTTP %d %s: %w", what, status, http.StatusText(status), err))
		if status == http.StatusTooManyRequests {
			return &RetryAfterError{After: DefaultRetryAfter, Err: e}
		}
		return e
	}
	return t.redact(fmt.Errorf("%s: %w", what, err))
}

// telegramCodeFromDescription infers the error code from a Bot API
// description ("Bad Request: ...", "Forbidden: ...").
func telegramCodeFromDescription(desc string, retryAfter int) int {
	prefix, _, _ := strings.Cut(desc, ":")
	switch {
	case retryAfter > 0 || prefix == "Too Many Requests":
		return http.StatusTooManyRequests
	case prefix == "Bad Request":
		return http.StatusBadRequest
	case prefix == "Unauthorized":
		return http.StatusUnauthorized
	case prefix == "Forbidden":
		return http.StatusForbidden
	case prefix == "Not Found":
		return http.StatusNotFound
	case prefix == "Conflict":
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// redact hides the bot token should an error message contain it.
func (t *Telegram) redact(err error) error {
	if t.token != "" && strings.Contains(err.Error(), t.token) {
		return &redactedError{err: err, token: t.token}
	}
	return err
}

type redactedError struct {
	err   error
	token string
}

func (e *redactedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.token, "<token>") }
func (e *redactedError) Unwrap() error { return e.err }

var telegramHTMLEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// EscapeTelegramHTML escapes s for parse_mode HTML, replacing the four
// characters the Bot API requires (& < > and, for attribute values, ") with
// the named entities it supports.
func EscapeTelegramHTML(s string) string { return telegramHTMLEscaper.Replace(s) }

// EscapeTelegramMarkdownV2 escapes s for parse_mode MarkdownV2: each of
// _ * [ ] ( ) ~ ` > # + - = | { } . ! and \ gets a preceding backslash.
func EscapeTelegramMarkdownV2(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		if strings.ContainsRune("_*[]()~`>#+-=|{}.!\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
