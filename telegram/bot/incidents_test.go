package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestIncidentsCommand(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	admin := tb.user(t, StatusVerified, true)
	plain := tb.user(t, StatusVerified, false)
	pending := tb.user(t, StatusPending, true)

	require.Contains(t, tb.say(t, admin, "/incidents"), "No open incidents.")

	// The bot's clock is 2026-11-27 12:00 UTC.
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	add := func(kind, subject string, opened time.Duration, resolved *time.Duration, count int, summary string) {
		var res *time.Time
		if resolved != nil {
			r := now.Add(*resolved)
			res = &r
		}
		_, err := tb.db.Pool.Exec(tb.ctx, `INSERT INTO incidents (kind, subject, opened_at, resolved_at, last_seen, count, reopened, details)
			VALUES ($1, $2, $3, $4, $3, $5, 0, jsonb_build_object('summary', $6::text))`, kind, subject, now.Add(opened), res, count, summary)
		require.NoError(t, err)
	}
	tenAgo := -10 * time.Minute
	add("job_failed", "alert: provider timeout after #", -time.Hour, &tenAgo, 12, "alert runs are failing")
	add("heartbeat_stale", "worker/host-a", -5*time.Minute, nil, 10, "worker/host-a is DOWN: no heartbeat for 5m0s (expected every 30s)")
	add("queue_backlog", "report", -90*time.Second, nil, 3, "queue report is backed up")

	reply := tb.say(t, admin, "/incidents")
	require.True(t, strings.HasPrefix(reply, "Open incidents (2):"), reply)
	require.Contains(t, reply, "#2 heartbeat_stale — worker/host-a\n  open for 5m, seen by 10 checks\n  worker/host-a is DOWN: no heartbeat for 5m0s")
	require.Contains(t, reply, "#3 queue_backlog — report")
	require.Less(t, strings.Index(reply, "#3 "), strings.Index(reply, "#2 "), "newest first")
	require.Contains(t, reply, "Recently resolved:\n#1 job_failed — alert: provider timeout after #, resolved 10m ago after 50m")

	for _, who := range []int64{plain} {
		got := tb.say(t, who, "/incidents")
		require.Contains(t, got, "Sorry, /incidents is for admins")
		require.NotContains(t, got, "worker/host-a")
	}
	require.Contains(t, tb.say(t, pending, "/incidents"), "not verified")

	require.Contains(t, tb.say(t, admin, "/help"), "/incidents — Admins: open incidents")
	require.Contains(t, tb.say(t, admin, "/help incidents"), "/incidents — (admins)")
	require.NotContains(t, tb.say(t, plain, "/help"), "/incidents")
}
