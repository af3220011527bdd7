package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/notify"
)

// flakyChannel fails every send with a network-style error while down.
type flakyChannel struct {
	name  string
	down  atomic.Bool
	mu    sync.Mutex
	fails int
	sent  map[string]int // message id → deliveries
}

func newFlakyChannel(name string) *flakyChannel {
	return &flakyChannel{name: name, sent: map[string]int{}}
}

func (c *flakyChannel) Name() string { return c.name }

func (c *flakyChannel) Send(_ context.Context, _ notify.Destination, m notify.Message) (notify.Receipt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down.Load() {
		c.fails++
		return notify.Receipt{}, errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	}
	c.sent[m.MessageID]++
	return notify.Receipt{ProviderMessageID: m.MessageID}, nil
}

func (c *flakyChannel) failures() int { c.mu.Lock(); defer c.mu.Unlock(); return c.fails }

func (c *flakyChannel) deliveries(id string) int { c.mu.Lock(); defer c.mu.Unlock(); return c.sent[id] }

// outageBundle runs a worker client whose telegram and webhook channels are
// flakyChannels, with a small attempt budget.
func outageBundle(t *testing.T, maxOutage time.Duration) (*dbtest.DB, *Client, config.Config, *flakyChannel, *flakyChannel) {
	t.Helper()
	d := dbtest.New(t)
	cfg := testConfig()
	j := cfg.Jobs[config.JobNotification]
	j.RetryAttempts, j.RetryDelay = 1, config.Duration(10*time.Millisecond)
	cfg.Jobs[config.JobNotification] = j
	cfg.NotificationRetries = 1
	cfg.NotificationMaxBackoff = config.Duration(50 * time.Millisecond)
	cfg.NotificationMaxOutage = config.Duration(maxOutage)
	tg, wh := newFlakyChannel(notify.ChannelTelegram), newFlakyChannel(notify.ChannelWebhook)
	client, err := NewClient(workDeps(Deps{Pool: d.Pool, Config: cfg, Logger: testLogger(t), Work: true,
		Channels: map[string]notify.Channel{notify.ChannelTelegram: tg, notify.ChannelWebhook: wh}}))
	require.NoError(t, err)
	require.NoError(t, client.Start(t.Context()))
	t.Cleanup(func() { _ = client.Shutdown(context.Background(), time.Second) })
	return d, client, cfg, tg, wh
}

func outageUser(t *testing.T, d *dbtest.DB, name string, chat int64, hook string) int64 {
	t.Helper()
	p := dbsqlc.UserCreateParams{Name: name, Status: "verified"}
	if chat != 0 {
		p.TelegramUserID, p.TelegramChatID = &chat, &chat
	}
	u, err := dbsqlc.New().UserCreate(t.Context(), d.Pool, p)
	require.NoError(t, err)
	if hook != "" {
		_, err := d.Pool.Exec(t.Context(), "UPDATE users SET webhook_url = $1 WHERE id = $2", hook, u.ID)
		require.NoError(t, err)
	}
	return u.ID
}

func notificationRow(t *testing.T, d *dbtest.DB, messageID, channel string) (status string, attempts int) {
	t.Helper()
	err := d.Pool.QueryRow(t.Context(), "SELECT status, attempts FROM notifications WHERE message_id = $1 AND channel = $2",
		messageID, channel).Scan(&status, &attempts)
	if err != nil {
		return "", 0
	}
	return status, attempts
}

// A channel outage far longer than the attempt budget loses nothing: the
// delivery backs off without using up notification_retries, other users and
// channels are served meanwhile, and everything arrives once it is back.
func TestNotificationSurvivesChannelOutage(t *testing.T) {
	t.Parallel()
	d, client, cfg, tg, wh := outageBundle(t, time.Hour)
	ctx := t.Context()
	alice := outageUser(t, d, "alice", 501, "")                     // telegram only
	bob := outageUser(t, d, "bob", 0, "http://127.0.0.1:1/hook")    // webhook only
	carol := outageUser(t, d, "carol", 503, "http://127.0.0.1:1/c") // both
	tg.down.Store(true)

	msgs := map[int64]NotifyArgs{}
	var params []river.InsertManyParams
	for _, uid := range []int64{alice, bob, carol} {
		a := NewNotifyArgs(uid, "price crossed", "normal", "alert")
		if uid == carol {
			a.Channels = []string{notify.ChannelTelegram, notify.ChannelWebhook}
		}
		msgs[uid] = a
		params = append(params, river.InsertManyParams{Args: a, InsertOpts: InsertOpts(cfg, config.JobNotification)})
	}
	_, err := client.InsertMany(ctx, params)
	require.NoError(t, err)

	maxAttempts := cfg.Job(config.JobNotification).RetryAttempts + 1
	eventually(t, "telegram fails many more times than the attempt budget", func() bool {
		_, n := notificationRow(t, d, msgs[alice].MessageID, notify.ChannelTelegram)
		return n > 3*maxAttempts
	})
	require.Equal(t, 1, wh.deliveries(msgs[bob].MessageID), "a user on another channel is not held up")
	require.Equal(t, 1, wh.deliveries(msgs[carol].MessageID), "the working channel of a user delivers")
	status, _ := notificationRow(t, d, msgs[alice].MessageID, notify.ChannelTelegram)
	require.Contains(t, []string{"retrying", "sending"}, status, "still being retried (or an attempt in flight), not failed")
	require.Zero(t, tg.deliveries(msgs[alice].MessageID))

	tg.down.Store(false)
	eventually(t, "telegram messages delivered after the outage", func() bool {
		a, _ := notificationRow(t, d, msgs[alice].MessageID, notify.ChannelTelegram)
		c, _ := notificationRow(t, d, msgs[carol].MessageID, notify.ChannelTelegram)
		return a == "sent" && c == "sent"
	})
	require.Equal(t, 1, tg.deliveries(msgs[alice].MessageID))
	require.Equal(t, 1, tg.deliveries(msgs[carol].MessageID))
	require.Equal(t, 1, wh.deliveries(msgs[carol].MessageID), "the webhook part is not sent again")
	eventually(t, "every job completed", func() bool {
		var open int
		require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'notification' AND state <> 'completed'").Scan(&open))
		return open == 0
	})
}

// An outage longer than notification_max_outage fails the delivery, with
// the failure recorded, and cancels the job.
func TestNotificationFailsAfterMaxOutage(t *testing.T) {
	t.Parallel()
	d, client, cfg, tg, _ := outageBundle(t, 2500*time.Millisecond) // River polls snoozed jobs about once a second
	alice := outageUser(t, d, "alice", 601, "")
	tg.down.Store(true)
	a := NewNotifyArgs(alice, "never arrives", "normal", "alert")
	_, err := client.Insert(t.Context(), a, InsertOpts(cfg, config.JobNotification))
	require.NoError(t, err)

	eventually(t, "job cancelled after the outage limit", func() bool {
		var state string
		require.NoError(t, d.Pool.QueryRow(t.Context(), "SELECT state FROM river_job WHERE kind = 'notification'").Scan(&state))
		return state == "cancelled"
	})
	status, attempts := notificationRow(t, d, a.MessageID, notify.ChannelTelegram)
	require.Equal(t, "failed", status)
	require.Greater(t, attempts, cfg.Job(config.JobNotification).RetryAttempts+1, "retried past the attempt budget until the outage limit")
	require.GreaterOrEqual(t, tg.failures(), attempts)
}

func TestOutageBackoff(t *testing.T) {
	t.Parallel()
	base, limit := 10*time.Second, 5*time.Minute
	for _, c := range []struct{ elapsed, want time.Duration }{
		{0, base}, {3 * time.Second, base}, {40 * time.Second, 40 * time.Second},
		{4 * time.Minute, 4 * time.Minute}, {time.Hour, limit},
	} {
		require.Equal(t, c.want, outageBackoff(c.elapsed, base, limit, 0.5), "elapsed %s", c.elapsed)
	}
	require.Equal(t, time.Duration(float64(base)*0.9), outageBackoff(0, base, limit, 0))
	require.Equal(t, base, outageBackoff(time.Hour, base, time.Second, 0.5), "a cap below the base keeps the base")
}
