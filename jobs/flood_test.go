package jobs

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/notify"
)

// everyTimeAlert always holds (close 110 > 100) and fires on every
// evaluation: no rearm, frequency every_time.
func everyTimeAlert(ticker string) map[string]any {
	return map[string]any{"ticker": ticker, "timeframe": "1m", "frequency": "every_time",
		"rule":   map[string]any{"indicator": "close", "operator": ">", "value": 100},
		"notify": map[string]any{"channels": []string{"telegram"}, "message_template": "{ticker} above 100 at {price}"}}
}

// fireAt triggers a schedule with the enqueuer's and the alert worker's
// clocks at at, and waits for its run.
func (b *bundle) fireAt(t *testing.T, clock *atomic.Int64, scheduleID int32, at time.Time) AlertResult {
	t.Helper()
	clock.Store(at.UnixNano())
	b.enq.NowFunc = func() time.Time { return at }
	runID, err := b.enq.Trigger(b.ctx, scheduleID, true)
	require.NoError(t, err)
	eventually(t, "alert run finished", func() bool { return b.run(t, runID).Status == StatusCompleted })
	return alertResult(t, b.run(t, runID))
}

// The 16th fire of one alert within 3 minutes is recorded in its run, not
// sent, pauses the alert (audited as the scheduler's) and tells the owner;
// resumed, the alert counts from zero again. Fires spread over more than
// the window never flood.
func TestFloodControlPausesAtTheSixteenthFire(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 110}
	mgr := marketdata.NewManager(market, nil, 0, slog.New(slog.DiscardHandler))
	var clock atomic.Int64
	b := setup(t, setupOpts{market: mgr, alertNow: func() time.Time { return time.Unix(0, clock.Load()) },
		cfg: func(c *config.Config) { c.DigestWindow = 0 }}) // the digest is TestDigest's
	require.Equal(t, 15, b.cfg.AlertFloodLimit)
	require.Equal(t, 3*time.Minute, b.cfg.AlertFloodWindow.D())
	q := dbsqlc.New()

	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "0 0 1 1 *", params: everyTimeAlert("AAPL")})
	t0 := time.Now().Add(-time.Hour).Truncate(time.Minute)
	for i := range 15 {
		res := b.fireAt(t, &clock, s.ID, t0.Add(time.Duration(i)*10*time.Second))
		require.True(t, res.Fired, "fire %d: %s", i+1, res.Reason)
		require.Equal(t, DeliverySent, res.Delivery.Outcome, "fire %d", i+1)
		require.NotEmpty(t, res.MessageID)
	}
	require.Len(t, b.notificationJobs(t), 15)
	row, err := q.ScheduleGetByID(b.ctx, b.pool, s.ID)
	require.NoError(t, err)
	require.True(t, row.Enabled)

	// The 16th, 150 s after the first.
	res := b.fireAt(t, &clock, s.ID, t0.Add(150*time.Second))
	require.True(t, res.Fired, "the run records the fire")
	require.Equal(t, DeliveryFlood, res.Delivery.Outcome)
	require.Contains(t, res.Delivery.Note, "not sent: fire 16 of this alert within 3m0s, over alert_flood_limit 15; the alert is paused")
	require.Empty(t, res.MessageID, "no message for this fire")

	row, err = q.ScheduleGetByID(b.ctx, b.pool, s.ID)
	require.NoError(t, err)
	require.False(t, row.Enabled, "the alert is paused")
	require.Equal(t, "paused by flood control: 16 fires within 3m0s (alert_flood_limit 15)", *row.PausedNote)
	var source string
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT source FROM audit_log WHERE action = 'schedule.pause' AND entity_id = $1`,
		fmt.Sprint(s.ID)).Scan(&source))
	require.Equal(t, "scheduler", source)

	notes := b.notificationJobs(t)
	require.Len(t, notes, 16, "15 alert messages and the flood message; the 16th fire's own message is not sent")
	for _, n := range notes[:15] {
		require.Regexp(t, `^AAPL above 100 at 110.00\n/why \d+$`, n.Message, "the alert's text and the hint that explains it")
	}
	flood := notes[15]
	require.Equal(t, notify.TypeSystem, flood.NotificationType)
	require.Equal(t, b.userID, flood.UserID)
	require.Contains(t, flood.Message, fmt.Sprintf("Flood control paused your alert #%d", s.ID))
	require.Contains(t, flood.Message, "fired 16 times within 3m0s")
	require.Contains(t, flood.Message, "AAPL above 100 at 110.00")
	require.Contains(t, flood.Message, fmt.Sprintf("/resume %d", s.ID))

	var outcomes []string
	rows, err := b.pool.Query(b.ctx, `SELECT outcome FROM alert_fires WHERE schedule_id = $1 ORDER BY fired_at`, s.ID)
	require.NoError(t, err)
	for rows.Next() {
		var o string
		require.NoError(t, rows.Scan(&o))
		outcomes = append(outcomes, o)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, append(slicesRepeat(DeliverySent, 15), DeliveryFlood), outcomes)

	// Resumed 20 s later, still within 3 minutes of 15 sent fires: it
	// starts again from zero.
	_, err = q.ScheduleResumeScoped(b.ctx, b.pool, dbsqlc.ScheduleResumeScopedParams{ID: s.ID, AllUsers: true})
	require.NoError(t, err)
	res = b.fireAt(t, &clock, s.ID, t0.Add(170*time.Second))
	require.Equal(t, DeliverySent, res.Delivery.Outcome)

	// Another alert fires 16 times 15 s apart: never 16 within 3 minutes.
	slow := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "0 0 1 1 *", params: everyTimeAlert("MSFT")})
	t1 := t0.Add(10 * time.Minute)
	for i := range 16 {
		res := b.fireAt(t, &clock, slow.ID, t1.Add(time.Duration(i)*15*time.Second))
		require.Equal(t, DeliverySent, res.Delivery.Outcome, "fire %d", i+1)
	}
	row, err = q.ScheduleGetByID(b.ctx, b.pool, slow.ID)
	require.NoError(t, err)
	require.True(t, row.Enabled)
}

// 20 fires of one user's alerts within the digest window (on four symbols,
// so four alert jobs that run at once) arrive as digest_first messages plus
// one digest listing the other 15; a fire after the window is sent at once.
func TestDigestHoldsFiresPastDigestFirst(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 110}
	mgr := marketdata.NewManager(market, nil, 0, slog.New(slog.DiscardHandler))
	var clock atomic.Int64
	b := setup(t, setupOpts{market: mgr, alertNow: func() time.Time { return time.Unix(0, clock.Load()) }})
	require.Equal(t, 5, b.cfg.DigestFirst)
	require.Equal(t, time.Minute, b.cfg.DigestWindow.D())

	// The window is now: its digest is due a minute from now.
	at := time.Now().UTC().Truncate(time.Minute)
	clock.Store(at.Add(time.Second).UnixNano())
	ids := make([]int32, 0, 20)
	symbols := []string{"AAPL", "MSFT", "IBM", "NVDA"}
	for i := range 20 {
		s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &at,
			params: everyTimeAlert(symbols[i%4]), grace: ptr(int32(1 << 30))})
		ids = append(ids, s.ID)
	}
	st := b.tickAt(t, at)
	require.Equal(t, 20, st.Runs)
	eventually(t, "20 alert runs completed", func() bool {
		return b.count(t, `SELECT count(*) FROM job_schedule_runs WHERE job_type = 'alert' AND status = 'COMPLETED'`) == 20
	})
	outcomes := map[string]int{}
	for _, id := range ids {
		res := alertResult(t, b.runs(t, id)[0])
		require.True(t, res.Fired)
		outcomes[res.Delivery.Outcome]++
		if res.Delivery.Outcome == DeliveryHeld {
			require.Empty(t, res.MessageID)
			require.Equal(t, at.Add(time.Second+time.Minute), res.Delivery.DigestAt.UTC(), "the window opened at the first fire")
		}
	}
	require.Equal(t, map[string]int{DeliverySent: 5, DeliveryHeld: 15}, outcomes)
	require.Len(t, b.notificationJobs(t), 5, "the first five go at once")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM river_job WHERE kind = 'alert_digest' AND state = 'scheduled'`),
		"one digest, at the window's end")

	// The window ends (the test moves the digest's time instead of waiting
	// a minute).
	_, err := b.pool.Exec(b.ctx, `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE kind = 'alert_digest'`)
	require.NoError(t, err)
	eventually(t, "six messages delivered", func() bool {
		return b.count(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND status = 'recorded'`, b.userID) == 6
	})
	var digest string
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT message FROM notifications WHERE user_id = $1 AND message LIKE 'Digest:%'`,
		b.userID).Scan(&digest))
	lines := strings.Split(digest, "\n")
	require.Len(t, lines, 16, "a heading and the 15 held fires: %s", digest)
	require.Contains(t, lines[0], "Digest: 15 more alert fires between")
	require.Contains(t, lines[0], "(the first 5 were sent at once)")
	for _, l := range lines[1:] {
		require.Regexp(t, ` above 100 at 110.00 \(/why \d+\)$`, l)
	}
	require.Equal(t, 5, b.count(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND message LIKE '% above 100 at 110.00' || chr(10) || '/why %'`, b.userID))
	require.Zero(t, b.count(t, `SELECT count(*) FROM alert_fires WHERE outcome = 'held' AND digest_message_id IS NULL`))

	// After the window: sent at once, a new window.
	later := at.Add(2 * time.Minute)
	res := b.fireAt(t, &clock, ids[0], later)
	require.Equal(t, DeliverySent, res.Delivery.Outcome)
	require.NotEmpty(t, res.MessageID)
}

func (b *bundle) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(b.ctx, sql, args...).Scan(&n))
	return n
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// Retention deletes alert fires older than run_retention, as it deletes
// runs, and keeps the recent ones flood control counts.
func TestRetentionDeletesOldAlertFires(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	old := time.Now().Add(-b.cfg.RunRetention.D() - time.Hour)
	for _, at := range []time.Time{old, time.Now()} {
		_, err := b.pool.Exec(b.ctx, `INSERT INTO alert_fires (schedule_id, user_id, run_id, fired_at, outcome, message)
			VALUES (1, $1, 1, $2, 'sent', 'm')`, b.userID, at)
		require.NoError(t, err)
	}
	w := &RunRetentionWorker{Pool: b.pool, Config: b.cfg, Logger: slog.New(slog.DiscardHandler)}
	require.NoError(t, w.Work(b.ctx, nil))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM alert_fires`))
	require.Zero(t, b.count(t, `SELECT count(*) FROM alert_fires WHERE fired_at < now() - interval '1 hour'`))
}
