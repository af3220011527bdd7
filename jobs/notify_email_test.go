package jobs

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/notify/mailtest"
)

// emailBundle runs a worker whose email channel talks SMTP to a mail
// catcher, with a small attempt budget (as outageBundle).
type emailBundle struct {
	d      *dbtest.DB
	client *Client
	cfg    config.Config
	mail   *mailtest.Server
}

func newEmailBundle(t *testing.T, maxOutage time.Duration) *emailBundle {
	t.Helper()
	d := dbtest.New(t)
	cfg := testConfig()
	j := cfg.Jobs[config.JobNotification]
	j.RetryAttempts, j.RetryDelay = 1, config.Duration(10*time.Millisecond)
	cfg.Jobs[config.JobNotification] = j
	cfg.NotificationRetries = 1
	cfg.NotificationMaxBackoff = config.Duration(50 * time.Millisecond)
	cfg.NotificationMaxOutage = config.Duration(maxOutage)
	srv, err := mailtest.Start(mailtest.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	email, err := notify.NewEmail(notify.EmailConfig{Host: srv.Host(), Port: srv.Port(), TLS: notify.EmailNoTLS,
		From: "Vigil <alerts@vigil.test>", Timeout: 5 * time.Second,
		Links: &notify.EmailLinks{Base: "http://vigil.test", Keys: [][]byte{[]byte("jobs-test-key")}}})
	require.NoError(t, err)
	client, err := NewClient(workDeps(Deps{Pool: d.Pool, Config: cfg, Logger: testLogger(t), Work: true,
		Channels: map[string]notify.Channel{notify.ChannelEmail: email}}))
	require.NoError(t, err)
	require.NoError(t, client.Start(t.Context()))
	t.Cleanup(func() { _ = client.Shutdown(context.Background(), time.Second) })
	return &emailBundle{d: d, client: client, cfg: cfg, mail: srv}
}

// user creates a verified user with a confirmed address.
func (b *emailBundle) user(t *testing.T, name, addr string) int64 {
	t.Helper()
	u, err := dbsqlc.New().UserCreate(t.Context(), b.d.Pool, dbsqlc.UserCreateParams{Name: name, Status: "verified"})
	require.NoError(t, err)
	_, err = b.d.Pool.Exec(t.Context(), "UPDATE users SET email = $1, email_confirmed_at = now() WHERE id = $2", addr, u.ID)
	require.NoError(t, err)
	return u.ID
}

func (b *emailBundle) insert(t *testing.T, a NotifyArgs) int64 {
	t.Helper()
	res, err := b.client.Insert(t.Context(), a, InsertOpts(b.cfg, config.JobNotification))
	require.NoError(t, err)
	return res.Job.ID
}

// finished waits for the job to be finalized and returns its state.
func (b *emailBundle) finished(t *testing.T, id int64) string {
	t.Helper()
	var state string
	eventually(t, "the notification job finishes", func() bool {
		j, err := b.client.JobGet(t.Context(), id)
		if err != nil || j.FinalizedAt == nil {
			return false
		}
		state = string(j.State)
		return true
	})
	return state
}

// An email alert arrives through real SMTP with a text and an HTML part
// and the notification's id as its Message-ID; the attempt is in
// notifications with the server's answer.
func TestEmailAlertDelivered(t *testing.T) {
	t.Parallel()
	b := newEmailBundle(t, time.Hour)
	uid := b.user(t, "ann", "ann@example.com")
	a := NewNotifyArgs(uid, "AAPL close 151.20 crossed above 150 <b>now</b>", notify.PriorityHigh, notify.TypeAlert)
	a.Channels = []string{notify.ChannelEmail}
	require.Equal(t, "completed", b.finished(t, b.insert(t, a)))

	got := b.mail.To("ann@example.com")
	require.Len(t, got, 1)
	m := got[0]
	require.Equal(t, "[Vigil alert] AAPL close 151.20 crossed above 150 <b>now</b>", m.Subject)
	require.Contains(t, m.Text, "AAPL close 151.20 crossed above 150 <b>now</b>")
	require.Contains(t, m.HTML, "crossed above 150 &lt;b&gt;now&lt;/b&gt;")
	require.Equal(t, a.MessageID+"@vigil.test", m.MessageID())
	require.True(t, strings.HasPrefix(m.Header.Get("List-Unsubscribe"), "<http://vigil.test/email/preferences?"))
	status, attempts := notificationRow(t, b.d, a.MessageID, notify.ChannelEmail)
	require.Equal(t, "sent", status)
	require.Equal(t, 1, attempts)
	var provider string
	require.NoError(t, b.d.Pool.QueryRow(t.Context(), "SELECT provider_message_id FROM notifications WHERE message_id = $1", a.MessageID).Scan(&provider))
	require.Contains(t, provider, "OK")

	// Without explicit channels a user with a confirmed address gets
	// email; an unconfirmed address gets nothing (the message is recorded).
	def := NewNotifyArgs(uid, "default channels", "", "")
	require.Equal(t, "completed", b.finished(t, b.insert(t, def)))
	require.Len(t, b.mail.To("ann@example.com"), 2)
	unconfirmed := b.user(t, "ben", "ben@example.com")
	_, err := b.d.Pool.Exec(t.Context(), "UPDATE users SET email_confirmed_at = NULL WHERE id = $1", unconfirmed)
	require.NoError(t, err)
	u := NewNotifyArgs(unconfirmed, "not for an unconfirmed address", "", "")
	u.Channels = []string{notify.ChannelEmail}
	require.Equal(t, "completed", b.finished(t, b.insert(t, u)))
	require.Empty(t, b.mail.To("ben@example.com"))
	status, _ = notificationRow(t, b.d, u.MessageID, notify.ChannelLog)
	require.Equal(t, "recorded", status)
}

// A report's charts are inline images of one mail; a chart whose artifact
// is gone is named in the text instead.
func TestEmailReportWithInlineChart(t *testing.T) {
	t.Parallel()
	b := newEmailBundle(t, time.Hour)
	uid := b.user(t, "cat", "cat@example.com")
	q := dbsqlc.New()
	now := time.Now()
	run, err := q.RunInsertAdhocPending(t.Context(), b.d.Pool, dbsqlc.RunInsertAdhocPendingParams{JobType: config.JobReport, UserID: &uid,
		ScheduledFor: now, JobSnapshot: []byte(`{}`)})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))))
	pic := buf.Bytes()
	require.NoError(t, q.ArtifactInsert(t.Context(), b.d.Pool, dbsqlc.ArtifactInsertParams{RunID: run.ID, Name: "price.png",
		ContentType: "image/png", SizeBytes: int32(len(pic)), Sha256: "x", Data: pic}))

	a := NewNotifyArgs(uid, "Daily summary\nAAPL +1.2%", notify.PriorityNormal, notify.TypeReport)
	a.Channels = []string{notify.ChannelEmail}
	a.Attachments = []Attachment{{RunID: int64(run.ID), Name: "price.png", Caption: "AAPL price"},
		{RunID: int64(run.ID), Name: "gone.png", Caption: "Volume"}}
	require.Equal(t, "completed", b.finished(t, b.insert(t, a)))

	got := b.mail.To("cat@example.com")
	require.Len(t, got, 1, "text and chart in one mail")
	m := got[0]
	require.Equal(t, "[Vigil report] Daily summary", m.Subject)
	require.Len(t, m.Inline, 1)
	require.Equal(t, pic, m.Inline[0].Data)
	require.Contains(t, m.HTML, `src="cid:`+m.Inline[0].ContentID+`"`)
	require.Contains(t, m.Text, "(Volume is no longer available)")
	require.NotContains(t, m.Text, "/api/runs/", "no links instead of the images")
	require.Equal(t, 1, countRows(t, b.d, "SELECT count(*) FROM notifications WHERE user_id = $1", uid), "one delivery, one row")
}

// 421 and 451 are retried with the outage backoff until the mail goes
// through, once.
func TestEmailRetriedOn4xx(t *testing.T) {
	t.Parallel()
	b := newEmailBundle(t, time.Hour)
	uid := b.user(t, "dan", "dan@example.com")
	b.mail.Fail(mailtest.StageRcpt, "dan@example.com", mailtest.Reply{Code: 421, Message: "4.7.0 try again later"}, 2)
	b.mail.Fail(mailtest.StageData, "dan@example.com", mailtest.Reply{Code: 451, Message: "4.3.0 local error"}, 2)
	a := NewNotifyArgs(uid, "retried", "", notify.TypeAlert)
	a.Channels = []string{notify.ChannelEmail}
	require.Equal(t, "completed", b.finished(t, b.insert(t, a)))
	require.Len(t, b.mail.To("dan@example.com"), 1, "delivered once")
	status, attempts := notificationRow(t, b.d, a.MessageID, notify.ChannelEmail)
	require.Equal(t, "sent", status)
	require.Equal(t, 5, attempts, "two 421s and two 451s, then delivered: past the attempt budget of 2")
	require.Zero(t, countRows(t, b.d, "SELECT count(*) FROM users WHERE id = $1 AND email_bouncing_at IS NOT NULL", uid))
}

// A 550 to RCPT TO cancels the delivery and marks the address bouncing
// (audited); after that the address gets nothing.
func TestEmailBounceMarksAddress(t *testing.T) {
	t.Parallel()
	b := newEmailBundle(t, time.Hour)
	uid := b.user(t, "eve", "eve@example.com")
	b.mail.Fail(mailtest.StageRcpt, "eve@example.com", mailtest.Reply{Code: 550, Message: "5.1.1 no such user"}, -1)
	a := NewNotifyArgs(uid, "bounces", "", notify.TypeAlert)
	a.Channels = []string{notify.ChannelEmail}
	require.Equal(t, "cancelled", b.finished(t, b.insert(t, a)))
	status, attempts := notificationRow(t, b.d, a.MessageID, notify.ChannelEmail)
	require.Equal(t, "failed", status)
	require.Equal(t, 1, attempts, "not retried")
	var reason string
	require.NoError(t, b.d.Pool.QueryRow(t.Context(), "SELECT email_bounce_reason FROM users WHERE id = $1 AND email_bouncing_at IS NOT NULL", uid).Scan(&reason))
	require.Contains(t, reason, "550 5.1.1 no such user")
	require.Equal(t, 1, countRows(t, b.d, "SELECT count(*) FROM audit_log WHERE action = 'user.email.bounce' AND source = 'worker' AND owner_user_id = $1", uid))
	var unreachable bool
	require.NoError(t, b.d.Pool.QueryRow(t.Context(), "SELECT unreachable_at IS NOT NULL FROM users WHERE id = $1", uid).Scan(&unreachable))
	require.False(t, unreachable, "a bounce is about the address, not the user")

	b.mail.ClearFaults()
	next := NewNotifyArgs(uid, "not sent to a bouncing address", "", notify.TypeAlert)
	next.Channels = []string{notify.ChannelEmail}
	require.Equal(t, "completed", b.finished(t, b.insert(t, next)))
	require.Empty(t, b.mail.To("eve@example.com"))
	status, _ = notificationRow(t, b.d, next.MessageID, notify.ChannelLog)
	require.Equal(t, "recorded", status)
}

// The mail server down for far longer than the attempt budget loses
// nothing: every message arrives once when it is back.
func TestEmailServerDownNothingLost(t *testing.T) {
	t.Parallel()
	b := newEmailBundle(t, time.Hour)
	users := []int64{b.user(t, "fay", "fay@example.com"), b.user(t, "gus", "gus@example.com")}
	b.mail.Stop()
	var msgs []NotifyArgs
	var params []river.InsertManyParams
	for i := 0; i < 4; i++ {
		a := NewNotifyArgs(users[i%2], "during the outage", "", notify.TypeAlert)
		a.Channels = []string{notify.ChannelEmail}
		msgs = append(msgs, a)
		params = append(params, river.InsertManyParams{Args: a, InsertOpts: InsertOpts(b.cfg, config.JobNotification)})
	}
	_, err := b.client.InsertMany(t.Context(), params)
	require.NoError(t, err)
	budget := b.cfg.Job(config.JobNotification).RetryAttempts + 1
	eventually(t, "every delivery fails many more times than the attempt budget", func() bool {
		for _, a := range msgs {
			if _, n := notificationRow(t, b.d, a.MessageID, notify.ChannelEmail); n <= 3*budget {
				return false
			}
		}
		return true
	})
	for _, a := range msgs {
		status, _ := notificationRow(t, b.d, a.MessageID, notify.ChannelEmail)
		require.Contains(t, []string{"retrying", "sending"}, status, "still trying (or an attempt in flight)")
	}
	require.NoError(t, b.mail.Resume())
	eventually(t, "every job completed", func() bool {
		return countRows(t, b.d, "SELECT count(*) FROM river_job WHERE kind = 'notification' AND state <> 'completed'") == 0
	})
	require.Len(t, b.mail.Messages(), 4, "each message once")
	seen := map[string]bool{}
	for _, m := range b.mail.Messages() {
		seen[m.MessageID()] = true
	}
	for _, a := range msgs {
		require.True(t, seen[a.MessageID+"@vigil.test"], "message %s arrived", a.MessageID)
		status, _ := notificationRow(t, b.d, a.MessageID, notify.ChannelEmail)
		require.Equal(t, "sent", status)
	}
}

func countRows(t *testing.T, d *dbtest.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, d.Pool.QueryRow(t.Context(), sql, args...).Scan(&n))
	return n
}
