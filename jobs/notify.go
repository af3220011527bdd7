package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/preferences"
	"github.com/vigilhq/vigil/useremail"
	"github.com/vigilhq/vigil/userprefs"
)

// NotifyArgs delivers one message to one user over their channels. Delivery is
// at least once; MessageID is the idempotency key receivers can use.
type NotifyArgs struct {
	// Run is set when a notification schedule fired the job; the job is
	// that run's (run tracking records its outcome on it).
	Run *RunRef `json:"run,omitempty"`
	// CauseRunID is the run whose outcome caused the notification (an
	// alert run that fired): notifications.run_id links the message to it,
	// but the job is not that run's and does not touch its outcome.
	CauseRunID       int64  `json:"cause_run_id,omitempty"`
	MessageID        string `json:"message_id"`
	UserID           int64  `json:"user_id"`
	Message          string `json:"message"`
	Priority         string `json:"priority"`
	NotificationType string `json:"notification_type"`
	// Channels, when set, were chosen for this message (an alert's
	// notify.channels, POST /api/notify channels): they beat the user's
	// per-type preferences.
	Channels []string `json:"channels,omitempty"`
	// DefaultChannels are the message's channels when Channels is empty and
	// the user has no preference for its type: an alert that names no
	// channel goes to telegram. Empty: every channel the user has an
	// address on.
	DefaultChannels []string `json:"default_channels,omitempty"`
	// Attachments are images stored in report_artifacts (report charts),
	// sent after the text on channels that show images (Telegram), each
	// tracked as its own delivery; other channels get the text only.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment names an artifact of a run to send with a notification.
type Attachment struct {
	RunID   int64  `json:"run_id"`
	Name    string `json:"name"`
	Caption string `json:"caption,omitempty"`
}

// photoSender is a channel that can deliver an image (notify.Telegram).
type photoSender interface {
	SendPhoto(ctx context.Context, chatID int64, png []byte, caption string, opts notify.SendOptions) (notify.Receipt, error)
}

// Kind is the River kind: "notification".
func (NotifyArgs) Kind() string { return config.JobNotification }

// InsertOpts puts the job on its own queue with the priority's River priority.
func (a NotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: config.JobNotification, Priority: RiverPriority(a.Priority)}
}

// RiverPriority maps a notification priority to River's (1 is first).
func RiverPriority(p string) int {
	switch p {
	case notify.PriorityUrgent:
		return 1
	case notify.PriorityHigh:
		return 2
	default:
		return 3
	}
}

// NewNotifyArgs fills the defaults of a notification.
func NewNotifyArgs(userID int64, message, priority, notificationType string) NotifyArgs {
	return NotifyArgs{
		MessageID: uuid.NewString(), UserID: userID, Message: message,
		Priority:         cmp.Or(priority, notify.PriorityNormal),
		NotificationType: cmp.Or(notificationType, notify.TypeAlert),
	}
}

// buildNotifyArgs turns fires of notification schedules (task_params: the
// design's notification request) into NotifyArgs.
func buildNotifyArgs(fires []Fire) ([]argsWithRuns, error) {
	out := make([]argsWithRuns, 0, len(fires))
	for _, f := range fires {
		var p struct {
			UserID           int64    `json:"user_id"`
			Message          string   `json:"message"`
			Priority         string   `json:"priority"`
			NotificationType string   `json:"notification_type"`
			Channels         []string `json:"channels"`
		}
		if err := json.Unmarshal(f.Params, &p); err != nil {
			return nil, fmt.Errorf("notification schedule %d task_params: %w", f.Run.ScheduleID, err)
		}
		a := NewNotifyArgs(cmp.Or(p.UserID, f.Run.UserID), p.Message, p.Priority, p.NotificationType)
		run := f.Run
		a.Run, a.Channels = &run, p.Channels
		out = append(out, argsWithRuns{args: a, runs: []RunRef{f.Run}, jitter: f.Jitter})
	}
	return out, nil
}

// NotifyWorker delivers NotifyArgs over the user's channels and logs every
// attempt in the notifications table. A user with no channel gets the message
// recorded there (and in the log), so nothing is dropped.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	Pool     *pgxpool.Pool
	Config   config.Config
	Channels map[string]notify.Channel
	Logger   *slog.Logger
	Metrics  *metrics.Metrics
	// NowFunc is the clock quiet hours are read on (nil: time.Now).
	NowFunc func() time.Time
}

func (w *NotifyWorker) now() time.Time {
	if w.NowFunc != nil {
		return w.NowFunc()
	}
	return time.Now()
}

// Timeout is the notification type's max_runtime.
func (w *NotifyWorker) Timeout(*river.Job[NotifyArgs]) time.Duration {
	return w.Config.Job(config.JobNotification).MaxRuntime.D()
}

// NextRetry backs off exponentially from the type's retry_delay.
func (w *NotifyWorker) NextRetry(job *river.Job[NotifyArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobNotification).RetryDelay.D(), job.Attempt)
}

// Work routes the message by the user's per-type preferences (explicit
// channels win; a type turned off is recorded as suppressed), holds it
// while the user's quiet hours last unless it is urgent (the job snoozes
// until the window ends, each channel's row held), and delivers it on each
// channel not yet delivered (silently on Telegram when the type is silent).
func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	a := job.Args
	log := w.Logger.With("river_job_id", job.ID, "user_id", a.UserID, "message_id", a.MessageID)
	q := dbsqlc.New()
	msgID, err := uuid.Parse(a.MessageID)
	if err != nil {
		return river.JobCancel(fmt.Errorf("notification message_id %q: %w", a.MessageID, err))
	}
	user, err := q.UserGetByID(ctx, w.Pool, a.UserID)
	if err != nil {
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return river.JobCancel(fmt.Errorf("notify user %d: no such user", a.UserID))
		}
		return fmt.Errorf("load user %d: %w", a.UserID, err)
	}
	if user.UnreachableAt != nil {
		return river.JobCancel(fmt.Errorf("notify user %d: unreachable since %s (%s)", a.UserID,
			user.UnreachableAt.Format(time.RFC3339), deref(user.UnreachableReason)))
	}
	dest := notify.Destination{WebhookURL: deref(user.WebhookUrl), TelegramChatID: derefInt(user.TelegramChatID),
		Email: useremail.Deliverable(user)}
	if user.WebhookSecret != nil {
		secret, err := openWebhookSecret(w.Config, user.ID, *user.WebhookSecret)
		if err != nil {
			// The key is missing or wrong: an operator's fix, after which
			// the retry delivers; never an unsigned or wrongly signed send.
			return fmt.Errorf("notify user %d: %w", a.UserID, err)
		}
		dest.WebhookSecret = secret
	}
	var runID *int64
	switch {
	case a.Run != nil:
		runID = &a.Run.RunID
	case a.CauseRunID != 0:
		runID = &a.CauseRunID
	}
	prefs, err := userprefs.Prefs(ctx, w.Pool, a.UserID)
	if err != nil {
		return err
	}
	route := preferences.Decide(a.NotificationType, a.Channels, prefs, a.DefaultChannels, w.defaultChannels(dest))
	if route.Suppressed != "" {
		return w.suppress(ctx, job, runID, msgID, route.Suppressed, log)
	}
	channels := make([]string, 0, len(route.Channels))
	for _, name := range route.Channels {
		if _, ok := w.Channels[name]; !ok || !hasDestination(name, dest) {
			// A channel this deployment does not run, or one the user has no
			// address on: record the message, do not drop it.
			name = notify.ChannelLog
		}
		if !slices.Contains(channels, name) {
			channels = append(channels, name)
		}
	}
	if until := w.quietUntil(user, a.Priority, channels, log); !until.IsZero() {
		return w.hold(ctx, job, runID, msgID, channels, until, log)
	}
	msg := notify.Message{MessageID: a.MessageID, UserID: a.UserID, Text: a.Message, Priority: a.Priority,
		Type: a.NotificationType, Attempt: job.Attempt, CreatedAt: job.CreatedAt, Silent: route.Silent}

	var firstErr error
	var failingSince time.Time // first attempt of the first failed part
	var failedChannel string
	sent := 0
	for _, name := range channels {
		ch := w.Channels[name]
		chMsg := msg
		ps, photos := ch.(photoSender)
		embedder, embeds := ch.(notify.ImageEmbedder)
		embeds = embeds && embedder.EmbedsImages()
		if !photos && !embeds && len(a.Attachments) > 0 {
			// A channel that cannot show images gets where to download them.
			chMsg.Text = withAttachmentLinks(msg.Text, a.Attachments)
		}
		send := func() (notify.Receipt, error) { return ch.Send(ctx, dest, chMsg) }
		if embeds && len(a.Attachments) > 0 {
			// Text and images in one message (email).
			send = func() (notify.Receipt, error) {
				withImages, err := w.withImages(ctx, chMsg, a.Attachments)
				if err != nil {
					return notify.Receipt{}, err
				}
				return ch.Send(ctx, dest, withImages)
			}
		}
		parts := []deliveryPart{{id: msgID, text: chMsg.Text, send: send}}
		if photos {
			for _, at := range a.Attachments {
				parts = append(parts, deliveryPart{id: uuid.NewSHA1(msgID, []byte("attachment:"+at.Name)),
					text: cmp.Or(at.Caption, at.Name), send: func() (notify.Receipt, error) {
						art, err := q.ArtifactGet(ctx, w.Pool, dbsqlc.ArtifactGetParams{RunID: at.RunID, Name: at.Name})
						if err != nil {
							return notify.Receipt{}, notify.Permanent(fmt.Errorf("load artifact %s of run %d: %w", at.Name, at.RunID, err))
						}
						return ps.SendPhoto(ctx, dest.TelegramChatID, art.Data, at.Caption, notify.SendOptions{Silent: route.Silent})
					}})
			}
		}
		channelOK := true
		for i, part := range parts {
			delivered, sendErr, since, err := w.deliver(ctx, job, a, runID, name, part)
			if err != nil {
				return err
			}
			if sendErr == nil {
				if delivered {
					log.Info("notification delivered", "channel", name, "attempt", job.Attempt, "part", part.id)
				}
				continue
			}
			log.Warn("notification attempt failed", "channel", name, "attempt", job.Attempt, "part", part.id, "error", sendErr)
			if notify.IsUnreachable(sendErr) {
				if err := q.UserMarkUnreachable(ctx, w.Pool, dbsqlc.UserMarkUnreachableParams{
					ID: a.UserID, Reason: ptr(sendErr.Error())}); err != nil {
					return fmt.Errorf("mark user %d unreachable: %w", a.UserID, err)
				}
			}
			if notify.IsBouncing(sendErr) && name == notify.ChannelEmail {
				if err := w.markBouncing(ctx, a.UserID, dest.Email, sendErr); err != nil {
					return err
				}
			}
			if i > 0 && notify.IsPermanent(sendErr) && !notify.IsUnreachable(sendErr) {
				// A chart that cannot be sent (recorded as failed) does not
				// fail the message: the text and the other charts still go.
				continue
			}
			channelOK = false
			if firstErr == nil {
				firstErr, failingSince, failedChannel = sendErr, since, name
			}
			break // the rest of this channel's parts wait for the retry, in order
		}
		if channelOK {
			sent++
		}
	}
	if firstErr == nil {
		return nil
	}
	if notify.IsPermanent(firstErr) {
		if sent == 0 {
			return river.JobCancel(firstErr)
		}
		return nil // delivered on another channel; the failed one is logged
	}
	// A network error, 5xx or 429: the channel is down or busy. Wait and try
	// again (a snooze, which does not use up the attempt budget) until it has
	// failed for notification_max_outage.
	if w.outageOver(failingSince, time.Now()) {
		log.Error("notification failed: channel down longer than notification_max_outage", "channel", failedChannel,
			"failing_since", failingSince, "max_outage", w.Config.NotificationMaxOutage.D(), "error", firstErr)
		if sent > 0 {
			return nil
		}
		return river.JobCancel(fmt.Errorf("channel %s failing since %s (notification_max_outage %s): %w",
			failedChannel, failingSince.UTC().Format(time.RFC3339), w.Config.NotificationMaxOutage.D(), firstErr))
	}
	if d, ok := notify.RetryAfter(firstErr); ok {
		return river.JobSnooze(d)
	}
	return river.JobSnooze(outageBackoff(time.Since(failingSince), w.Config.Job(config.JobNotification).RetryDelay.D(),
		w.Config.NotificationMaxBackoff.D(), rand.Float64()))
}

// outageOver reports whether a delivery failing since since has used up
// notification_max_outage at now.
func (w *NotifyWorker) outageOver(since, now time.Time) bool {
	return !since.IsZero() && now.Sub(since) >= w.Config.NotificationMaxOutage.D()
}

// outageBackoff is the wait before the next attempt of a delivery whose
// channel has been failing for elapsed: as long as it has failed so far
// (so waits double), at least base, at most limit, with ±10% jitter (a
// number in [0, 1)).
func outageBackoff(elapsed, base, limit time.Duration, jitter float64) time.Duration {
	d := min(max(elapsed, base), max(limit, base))
	return time.Duration(float64(d) * (0.9 + 0.2*jitter))
}

// withAttachmentLinks appends the API paths of a notification's attachments
// to its text, for channels that cannot show images.
func withAttachmentLinks(text string, atts []Attachment) string {
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\n\nCharts:")
	for _, at := range atts {
		fmt.Fprintf(&b, "\n%s: /api/runs/%d/artifacts/%s", cmp.Or(at.Caption, at.Name), at.RunID, at.Name)
	}
	return b.String()
}

// deliveryPart is one message of a notification on a channel: the text, or
// one attachment. Each has its own row in the notifications table, so a retry
// sends only the parts not yet delivered.
type deliveryPart struct {
	id   uuid.UUID
	text string
	send func() (notify.Receipt, error)
}

// deliver makes one attempt at part on channel unless an earlier attempt
// delivered it, and logs the outcome. delivered reports a send in this call;
// sendErr is the channel's error; since is the part's first attempt; err is
// a database failure.
func (w *NotifyWorker) deliver(ctx context.Context, job *river.Job[NotifyArgs], a NotifyArgs, runID *int64,
	channel string, part deliveryPart) (delivered bool, sendErr error, since time.Time, err error) {
	q := dbsqlc.New()
	row, err := q.NotificationBeginAttempt(ctx, w.Pool, dbsqlc.NotificationBeginAttemptParams{
		MessageID: part.id, UserID: &a.UserID, RunID: runID, Channel: channel, Priority: a.Priority,
		NotificationType: a.NotificationType, Message: part.text, RiverJobID: &job.ID})
	if err != nil {
		return false, nil, since, fmt.Errorf("log notification attempt: %w", err)
	}
	since = row.CreatedAt
	if row.Status == "sent" || row.Status == "recorded" {
		return false, nil, since, nil // delivered by an earlier attempt
	}
	receipt, sendErr := part.send()
	status, errText := "sent", ""
	if channel == notify.ChannelLog {
		status = "recorded"
	}
	if sendErr != nil {
		errText = sendErr.Error()
		switch {
		case notify.IsPermanent(sendErr), w.outageOver(since, time.Now()):
			status = "failed"
		default:
			status = "retrying"
		}
	}
	if err := q.NotificationFinishAttempt(ctx, w.Pool, dbsqlc.NotificationFinishAttemptParams{
		ID: row.ID, Status: status, Error: errText, ProviderMessageID: receipt.ProviderMessageID}); err != nil {
		return false, nil, since, fmt.Errorf("log notification outcome: %w", err)
	}
	w.Metrics.Notification(channel, status)
	return sendErr == nil, sendErr, since, nil
}

func (w *NotifyWorker) defaultChannels(dest notify.Destination) []string {
	var out []string
	if _, ok := w.Channels[notify.ChannelTelegram]; ok && dest.TelegramChatID != 0 {
		out = append(out, notify.ChannelTelegram)
	}
	if _, ok := w.Channels[notify.ChannelEmail]; ok && dest.Email != "" {
		out = append(out, notify.ChannelEmail)
	}
	if _, ok := w.Channels[notify.ChannelWebhook]; ok && dest.WebhookURL != "" {
		out = append(out, notify.ChannelWebhook)
	}
	if len(out) == 0 {
		out = []string{notify.ChannelLog}
	}
	return out
}

func hasDestination(channel string, dest notify.Destination) bool {
	switch channel {
	case notify.ChannelTelegram:
		return dest.TelegramChatID != 0
	case notify.ChannelWebhook:
		return dest.WebhookURL != ""
	case notify.ChannelEmail:
		return dest.Email != ""
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

// openWebhookSecret opens a user's sealed webhook signing secret with the
// configured keys.
func openWebhookSecret(cfg config.Config, userID int64, sealed string) ([]byte, error) {
	kr, err := cfg.Keyring()
	if err != nil {
		return nil, fmt.Errorf("secret_key: %w", err)
	}
	return store.OpenWebhookSecret(kr, userID, sealed)
}
