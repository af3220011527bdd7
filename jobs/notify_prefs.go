package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/userprefs"
)

// ChannelNone is the channel of a notification row that no channel got:
// its type is off in the user's preferences (status suppressed).
const ChannelNone = "none"

// suppress records a message whose type the user turned off (status
// suppressed, the reason as its error) and completes the job: nothing is
// sent.
func (w *NotifyWorker) suppress(ctx context.Context, job *river.Job[NotifyArgs], runID *int64, msgID uuid.UUID,
	reason string, log *slog.Logger) error {
	a := job.Args
	if err := dbsqlc.New().NotificationSuppress(ctx, w.Pool, dbsqlc.NotificationSuppressParams{
		MessageID: msgID, UserID: &a.UserID, RunID: runID, Channel: ChannelNone, Priority: a.Priority,
		NotificationType: a.NotificationType, Message: a.Message, Reason: reason, RiverJobID: &job.ID}); err != nil {
		return fmt.Errorf("record suppressed notification: %w", err)
	}
	w.Metrics.Notification(ChannelNone, "suppressed")
	log.Info("notification suppressed", "notification_type", a.NotificationType, "reason", reason)
	return nil
}

// quietUntil is when the user's quiet hours end if they hold a message of
// priority now, else the zero time: no quiet hours, outside the window, an
// urgent message, or one that is only recorded (channel log).
func (w *NotifyWorker) quietUntil(user dbsqlc.User, priority string, channels []string, log *slog.Logger) time.Time {
	q, ok, err := userprefs.QuietOf(user)
	if err != nil {
		log.Warn("quiet hours", "error", err)
	}
	if !ok || !slices.ContainsFunc(channels, func(c string) bool { return c != notify.ChannelLog }) {
		return time.Time{}
	}
	return q.Hold(w.now(), priority)
}

// hold records the message as held on each of its channels (a channel that
// already delivered it keeps its row) and snoozes the job until the quiet
// hours end; River does not count a snooze as an attempt.
func (w *NotifyWorker) hold(ctx context.Context, job *river.Job[NotifyArgs], runID *int64, msgID uuid.UUID,
	channels []string, until time.Time, log *slog.Logger) error {
	a := job.Args
	reason := "quiet hours until " + until.UTC().Format(time.RFC3339)
	for _, ch := range channels {
		if err := dbsqlc.New().NotificationHold(ctx, w.Pool, dbsqlc.NotificationHoldParams{
			MessageID: msgID, UserID: &a.UserID, RunID: runID, Channel: ch, Priority: a.Priority,
			NotificationType: a.NotificationType, Message: a.Message, Reason: reason, RiverJobID: &job.ID}); err != nil {
			return fmt.Errorf("record held notification: %w", err)
		}
		w.Metrics.Notification(ch, "held")
	}
	log.Info("notification held by quiet hours", "until", until, "channels", channels)
	return river.JobSnooze(until.Sub(w.now()))
}
