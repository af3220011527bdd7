package jobs

import (
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// Notifications survive Telegram's failures: with the Bot API answering 429
// (snooze for retry_after), 5xx (retry with backoff) and dropping a reply after
// delivering (a duplicate, counted), every message arrives; "bot was blocked"
// cancels the job and marks the user unreachable.
func TestTelegramDeliveryThroughFaults(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	stand := telegramtest.New(telegramtest.Options{})
	t.Cleanup(stand.Close)
	tg, err := notify.NewTelegram(stand.Token(), stand.Endpoint())
	require.NoError(t, err)

	cfg := testConfig()
	j := cfg.Jobs[config.JobNotification]
	j.RetryDelay = config.Duration(20 * time.Millisecond)
	cfg.Jobs[config.JobNotification] = j
	client, err := NewClient(workDeps(Deps{Pool: d.Pool, Config: cfg, Logger: testLogger(t), Work: true,
		Channels: map[string]notify.Channel{notify.ChannelTelegram: tg}}))
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Shutdown(t.Context(), time.Second) })

	const chats = 5
	q := dbsqlc.New()
	users := make([]int64, chats)
	for i := range users {
		chat := int64(100 + i)
		u, err := q.UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: fmt.Sprint("u", i), Status: "verified",
			TelegramUserID: &chat, TelegramChatID: &chat})
		require.NoError(t, err)
		users[i] = u.ID
	}
	blocked := int64(999)
	bu, err := q.UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "gone", Status: "verified",
		TelegramUserID: &blocked, TelegramChatID: &blocked})
	require.NoError(t, err)

	stand.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: 100, RetryAfter: 1, Times: 2})
	stand.Inject(telegramtest.Fault{Kind: telegramtest.ServerError, ChatID: 101, Status: 502, Times: 2})
	stand.Inject(telegramtest.Fault{Kind: telegramtest.DropReply, ChatID: 102, Times: 1})
	stand.Inject(telegramtest.Fault{Kind: telegramtest.BotBlocked, ChatID: blocked, Times: -1})

	var params []river.InsertManyParams
	for i, uid := range users {
		for k := range 2 {
			a := NewNotifyArgs(uid, fmt.Sprintf("message %d for chat %d", k, 100+i), "normal", "alert")
			a.Channels = []string{notify.ChannelTelegram}
			params = append(params, river.InsertManyParams{Args: a, InsertOpts: InsertOpts(cfg, config.JobNotification)})
		}
	}
	gone := NewNotifyArgs(bu.ID, "never delivered", "normal", "alert")
	gone.Channels = []string{notify.ChannelTelegram}
	params = append(params, river.InsertManyParams{Args: gone, InsertOpts: InsertOpts(cfg, config.JobNotification)})
	_, err = client.InsertMany(ctx, params)
	require.NoError(t, err)

	eventually(t, "every message delivered", func() bool {
		var sent int
		require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM notifications WHERE status = 'sent'").Scan(&sent))
		return sent == chats*2
	})
	for i := range chats {
		texts := map[string]int{}
		for _, m := range stand.Messages(int64(100 + i)) {
			texts[m.Text]++
		}
		require.Len(t, texts, 2, "chat %d got both messages", 100+i)
		for text, n := range texts {
			if i == 2 {
				require.LessOrEqual(t, n, 2, "a dropped reply can duplicate: %q", text)
			} else {
				require.Equal(t, 1, n, "chat %d: %q delivered once", 100+i, text)
			}
		}
	}
	var attempts int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT max(attempts) FROM notifications WHERE user_id = $1", users[0]).Scan(&attempts))
	require.GreaterOrEqual(t, attempts, 2, "the 429 was retried after retry_after")

	eventually(t, "blocked user marked unreachable", func() bool {
		u, err := q.UserGetByID(ctx, d.Pool, bu.ID)
		require.NoError(t, err)
		return u.UnreachableAt != nil
	})
	eventually(t, "its job cancelled", func() bool {
		var state string
		require.NoError(t, d.Pool.QueryRow(ctx, `SELECT state FROM river_job WHERE kind = 'notification' AND args->>'user_id' = $1`,
			fmt.Sprint(bu.ID)).Scan(&state))
		return state == "cancelled"
	})
	require.Zero(t, stand.Violations(), "one process's limiter keeps Telegram's limits")
}
