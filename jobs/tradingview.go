package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/trading"
	"github.com/vigilhq/vigil/tradingview"
)

// KindTradingView is the River kind of a TradingView webhook request.
const KindTradingView = "tradingview_alert"

// TradingViewArgs is one accepted TradingView webhook request: the API
// validated the body and enqueued this job in the transaction that took the
// request from the token's rate limit and recorded its body against
// replays; TradingViewWorker turns it into a notification and stored
// trading-bot actions.
type TradingViewArgs struct {
	// UserID owns the token the request came with.
	UserID int64 `json:"user_id"`
	// ReceivedAt is when the API took the request.
	ReceivedAt time.Time `json:"received_at"`
	// BodySHA256 is the hex SHA-256 of the body (what replays are told by).
	BodySHA256 string `json:"body_sha256"`
	// Alert is the parsed body.
	Alert tradingview.Alert `json:"alert"`
}

// Kind is the River kind: "tradingview_alert".
func (TradingViewArgs) Kind() string { return KindTradingView }

// InsertOpts puts the job on the notification queue: it is a message on its
// way to the user.
func (TradingViewArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: config.JobNotification, Priority: RiverPriority(notify.PriorityHigh)}
}

// tradingViewNamespace makes a request's message id from its job id, so a
// retried job notifies with the same id.
var tradingViewNamespace = uuid.MustParse("6f1d2c9e-4b1a-5c2e-9a57-3e0c8b7d1f42")

// TradingViewWorker delivers TradingView webhook requests: in one
// transaction it stores the body's trading-bot actions (pending, for the
// trading bot service; nothing is executed here) with an audit row each,
// enqueues the notification to the token's owner and completes the job.
type TradingViewWorker struct {
	river.WorkerDefaults[TradingViewArgs]
	Pool   *pgxpool.Pool
	Config config.Config
	Logger *slog.Logger
}

// Timeout is the notification type's max_runtime.
func (w *TradingViewWorker) Timeout(*river.Job[TradingViewArgs]) time.Duration {
	return w.Config.Job(config.JobNotification).MaxRuntime.D()
}

// NextRetry backs off exponentially from the notification type's retry_delay.
func (w *TradingViewWorker) NextRetry(job *river.Job[TradingViewArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobNotification).RetryDelay.D(), job.Attempt)
}

// Work stores the actions, enqueues the notification and completes the job
// in one transaction: a retry after a crash neither loses nor doubles them.
func (w *TradingViewWorker) Work(ctx context.Context, job *river.Job[TradingViewArgs]) error {
	a := job.Args
	log := w.Logger.With("job_id", job.ID, "user_id", a.UserID)
	q := dbsqlc.New()
	err := pgx.BeginFunc(ctx, w.Pool, func(tx pgx.Tx) error {
		lines := make([]string, 0, len(a.Alert.Actions))
		for i, act := range a.Alert.Actions {
			key := "tradingview:" + strconv.FormatInt(job.ID, 10) + ":" + strconv.Itoa(i)
			details, _ := json.Marshal(map[string]any{"river_job_id": job.ID, "body_sha256": a.BodySHA256})
			var size pgtype.Float8
			if act.Side != "exit" {
				size = pgtype.Float8{Float64: act.SizePct, Valid: true}
			}
			id, err := q.TradingActionInsert(ctx, tx, dbsqlc.TradingActionInsertParams{UserID: a.UserID,
				Source: string(audit.SourceWebhook), Key: key, Bot: act.Bot, Symbol: act.Symbol, Side: act.Side,
				SizePct: size, Details: details})
			if err != nil {
				return fmt.Errorf("store trading action %d of tradingview job %d: %w", i, job.ID, err)
			}
			if err := audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: a.UserID, Source: audit.SourceWebhook,
				Action: "trading_action.create", EntityType: "trading_action", EntityID: id,
				Details: map[string]any{"bot": act.Bot, "symbol": act.Symbol, "side": act.Side, "size_pct": act.SizePct,
					"river_job_id": job.ID}}); err != nil {
				return err
			}
			lines = append(lines, actionLine(act, id))
		}
		note := NewNotifyArgs(a.UserID, tradingViewMessage(a.Alert.Message, lines), notify.PriorityHigh, notify.TypeAlert)
		note.MessageID = uuid.NewSHA1(tradingViewNamespace, []byte(strconv.FormatInt(job.ID, 10))).String()
		client := river.ClientFromContext[pgx.Tx](ctx)
		if _, err := client.InsertTx(ctx, tx, note, InsertOpts(w.Config, config.JobNotification)); err != nil {
			return fmt.Errorf("enqueue the notification of tradingview job %d: %w", job.ID, err)
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete tradingview job %d: %w", job.ID, err)
		}
		log.Info("tradingview alert delivered", "message_id", note.MessageID, "actions", len(lines),
			"ticker", a.Alert.Ticker, "body_sha256", a.BodySHA256)
		return nil
	})
	return err
}

// actionLine describes a stored action in the notification.
func actionLine(act trading.Action, id int64) string {
	what := act.Side + " " + act.Symbol
	if act.Side != "exit" {
		what = fmt.Sprintf("%s %s%% of %s", act.Side, strconv.FormatFloat(act.SizePct, 'f', -1, 64), act.Symbol)
	}
	return fmt.Sprintf("Action #%d for trading bot %s: %s (queued for its next decision)", id, act.Bot, what)
}

// tradingViewMessage is the notification text: the alert's message, then
// one line per stored action.
func tradingViewMessage(message string, actionLines []string) string {
	if len(actionLines) == 0 {
		return message
	}
	return message + "\n" + strings.Join(actionLines, "\n")
}
