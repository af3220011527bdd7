// Package bot is Vigil's Telegram bot: it long-polls the Bot API for
// updates and turns users' commands (/alert, /schedule, /pause, ...) into
// rows of job_schedules, which the scheduler plans and fires.
//
// The position in the update stream (the getUpdates offset) is stored in
// PostgreSQL (table telegram_state) in the same transaction as the writes of
// the command an update carries, so a restart neither loses nor replays a
// command. Replies are sent after that transaction commits: a crash between
// the two loses a reply, never a command, and never repeats one.
//
// Users register with /start (pending) and verify with a one-time invite code
// (CreateInvite, `vigil users invite`) or an admin's /approve. Until then
// only /start, /help and /verify answer. Every schedule query is scoped to its
// owner in SQL: users see and change only their own schedules.
//
// /alert … test and /alerttest ID backtest an alert (alertbacktest) over
// the last 90 days instead of creating it: the reply is the count, the last
// triggers and a chart, and the backtest is recorded as the user's ad-hoc
// run.
//
// /report and /screener run a report or screener now through a RunNower (a
// PENDING ad-hoc run and its job, in the update's transaction); the worker
// sends the result to the user. /portfolio, /portfolios, /set and /sets
// manage the user's portfolios and screener sets.
//
// /backtest STRATEGY TICKER [FROM] [TO] backtests a trading strategy
// (package backtests) on daily bars and replies with its figures and an
// equity chart; it stores nothing.
//
// The command syntax is parsed by the pure ParseCommand and ParseAlert.
//
// The bot talks to Telegram only through notify.Telegram, the channel the
// notifications use: its replies keep the same flood limits (the process's
// limiter and the gate shared across processes), 429s are classified and
// waited out there, and the token is redacted there. It does not import
// jobs: the ad-hoc runs come through the RunNower it is given.
package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/alertbacktest"
	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingbot"
	"github.com/vigilhq/vigil/useremail"
)

// DefaultPollTimeout is the getUpdates long-poll timeout, the default of
// Options.PollTimeout.
const DefaultPollTimeout = 30 * time.Second

// ReplyWaitRetryAfter is the longest retry_after a reply waits out before
// it is tried again (notify.SendOptions.WaitRetryAfter): a reply has no job
// to snooze, and a user waits for it.
const ReplyWaitRetryAfter = time.Minute

// Options configure New.
type Options struct {
	// Pool is the database.
	Pool *pgxpool.Pool
	// Telegram is the Bot API client the bot polls and replies through.
	// Pass the notification channel (or one built with the same gate) so
	// that replies and notifications keep the bot's limits together.
	Telegram *notify.Telegram
	// Config supplies MinInterval and MaxSchedulesPerUser.
	Config config.Config
	// Validator checks task_params against the job type's schema.
	Validator *schemas.Validator
	// Schedules runs /alert, /schedule, /pause, /resume and /delete (the
	// same rules and audit as the API); it needs Runs for /delete.
	Schedules *schedules.Service
	// Runs starts the ad-hoc runs of /report and /screener (cmd/vigil
	// passes the jobs client's). nil: those two commands answer that they
	// are not available here; every other command works.
	Runs RunNower
	// Market serves the bars of /alert … test and /alerttest (cmd/vigil
	// passes the jobs client's market-data manager). nil: those answer that
	// backtests are not available here.
	Market alertbacktest.Source
	// Backtests runs /backtest (cmd/vigil passes one over the market-data
	// manager). nil: /backtest answers that it is not available here.
	Backtests *backtests.Runner
	// Email mails the confirmation codes of /email (the email channel);
	// nil: /email ADDRESS answers that email is not configured here.
	Email useremail.Sender
	// Logger logs; nil discards.
	Logger *slog.Logger
	// PollTimeout is the long-poll timeout; 0 means DefaultPollTimeout.
	PollTimeout time.Duration
	// WebhookCheckInterval is how often RunWebhook asks getWebhookInfo
	// whether the webhook is still set and delivering; 0 means
	// DefaultWebhookCheckInterval.
	WebhookCheckInterval time.Duration
	// NowFunc is the clock of /next; nil means time.Now.
	NowFunc func() time.Time
}

// Bot is the Telegram bot. Run polls and Handle handles one polled update;
// RunWebhook registers the webhook that Webhook receives.
type Bot struct {
	pool        *pgxpool.Pool
	q           *dbsqlc.Queries
	tg          *notify.Telegram
	botID       string
	cfg         config.Config
	validator   *schemas.Validator
	schedules   *schedules.Service
	runs        RunNower
	market      alertbacktest.Source
	backtests   *backtests.Runner
	trading     *tradingbot.Service
	email       useremail.Sender
	log         *slog.Logger
	pollTimeout time.Duration
	checkEvery  time.Duration
	now         func() time.Time
}

// New returns a bot; it makes no request.
func New(opts Options) (*Bot, error) {
	if opts.Pool == nil {
		return nil, errors.New("telegram bot: no database pool")
	}
	if opts.Validator == nil {
		return nil, errors.New("telegram bot: no schema validator")
	}
	if opts.Schedules == nil {
		return nil, errors.New("telegram bot: no schedule service")
	}
	if opts.Telegram == nil {
		return nil, errors.New("telegram bot: no Telegram client")
	}
	botID := opts.Telegram.BotID()
	if botID == "" {
		return nil, errors.New("telegram bot: the bot token is malformed (want <bot id>:<secret>)")
	}
	b := &Bot{
		pool:        opts.Pool,
		q:           dbsqlc.New(),
		tg:          opts.Telegram,
		botID:       botID,
		cfg:         opts.Config,
		validator:   opts.Validator,
		schedules:   opts.Schedules,
		runs:        opts.Runs,
		market:      opts.Market,
		backtests:   opts.Backtests,
		email:       opts.Email,
		log:         opts.Logger,
		pollTimeout: opts.PollTimeout,
		checkEvery:  opts.WebhookCheckInterval,
		now:         opts.NowFunc,
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.pollTimeout <= 0 {
		b.pollTimeout = DefaultPollTimeout
	}
	if b.checkEvery <= 0 {
		b.checkEvery = DefaultWebhookCheckInterval
	}
	if b.now == nil {
		b.now = time.Now
	}
	var err error
	if b.trading, err = tradingbot.NewService(opts.Validator, b.log); err != nil {
		return nil, err
	}
	kr, _ := opts.Config.Keyring() // a bad key fails config validation; without one no user has credentials
	b.trading.UseBrokers(tradingbot.NewAlpacaBrokers(kr, opts.Config.AlpacaKeyID, opts.Config.AlpacaSecretKey, opts.Config.AlpacaBaseURL))
	return b, nil
}

// Run deletes any webhook, registers the commands with setMyCommands and
// long-polls getUpdates until ctx is done, handling each update exactly
// once. Telegram or the database being unreachable is logged and retried
// with backoff; Run returns nil when ctx is cancelled, and an error only for
// a token Telegram refuses (401 Unauthorized, 404 Not Found).
func (b *Bot) Run(ctx context.Context) error {
	backoff := time.Second
	pause := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Minute)
		return true
	}
	var offset int64
	for {
		var err error
		offset, err = b.startup(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		if refused(err) {
			return err
		}
		b.log.WarnContext(ctx, "telegram bot start-up failed", slog.String("error", err.Error()), slog.Duration("retry_in", backoff))
		if !pause() {
			return nil
		}
	}
	b.log.InfoContext(ctx, "telegram bot polling", slog.Int64("update_offset", offset))
	backoff = time.Second
	for ctx.Err() == nil {
		updates, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if refused(err) {
				return err
			}
			b.log.WarnContext(ctx, "telegram getUpdates failed", slog.String("error", err.Error()), slog.Duration("retry_in", backoff))
			pause()
			continue
		}
		failed := false
		for _, u := range updates {
			if err := b.Handle(ctx, u); err != nil {
				if ctx.Err() == nil {
					// Not recorded as handled: poll again from the stored
					// offset after a pause.
					b.log.ErrorContext(ctx, "telegram update failed", slog.Int("update_id", u.UpdateID), slog.String("error", err.Error()))
					failed = true
				}
				break
			}
		}
		next, err := b.loadOffset(ctx)
		if err != nil && ctx.Err() == nil {
			// Keep the old offset: Handle skips what was handled already.
			b.log.ErrorContext(ctx, "telegram bot: load update offset failed", slog.String("error", err.Error()))
			failed = true
		} else if err == nil {
			offset = next
		}
		if failed {
			pause()
		} else {
			backoff = time.Second
		}
	}
	return nil
}

// startup deletes any webhook, sets the commands and returns the stored offset.
func (b *Bot) startup(ctx context.Context) (int64, error) {
	if err := b.tg.Request(ctx, "deleteWebhook", tgbotapi.DeleteWebhookConfig{}); err != nil {
		return 0, err
	}
	if err := b.tg.Request(ctx, "setMyCommands", tgbotapi.NewSetMyCommands(BotCommands()...)); err != nil {
		return 0, err
	}
	if err := b.prune(ctx, b.pool); err != nil {
		return 0, err
	}
	return b.loadOffset(ctx)
}

// refused reports whether Telegram refused the token: retrying cannot help.
func refused(err error) bool {
	apiErr, ok := errors.AsType[*tgbotapi.Error](err)
	return ok && (apiErr.Code == http.StatusUnauthorized || apiErr.Code == http.StatusNotFound)
}

// loadOffset returns the stored offset, creating the bot's row.
func (b *Bot) loadOffset(ctx context.Context) (int64, error) {
	if err := b.q.TelegramStateEnsure(ctx, b.pool, b.botID); err != nil {
		return 0, fmt.Errorf("telegram bot: create update offset: %w", err)
	}
	offset, err := b.q.TelegramStateGet(ctx, b.pool, b.botID)
	if err != nil {
		return 0, fmt.Errorf("telegram bot: load update offset: %w", err)
	}
	return offset, nil
}

// getUpdates long-polls from offset, which also confirms the updates before
// it to Telegram.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]tgbotapi.Update, error) {
	cfg := tgbotapi.NewUpdate(int(offset))
	cfg.Timeout = int(b.pollTimeout / time.Second)
	cfg.AllowedUpdates = []string{"message"}
	return b.tg.GetUpdates(ctx, cfg)
}

// Handle handles one polled update exactly once: in one transaction it
// checks the update against the stored offset (an update before it was
// handled already and is ignored, as is one a webhook delivery handled),
// carries out the command and advances the offset; then it sends the
// reply. A command that fails unexpectedly is rolled back and answered with
// an apology, and the offset still advances, so one bad update cannot stop
// the bot. The error is for a database that cannot record the update.
func (b *Bot) Handle(ctx context.Context, u tgbotapi.Update) error {
	r, handled, err := b.process(ctx, u, false)
	if err != nil || !handled {
		return err
	}
	b.deliver(ctx, r)
	return nil
}

// process carries out update u in its transaction (see Handle; webhook:
// see handleWebhook) and returns the reply to send once it committed, and
// false for an update handled before.
func (b *Bot) process(ctx context.Context, u tgbotapi.Update, webhook bool) (reply, bool, error) {
	if err := b.q.TelegramStateEnsure(ctx, b.pool, b.botID); err != nil {
		return reply{}, false, fmt.Errorf("telegram bot: create update offset: %w", err)
	}
	var r reply
	handled, err := b.inTx(ctx, u, webhook, func(tx pgx.Tx) error {
		var err error
		r, err = b.dispatch(ctx, tx, u)
		return err
	})
	if err != nil && ctx.Err() == nil {
		b.log.ErrorContext(ctx, "telegram command failed", slog.Int("update_id", u.UpdateID), slog.String("error", err.Error()))
		if handled, err = b.inTx(ctx, u, webhook, func(pgx.Tx) error { return nil }); err != nil {
			return reply{}, false, err
		}
		r = reply{chatID: chatOf(u), text: "Sorry, something went wrong on our side. Nothing was changed; please try again."}
	} else if err != nil {
		return reply{}, false, err
	}
	return r, handled, nil
}

// deliver sends a handled update's reply: the confirmation mail of /email,
// the text, the chart and the messages to others.
func (b *Bot) deliver(ctx context.Context, r reply) {
	if r.mail != nil {
		r.text = b.sendConfirmation(ctx, *r.mail)
	}
	if r.chatID != 0 && r.text != "" {
		b.send(ctx, r.chatID, r.text, notify.SendOptions{})
	}
	if r.chatID != 0 && len(r.photo) > 0 {
		b.sendPhoto(ctx, r.chatID, r.photo, r.caption)
	}
	for _, m := range r.also {
		b.send(ctx, m.chatID, m.text, notify.SendOptions{})
	}
}

// inTx runs fn for update u in a transaction that locks the bot's offset
// row (one update at a time, whichever way it came) and records u as
// handled: a polled update advances the offset past it, a webhook update
// is added to telegram_updates (webhook updates can come out of order, so
// the offset stays the polling position). It reports false, without
// running fn, when u was handled before: below the offset, or in
// telegram_updates.
func (b *Bot) inTx(ctx context.Context, u tgbotapi.Update, webhook bool, fn func(pgx.Tx) error) (bool, error) {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("telegram bot: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	offset, err := b.q.TelegramStateLock(ctx, tx, b.botID)
	if err != nil {
		return false, fmt.Errorf("telegram bot: lock update offset: %w", err)
	}
	if int64(u.UpdateID) < offset {
		return false, nil
	}
	setOffset := func() error {
		err := b.q.TelegramStateSetOffset(ctx, tx, dbsqlc.TelegramStateSetOffsetParams{BotID: b.botID, UpdateOffset: int64(u.UpdateID) + 1})
		if err != nil {
			return fmt.Errorf("telegram bot: store update offset: %w", err)
		}
		return nil
	}
	if webhook {
		if _, err := b.q.TelegramUpdateClaim(ctx, tx, dbsqlc.TelegramUpdateClaimParams{BotID: b.botID, UpdateID: int64(u.UpdateID)}); errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("telegram bot: record update %d: %w", u.UpdateID, err)
		}
		if u.UpdateID%webhookPruneEvery == 0 {
			if err := b.prune(ctx, tx); err != nil {
				return false, err
			}
		}
	} else {
		seen, err := b.q.TelegramUpdateHandled(ctx, tx, dbsqlc.TelegramUpdateHandledParams{BotID: b.botID, UpdateID: int64(u.UpdateID)})
		if err != nil {
			return false, fmt.Errorf("telegram bot: look up update %d: %w", u.UpdateID, err)
		}
		if seen {
			// A webhook delivery handled it and Telegram never heard: move
			// the offset past it, so that the next poll confirms it.
			if err := setOffset(); err != nil {
				return false, err
			}
			if err := tx.Commit(ctx); err != nil {
				return false, fmt.Errorf("telegram bot: commit update %d: %w", u.UpdateID, err)
			}
			return false, nil
		}
	}
	if err := fn(tx); err != nil {
		return false, err
	}
	if !webhook {
		if err := setOffset(); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("telegram bot: commit update %d: %w", u.UpdateID, err)
	}
	return true, nil
}

// prune forgets handled webhook updates older than WebhookRetention.
func (b *Bot) prune(ctx context.Context, q dbsqlc.DBTX) error {
	_, err := b.q.TelegramUpdatePrune(ctx, q, dbsqlc.TelegramUpdatePruneParams{BotID: b.botID, OlderThanSeconds: WebhookRetention.Seconds()})
	if err != nil {
		return fmt.Errorf("telegram bot: prune handled webhook updates: %w", err)
	}
	return nil
}

func chatOf(u tgbotapi.Update) int64 {
	if u.Message != nil && u.Message.Chat != nil {
		return u.Message.Chat.ID
	}
	return 0
}

// send delivers a reply through the Telegram channel: plain text, in parts
// if long, with opts (a keyboard, silent delivery) and a 429 of up to
// ReplyWaitRetryAfter waited out. Failures are logged: the command stands
// either way.
func (b *Bot) send(ctx context.Context, chatID int64, text string, opts notify.SendOptions) {
	opts.WaitRetryAfter = max(opts.WaitRetryAfter, ReplyWaitRetryAfter)
	if _, err := b.tg.SendText(ctx, chatID, text, opts); err != nil {
		b.log.WarnContext(ctx, "telegram reply failed", slog.Int64("chat_id", chatID), slog.String("error", err.Error()))
	}
}

// sendPhoto delivers a chart after a reply's text, like send.
func (b *Bot) sendPhoto(ctx context.Context, chatID int64, png []byte, caption string) {
	opts := notify.SendOptions{WaitRetryAfter: ReplyWaitRetryAfter}
	if _, err := b.tg.SendPhoto(ctx, chatID, png, caption, opts); err != nil {
		b.log.WarnContext(ctx, "telegram photo reply failed", slog.Int64("chat_id", chatID), slog.String("error", err.Error()))
	}
}

// BotCommands returns the commands registered with setMyCommands, in /help
// order.
func BotCommands() []tgbotapi.BotCommand {
	cmds := make([]tgbotapi.BotCommand, 0, len(commandOrder))
	for _, name := range commandOrder {
		cmds = append(cmds, tgbotapi.BotCommand{Command: name, Description: descriptions[name]})
	}
	return cmds
}

// ErrNotAdmin is returned by CreateInvite for a creator who is not an admin.
var ErrNotAdmin = errors.New("not an admin")

// CreateInvite stores a new one-time invite code, valid for 7 days, and
// returns it; only its SHA-256 is stored, so it can be shown only now.
// adminUserID is the admin who creates it, 0 for the operator (the CLI).
func CreateInvite(ctx context.Context, q dbsqlc.DBTX, adminUserID int64) (string, error) {
	queries := dbsqlc.New()
	var createdBy *int64
	if adminUserID != 0 {
		u, err := queries.UserGetByID(ctx, q, adminUserID)
		if err != nil {
			return "", fmt.Errorf("create invite: load user %d: %w", adminUserID, db.Translate(err))
		}
		if !u.IsAdmin {
			return "", fmt.Errorf("create invite: user %d: %w", adminUserID, ErrNotAdmin)
		}
		createdBy = &adminUserID
	}
	code := newInviteCode()
	if err := queries.InviteCreate(ctx, q, dbsqlc.InviteCreateParams{CodeHash: hashCode(code), CreatedBy: createdBy}); err != nil {
		return "", fmt.Errorf("create invite: %w", db.Translate(err))
	}
	return code, nil
}

// newInviteCode returns a code like K3MQ-XP2H-RTA7: 12 base32 characters,
// 60 random bits.
func newInviteCode() string {
	t := rand.Text()
	return t[0:4] + "-" + t[4:8] + "-" + t[8:12]
}

// hashCode normalises a code as typed (case, dashes, spaces) and hashes it.
func hashCode(code string) []byte {
	norm := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	sum := sha256.Sum256([]byte(norm))
	return sum[:]
}
