package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
)

// KindAlertDigest is the River kind of a user's alert digest.
const KindAlertDigest = "alert_digest"

// Bounds of a digest message: the fires it lists one per line, and the
// length of each line.
const (
	digestMaxLines    = 50
	digestMaxLineRune = 300
)

// AlertDigestArgs sends one user's held alert fires of one digest window as
// one message. It is scheduled at the window's end and unique per (user,
// window) among jobs not yet completed.
type AlertDigestArgs struct {
	UserID      int64     `json:"user_id"`
	WindowStart time.Time `json:"window_start"`
}

// Kind is the River kind: "alert_digest".
func (AlertDigestArgs) Kind() string { return KindAlertDigest }

// InsertOpts puts the job on the notification queue.
func (AlertDigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: config.JobNotification, Priority: RiverPriority(notify.PriorityHigh)}
}

// insertOpts schedules the digest at its window's end, once per (user,
// window): a fire held while the digest is waiting or running joins it
// (the digest locks the user's window row first, so it sees every fire
// committed before it); one held after it completed gets a new digest.
func (a AlertDigestArgs) insertOpts(cfg config.Config) *river.InsertOpts {
	o := InsertOpts(cfg, config.JobNotification)
	o.ScheduledAt = a.WindowStart.Add(cfg.DigestWindow.D())
	o.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled}}
	return o
}

// digestNamespace makes a digest's message id from its user, window and
// first fire, so a retried digest notifies with the same id.
var digestNamespace = uuid.MustParse("0c3b6a52-8f0e-5d41-b7a2-91d4e6f3c850")

// AlertDigestWorker sends a user's held alert fires of one window as one
// message, marks them listed and completes the job in one transaction.
type AlertDigestWorker struct {
	river.WorkerDefaults[AlertDigestArgs]
	Pool   *pgxpool.Pool
	Config config.Config
	Logger *slog.Logger
}

// Timeout is the notification type's max_runtime.
func (w *AlertDigestWorker) Timeout(*river.Job[AlertDigestArgs]) time.Duration {
	return w.Config.Job(config.JobNotification).MaxRuntime.D()
}

// NextRetry backs off exponentially from the notification type's retry_delay.
func (w *AlertDigestWorker) NextRetry(job *river.Job[AlertDigestArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobNotification).RetryDelay.D(), job.Attempt)
}

// Work sends the digest.
func (w *AlertDigestWorker) Work(ctx context.Context, job *river.Job[AlertDigestArgs]) error {
	a := job.Args
	q := dbsqlc.New()
	return pgx.BeginFunc(ctx, w.Pool, func(tx pgx.Tx) error {
		// Alert jobs still holding fires of this user hold the row: wait
		// for their commit so their fires are in this digest.
		if err := q.AlertDigestLockUser(ctx, tx, a.UserID); err != nil {
			return fmt.Errorf("lock the digest window of user %d: %w", a.UserID, err)
		}
		held, err := q.AlertHeldFires(ctx, tx, dbsqlc.AlertHeldFiresParams{UserID: a.UserID, DigestWindow: a.WindowStart})
		if err != nil {
			return fmt.Errorf("load held alert fires of user %d: %w", a.UserID, err)
		}
		if len(held) > 0 {
			key := fmt.Sprintf("%d:%s:%d", a.UserID, a.WindowStart.UTC().Format(time.RFC3339Nano), held[0].ID)
			note := NewNotifyArgs(a.UserID, digestMessage(held, a.WindowStart, w.Config), notify.PriorityHigh, notify.TypeAlert)
			note.MessageID = uuid.NewSHA1(digestNamespace, []byte(key)).String()
			ids := make([]int64, len(held))
			for i, h := range held {
				ids[i] = h.ID
			}
			msgID := uuid.MustParse(note.MessageID)
			if err := q.AlertFiresDigested(ctx, tx, dbsqlc.AlertFiresDigestedParams{MessageID: msgID, Ids: ids}); err != nil {
				return fmt.Errorf("mark %d alert fires digested: %w", len(ids), err)
			}
			client := river.ClientFromContext[pgx.Tx](ctx)
			if _, err := client.InsertTx(ctx, tx, note, InsertOpts(w.Config, config.JobNotification)); err != nil {
				return fmt.Errorf("enqueue the digest of user %d: %w", a.UserID, err)
			}
			w.Logger.Info("alert digest sent", "user_id", a.UserID, "window_start", a.WindowStart, "fires", len(held),
				"message_id", note.MessageID)
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete digest job %d: %w", job.ID, err)
		}
		return nil
	})
}

// digestMessage lists held fires, oldest first, one line each.
func digestMessage(held []dbsqlc.AlertHeldFiresRow, start time.Time, cfg config.Config) string {
	var b strings.Builder
	end := start.Add(cfg.DigestWindow.D())
	fmt.Fprintf(&b, "Digest: %d more alert fires between %s and %s UTC (the first %d were sent at once):",
		len(held), start.UTC().Format(time.TimeOnly), end.UTC().Format(time.TimeOnly), cfg.DigestFirst)
	for i, h := range held {
		if i == digestMaxLines {
			fmt.Fprintf(&b, "\n… and %d more: GET /api/runs?job_type=alert lists every run.", len(held)-i)
			break
		}
		line := strings.Join(strings.Fields(h.Message), " ")
		if r := []rune(line); len(r) > digestMaxLineRune {
			line = string(r[:digestMaxLineRune-1]) + "…"
		}
		b.WriteString("\n" + h.FiredAt.UTC().Format(time.TimeOnly) + " #" + strconv.Itoa(int(h.ScheduleID)) + " " + line +
			" (run " + strconv.FormatInt(h.RunID, 10) + ")")
	}
	return b.String()
}
