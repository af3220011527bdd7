package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
)

// The shared limiter reserves sends for a bot across processes: a second send
// to a chat waits, the overall rate is capped, groups are capped per minute.
func TestTelegramReserveSend(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	q := dbsqlc.New()
	reserve := func(bot string, chat int64) float64 {
		t.Helper()
		w, err := q.TelegramReserveSend(t.Context(), d.Pool, dbsqlc.TelegramReserveSendParams{Bot: bot, ChatID: chat,
			PerSecond: 5, ChatIntervalMs: 1100, GroupPerMinute: 3})
		require.NoError(t, err)
		return w
	}
	require.Zero(t, reserve("1", 10), "the first send is reserved")
	w := reserve("1", 10)
	require.Greater(t, w, 0.5, "a second send to the same chat waits about 1.1 s")
	require.LessOrEqual(t, w, 1.1)
	require.Zero(t, reserve("2", 10), "limits are per bot")

	for chat := int64(11); chat <= 14; chat++ {
		require.Zero(t, reserve("1", chat))
	}
	require.Positive(t, reserve("1", 15), "the sixth send within a second waits (5/s here)")

	// Groups (negative ids): at most 3 a minute here, counted per group.
	_, err := d.Pool.Exec(t.Context(), `INSERT INTO telegram_sends (bot, chat_id, sent_at)
		VALUES ('3', -100, now() - interval '50 seconds'), ('3', -100, now() - interval '40 seconds'), ('3', -100, now() - interval '30 seconds')`)
	require.NoError(t, err)
	require.Greater(t, reserve("3", -100), 5.0, "a fourth message to the group within a minute waits for the window")
	require.Zero(t, reserve("3", -200), "another group is not affected")
	var n int
	require.NoError(t, d.Pool.QueryRow(t.Context(), "SELECT count(*) FROM telegram_sends WHERE bot = '1'").Scan(&n))
	require.Equal(t, 5, n, "waits reserve nothing")
}

// Wait reserves a send; a Wait that would have to wait gives up with its
// context and reserves nothing.
func TestTelegramGateWait(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	g := NewTelegramGate(d.Pool, "77:secret")
	require.NoError(t, g.Wait(t.Context(), 5))

	// A second send to the chat must wait about a second: longer than ctx.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, g.Wait(ctx, 5), context.DeadlineExceeded)
	var n int
	require.NoError(t, d.Pool.QueryRow(t.Context(), "SELECT count(*) FROM telegram_sends WHERE bot = '77' AND chat_id = 5").Scan(&n))
	require.Equal(t, 1, n, "only the bot id is stored, and the cancelled wait reserved nothing")
}
