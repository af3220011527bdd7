package jobs

import (
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/preferences"
	"github.com/vigilhq/vigil/telegram/telegramtest"
	"github.com/vigilhq/vigil/userprefs"
)

// testClock is both River's clock (snoozes, scheduled_at) and the notify
// worker's (quiet hours), so that a hold's end is exact.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) NowOrNil() *time.Time {
	t := c.Now()
	return &t
}
func (c *testClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type prefsBundle struct {
	d      *dbtest.DB
	stand  *telegramtest.Server
	clock  *testClock
	worker *rivertest.Worker[NotifyArgs, pgx.Tx]
	tx     pgx.Tx
	user   dbsqlc.User
	chat   int64
}

// prefsSetup gives a user with a Telegram chat in zone tz, the notify
// worker on the Telegram stand-in, and River and the worker on one clock.
func prefsSetup(t *testing.T, tz string) *prefsBundle {
	t.Helper()
	d := dbtest.New(t)
	ctx := t.Context()
	stand := telegramtest.New(telegramtest.Options{})
	t.Cleanup(stand.Close)
	tg, err := notify.NewTelegram(stand.Token(), stand.Endpoint())
	require.NoError(t, err)
	chat := int64(4242)
	q := dbsqlc.New()
	u, err := q.UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "pat", Status: "verified", TelegramUserID: &chat, TelegramChatID: &chat})
	require.NoError(t, err)
	_, err = d.Pool.Exec(ctx, "UPDATE users SET timezone = $1 WHERE id = $2", tz, u.ID)
	require.NoError(t, err)
	u, err = q.UserGetByID(ctx, d.Pool, u.ID)
	require.NoError(t, err)
	clock := &testClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	w := &NotifyWorker{Pool: d.Pool, Config: testConfig(), Logger: testLogger(t), NowFunc: clock.Now,
		Channels: map[string]notify.Channel{notify.ChannelTelegram: tg, notify.ChannelLog: &notify.Log{Logger: testLogger(t)}}}
	rw := rivertest.NewWorker(t, riverpgxv5.New(d.Pool), &river.Config{Test: river.TestConfig{Time: clock}}, w)
	tx, err := d.Pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	return &prefsBundle{d: d, stand: stand, clock: clock, worker: rw, tx: tx, user: u, chat: chat}
}

func (b *prefsBundle) setPref(t *testing.T, typ, mode string, chs ...string) {
	t.Helper()
	p, err := preferences.FromMode(typ, mode, chs)
	require.NoError(t, err)
	require.NoError(t, pgx.BeginFunc(t.Context(), b.d.Pool, func(tx pgx.Tx) error {
		return userprefs.Checker{}.SetType(t.Context(), tx, audit.Entry{Actor: b.user.ID, Source: audit.SourceAPI}, b.user, p, "types."+typ+".channels")
	}))
}

func (b *prefsBundle) setQuiet(t *testing.T, window string) {
	t.Helper()
	require.NoError(t, pgx.BeginFunc(t.Context(), b.d.Pool, func(tx pgx.Tx) error {
		return userprefs.SetQuiet(t.Context(), tx, audit.Entry{Actor: b.user.ID, Source: audit.SourceAPI}, b.user, window)
	}))
}

func (b *prefsBundle) work(t *testing.T, a NotifyArgs) *rivertest.WorkResult {
	t.Helper()
	res, err := b.worker.Work(t.Context(), t, b.tx, a, nil)
	require.NoError(t, err)
	return res
}

// rows returns channel -> status of a message's notification rows.
func (b *prefsBundle) rows(t *testing.T, messageID string) map[string]string {
	t.Helper()
	rows, err := b.d.Pool.Query(t.Context(), "SELECT channel, status FROM notifications WHERE message_id = $1", messageID)
	require.NoError(t, err)
	out := map[string]string{}
	for rows.Next() {
		var ch, st string
		require.NoError(t, rows.Scan(&ch, &st))
		out[ch] = st
	}
	require.NoError(t, rows.Err())
	return out
}

// A type turned off is recorded as suppressed and nothing reaches
// Telegram; explicit channels (an alert's notify.channels) beat it, while
// an alert that named none (DefaultChannels) follows the preference.
func TestNotifyPreferenceOffSuppresses(t *testing.T) {
	t.Parallel()
	b := prefsSetup(t, "UTC")
	b.setPref(t, preferences.Alert, preferences.ModeOff)

	off := NewNotifyArgs(b.user.ID, "AAPL > 150", notify.PriorityHigh, notify.TypeAlert)
	off.DefaultChannels = []string{notify.ChannelTelegram}
	res := b.work(t, off)
	require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	require.Equal(t, map[string]string{ChannelNone: "suppressed"}, b.rows(t, off.MessageID))
	var reason string
	require.NoError(t, b.d.Pool.QueryRow(t.Context(), "SELECT error FROM notifications WHERE message_id = $1", off.MessageID).Scan(&reason))
	require.Equal(t, "alert notifications are off in the user's preferences", reason)
	require.Empty(t, b.stand.Messages(b.chat), "nothing on the wire")

	explicit := NewNotifyArgs(b.user.ID, "AAPL > 200", notify.PriorityHigh, notify.TypeAlert)
	explicit.Channels = []string{notify.ChannelTelegram}
	b.work(t, explicit)
	require.Equal(t, map[string]string{notify.ChannelTelegram: "sent"}, b.rows(t, explicit.MessageID))
	msgs := b.stand.Messages(b.chat)
	require.Len(t, msgs, 1)
	require.Equal(t, "AAPL > 200", msgs[0].Text)

	// Other types keep the default.
	report := NewNotifyArgs(b.user.ID, "daily report", notify.PriorityNormal, notify.TypeReport)
	b.work(t, report)
	require.Equal(t, map[string]string{notify.ChannelTelegram: "sent"}, b.rows(t, report.MessageID))
}

// A silent type goes with disable_notification on the wire; others do not.
func TestNotifyPreferenceSilent(t *testing.T) {
	t.Parallel()
	b := prefsSetup(t, "UTC")
	b.setPref(t, preferences.Report, preferences.ModeSilent)
	b.work(t, NewNotifyArgs(b.user.ID, "quiet report", notify.PriorityNormal, notify.TypeReport))
	b.work(t, NewNotifyArgs(b.user.ID, "loud alert", notify.PriorityHigh, notify.TypeAlert))
	msgs := b.stand.Messages(b.chat)
	require.Len(t, msgs, 2)
	require.Equal(t, "quiet report", msgs[0].Text)
	require.True(t, msgs[0].DisableNotification, "silent report sent with disable_notification")
	require.Equal(t, "loud alert", msgs[1].Text)
	require.False(t, msgs[1].DisableNotification)
}

// Quiet hours 22:00-07:00 in New York hold a message sent at 22:30 EST on
// 7 March 2026 (the window crosses midnight and the spring-forward to EDT):
// the job snoozes until 07:00 EDT = 11:00Z, the row is held, nothing is
// sent; worked at 11:00Z it is delivered once. Urgent goes at once.
func TestNotifyQuietHoursHoldAcrossMidnightAndDST(t *testing.T) {
	t.Parallel()
	b := prefsSetup(t, "America/New_York")
	b.setQuiet(t, "22:00-07:00")
	b.clock.set(time.Date(2026, 3, 8, 3, 30, 0, 0, time.UTC)) // 22:30 EST on the 7th

	a := NewNotifyArgs(b.user.ID, "overnight alert", notify.PriorityHigh, notify.TypeAlert)
	res := b.work(t, a)
	require.Equal(t, river.EventKindJobSnoozed, res.EventKind)
	end := time.Date(2026, 3, 8, 11, 0, 0, 0, time.UTC)
	require.True(t, res.Job.ScheduledAt.Equal(end), "scheduled at %v, want %v", res.Job.ScheduledAt, end)
	require.Equal(t, map[string]string{notify.ChannelTelegram: "held"}, b.rows(t, a.MessageID))
	require.Empty(t, b.stand.Messages(b.chat))

	urgent := NewNotifyArgs(b.user.ID, "margin call", notify.PriorityUrgent, notify.TypeTrade)
	require.Equal(t, river.EventKindJobCompleted, b.work(t, urgent).EventKind)
	require.Equal(t, map[string]string{notify.ChannelTelegram: "sent"}, b.rows(t, urgent.MessageID))

	b.clock.set(end)
	again, err := b.worker.WorkJob(t.Context(), t, b.tx, res.Job)
	require.NoError(t, err)
	require.Equal(t, river.EventKindJobCompleted, again.EventKind)
	require.Equal(t, map[string]string{notify.ChannelTelegram: "sent"}, b.rows(t, a.MessageID))
	var attempts int
	require.NoError(t, b.d.Pool.QueryRow(t.Context(), "SELECT attempts FROM notifications WHERE message_id = $1", a.MessageID).Scan(&attempts))
	require.Equal(t, 1, attempts, "holding is not an attempt")
	var texts []string
	for _, m := range b.stand.Messages(b.chat) {
		texts = append(texts, m.Text)
	}
	require.Equal(t, []string{"margin call", "overnight alert"}, texts)
}

// A window inside one day in a non-UTC zone without DST (Kolkata, +05:30)
// holds until its end the same day, and a message after the window goes at
// once.
func TestNotifyQuietHoursSameDayWindow(t *testing.T) {
	t.Parallel()
	b := prefsSetup(t, "Asia/Kolkata")
	b.setQuiet(t, "13:00-15:30")
	b.clock.set(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)) // 13:30 IST
	a := NewNotifyArgs(b.user.ID, "lunch", notify.PriorityNormal, notify.TypeScreener)
	res := b.work(t, a)
	require.Equal(t, river.EventKindJobSnoozed, res.EventKind)
	require.True(t, res.Job.ScheduledAt.Equal(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)), "%v", res.Job.ScheduledAt)

	b.clock.set(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)) // 15:30 IST: the window is over
	after := NewNotifyArgs(b.user.ID, "afternoon", notify.PriorityNormal, notify.TypeScreener)
	require.Equal(t, river.EventKindJobCompleted, b.work(t, after).EventKind)
	require.Equal(t, map[string]string{notify.ChannelTelegram: "sent"}, b.rows(t, after.MessageID))
}
