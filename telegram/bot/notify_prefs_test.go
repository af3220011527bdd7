package bot

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/notify/channels"
	"github.com/vigilhq/vigil/schedules"
)

// /notify shows and sets the per-type preferences and /quiet the quiet
// hours, stored in the tables the notify worker reads and audited with
// source bot; bad input gets the reason and the usage, and stores nothing.
func TestNotifyAndQuietCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	svc, err := schedules.New(schedules.Options{Config: config.Default(), Validator: testValidator(t), Runs: tb.enq,
		Fireable: tb.enq.Fireable(), Channels: []string{channels.Telegram, channels.Webhook, channels.Log}})
	require.NoError(t, err)
	tb.start(t, func(o *Options) { o.Schedules = svc })
	u := tb.user(t, StatusVerified, false)
	id := tb.dbUser(t, u).ID

	reply := tb.say(t, u, "/notify")
	require.Contains(t, reply, "alert: on, every channel you have an address on (default)")
	require.Contains(t, reply, "Quiet hours: none")

	reply = tb.say(t, u, "/notify report silent telegram")
	require.Contains(t, reply, "report: silent, telegram")
	reply = tb.say(t, u, "/notify screener off")
	require.Contains(t, reply, "screener: off")

	var n int
	var silent bool
	var chans []string
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT silent, channels FROM notification_preferences
		WHERE user_id = $1 AND notification_type = 'report'`, id).Scan(&silent, &chans))
	require.True(t, silent)
	require.Equal(t, []string{"telegram"}, chans)
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM notification_preferences
		WHERE user_id = $1 AND notification_type = 'screener' AND cardinality(channels) = 0 AND NOT all_channels`, id).Scan(&n))
	require.Equal(t, 1, n, "off: no channels")

	// Refusals: nothing stored, the reason and the usage in the reply.
	for text, want := range map[string]string{
		"/notify weather on":         `Unknown notification type "weather"`,
		"/notify alert loud":         `Unknown mode "loud"`,
		"/notify alert":              "Say how alert notifications should come",
		"/notify alert on sms":       `Unknown channel "sms"`,
		"/notify alert off telegram": "takes no channels",
		"/notify alert on email":     "email is not configured on this server",
		"/notify alert on webhook":   "you have no webhook URL",
		"/quiet 22:00":               "is not a window",
		"/quiet 25:00-07:00":         `"25:00" is not HH:MM`,
		"/quiet 07:00-07:00":         "empty window",
		"/quiet 22:00 - 07:00":       "one window without spaces",
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, want, text)
		require.Contains(t, reply, "/"+map[bool]string{true: "quiet", false: "notify"}[text[1] == 'q'], "%s: shows the usage", text)
	}
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM notification_preferences WHERE user_id = $1`, id).Scan(&n))
	require.Equal(t, 2, n, "the refusals stored nothing")

	reply = tb.say(t, u, "/quiet 22:00-07:00")
	require.Contains(t, reply, "Quiet hours: 22:00-07:00 (UTC)")
	var start, end string
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT quiet_start::text, quiet_end::text FROM users WHERE id = $1`, id).Scan(&start, &end))
	require.Equal(t, []string{"22:00:00", "07:00:00"}, []string{start, end})
	require.Contains(t, tb.say(t, u, "/quiet"), "22:00-07:00")
	require.Contains(t, tb.say(t, u, "/quiet off"), "Quiet hours: none")
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM users WHERE id = $1 AND quiet_start IS NULL`, id).Scan(&n))
	require.Equal(t, 1, n)

	reply = tb.say(t, u, "/notify report default")
	require.Contains(t, reply, "report: on, every channel you have an address on (default)")

	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM audit_log WHERE source = 'bot' AND actor_user_id = $1
		AND action IN ('user.preferences.set', 'user.preferences.reset', 'user.quiet_hours.set', 'user.quiet_hours.clear')`, id).Scan(&n))
	require.Equal(t, 5, n, "two sets, one reset, quiet hours set and cleared")
}
