package jobs

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// A notification's charts follow its text as photos, in order; a chart that
// cannot be sent (its artifact is gone) is recorded as failed without
// failing the message, and a transient error (429) is retried for the
// parts not yet delivered only.
func TestNotificationAttachments(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	stand := telegramtest.New(telegramtest.Options{})
	t.Cleanup(stand.Close)
	tg, err := notify.NewTelegram(stand.Token(), stand.Endpoint())
	require.NoError(t, err)
	client, err := NewClient(workDeps(Deps{Pool: d.Pool, Config: testConfig(), Logger: testLogger(t), Work: true,
		Channels: map[string]notify.Channel{notify.ChannelTelegram: tg}}))
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Shutdown(context.Background(), time.Second) })

	q := dbsqlc.New()
	chat := int64(555)
	u, err := q.UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "u", Status: "verified", TelegramUserID: &chat, TelegramChatID: &chat})
	require.NoError(t, err)
	now := time.Now()
	run, err := q.RunInsertAdhocPending(ctx, d.Pool, dbsqlc.RunInsertAdhocPendingParams{JobType: config.JobReport, UserID: &u.ID,
		ScheduledFor: now, JobSnapshot: []byte(`{}`)})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))))
	pic := buf.Bytes()
	for _, name := range []string{"a.png", "c.png"} {
		require.NoError(t, q.ArtifactInsert(ctx, d.Pool, dbsqlc.ArtifactInsertParams{RunID: run.ID, Name: name,
			ContentType: "image/png", SizeBytes: int32(len(pic)), Sha256: "x", Data: pic}))
	}
	// The first photo is throttled once: the retry sends it and what follows, not the text again.
	stand.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: chat, Method: "sendPhoto", RetryAfter: 1, Times: 1})

	n := NewNotifyArgs(u.ID, "Daily summary", notify.PriorityNormal, notify.TypeReport)
	n.Attachments = []Attachment{{RunID: int64(run.ID), Name: "a.png", Caption: "A"},
		{RunID: int64(run.ID), Name: "gone.png", Caption: "B"}, {RunID: int64(run.ID), Name: "c.png", Caption: "C"}}
	res, err := client.Insert(ctx, n, nil)
	require.NoError(t, err)

	eventually(t, "the notification job finishes", func() bool {
		j, err := client.JobGet(ctx, res.Job.ID)
		return err == nil && j.FinalizedAt != nil
	})
	j, err := client.JobGet(ctx, res.Job.ID)
	require.NoError(t, err)
	require.Equal(t, "completed", string(j.State), "a missing chart does not fail the message")
	msgs := stand.Messages(chat)
	require.Len(t, msgs, 3, "text, A, C — each once")
	require.Equal(t, "Daily summary", msgs[0].Text)
	require.Equal(t, "A", msgs[1].Text)
	require.Equal(t, "C", msgs[2].Text)
	require.Equal(t, pic, msgs[2].Photo)
	var failed, sent int
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'sent')
		FROM notifications WHERE user_id = $1`, u.ID).Scan(&failed, &sent))
	require.Equal(t, 1, failed, "the missing chart is recorded as failed")
	require.Equal(t, 3, sent)
	var attempts int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT attempts FROM notifications WHERE message = 'A'").Scan(&attempts))
	require.Equal(t, 2, attempts, "the throttled photo was sent on the second attempt")
}
