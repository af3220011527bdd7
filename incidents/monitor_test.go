package incidents_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/incidents"
)

// lifecycle makes one kind of problem, then clears it.
type lifecycle struct {
	kind    string
	subject string
	cfg     func(*config.Config)
	// cause makes the problem as of t0; more (optional) adds to it before
	// the third check.
	cause, more func(b *bundle)
	// clear ends it after the check a minute before resolveAt (which still
	// sees it); the check at resolveAt resolves it.
	clear     func(b *bundle)
	resolveAt time.Duration
	// minCount is the incident's count when it resolves.
	minCount int64
}

func lifecycles() []lifecycle {
	return []lifecycle{
		{
			kind: incidents.KindJobFailed, subject: "report: provider timeout after #",
			cause: func(b *bundle) {
				// Three failed runs differing only in numbers: one class.
				for i, s := range []string{"30s", "12s", "7.5s"} {
					b.failRun("report", "provider timeout after "+s, b.at(-time.Duration(3-i)*time.Minute))
				}
			},
			more:  func(b *bundle) { b.failRun("report", "provider timeout after 31s", b.at(90*time.Second)) },
			clear: func(*bundle) {}, // no new failure: it resolves 15m after the last one
			// The last failure was at 1m30s; incident_resolve_after is 15m.
			resolveAt: 17 * time.Minute, minCount: 4,
		},
		{
			kind: incidents.KindQueueBacklog, subject: "report",
			// An hour, so that the incident messages waiting in the
			// notification queue (no worker here) do not back it up.
			cfg: func(c *config.Config) { c.IncidentQueueBacklogAge = config.Duration(time.Hour) },
			cause: func(b *bundle) {
				b.queueJob(b.at(-2 * time.Hour))
				b.queueJob(b.at(-90 * time.Minute))
			},
			clear:     func(b *bundle) { b.exec("DELETE FROM river_job WHERE kind = 'report'") },
			resolveAt: 4 * time.Minute, minCount: 3,
		},
		{
			kind: incidents.KindHeartbeatStale, subject: "worker/host-a",
			cause: func(b *bundle) {
				// Three intervals (90s) without a beat.
				b.beat("worker", "host-a", "HEALTHY", b.at(-2*time.Minute))
			},
			clear: func(b *bundle) {
				// Beating again, every 30s.
				for d := 3*time.Minute + 50*time.Second; d < 8*time.Minute; d += 30 * time.Second {
					b.beat("worker", "host-a", "HEALTHY", b.at(d))
				}
			},
			resolveAt: 4 * time.Minute, minCount: 3,
		},
		{
			kind: incidents.KindSlowJob, subject: "report",
			cause: func(b *bundle) {
				// 80% of the report's max_runtime (300s) is 4m.
				b.runningRun("report", b.at(-5*time.Minute))
			},
			clear: func(b *bundle) {
				b.exec("UPDATE job_schedule_runs SET status = 'COMPLETED', finished_at = $1", b.at(3*time.Minute))
			},
			resolveAt: 4 * time.Minute, minCount: 3,
		},
		{
			kind: incidents.KindFireLag, subject: "scheduler",
			cause: func(b *bundle) { b.dueSchedule(b.at(-10 * time.Minute)) },
			clear: func(b *bundle) {
				b.exec("UPDATE job_schedules SET next_run_at = $1", b.at(time.Hour))
			},
			resolveAt: 4 * time.Minute, minCount: 3,
		},
		{
			kind: incidents.KindChannelFailing, subject: "telegram",
			cause: func(b *bundle) {
				b.failedDeliveries("telegram", "failed", 3, b.at(-time.Minute))
				b.failedDeliveries("telegram", "retrying", 2, b.at(-time.Minute))
				// Another channel below the threshold.
				b.failedDeliveries("webhook", "failed", 4, b.at(-time.Minute))
			},
			clear:     func(b *bundle) { b.exec("UPDATE notifications SET status = 'sent' WHERE status = 'retrying'") },
			resolveAt: 4 * time.Minute, minCount: 3,
		},
	}
}

// TestEachKindOpensOnceAndResolvesOnce: every kind of incident opens on the
// first check that sees its problem, is counted by the next ones, resolves
// once the problem is gone, and sends each admin exactly one open and one
// resolve message (and nobody else anything).
func TestEachKindOpensOnceAndResolvesOnce(t *testing.T) {
	t.Parallel()
	require.Len(t, lifecycles(), len(incidents.Kinds()), "one lifecycle per kind")
	for _, lc := range lifecycles() {
		t.Run(lc.kind, func(t *testing.T) {
			t.Parallel()
			var mods []func(*config.Config)
			if lc.cfg != nil {
				mods = append(mods, lc.cfg)
			}
			b := setup(t, mods...)
			require.Empty(t, b.check(-time.Minute).Opened, "nothing wrong yet")

			lc.cause(b)
			res := b.check(0)
			require.Len(t, res.Opened, 1, "%+v", res)
			in := res.Opened[0]
			require.Equal(t, lc.kind, in.Kind)
			require.Equal(t, lc.subject, in.Subject)
			require.Equal(t, len(b.admins), res.Notified, "one open message per admin")
			require.Contains(t, string(in.Details), `"summary"`)

			res = b.check(time.Minute)
			require.Empty(t, res.Opened)
			require.Len(t, res.Seen, 1)
			require.Zero(t, res.Notified, "a check that still sees it sends nothing")
			if lc.more != nil {
				lc.more(b)
			}
			res = b.check(2 * time.Minute)
			require.Len(t, res.Seen, 1)
			require.Zero(t, res.Notified)

			res = b.check(lc.resolveAt - time.Minute)
			require.Len(t, res.Seen, 1, "still there a minute before it resolves")
			require.Empty(t, res.Resolved)
			lc.clear(b)
			res = b.check(lc.resolveAt)
			require.Len(t, res.Resolved, 1, "%+v", res)
			require.Equal(t, in.ID, res.Resolved[0].ID)
			require.Equal(t, len(b.admins), res.Notified, "one resolve message per admin")

			for i := range 3 {
				res = b.check(lc.resolveAt + time.Duration(i+1)*time.Minute)
				require.Empty(t, res.Opened)
				require.Empty(t, res.Reopened)
				require.Empty(t, res.Seen)
				require.Empty(t, res.Resolved)
				require.Zero(t, res.Notified)
			}

			rows := b.incidents(lc.kind)
			require.Len(t, rows, 1, "one incident")
			got := rows[0]
			require.NotNil(t, got.ResolvedAt)
			require.True(t, b.at(lc.resolveAt).Equal(*got.ResolvedAt), "resolved at %s", got.ResolvedAt)
			require.GreaterOrEqual(t, got.Count, lc.minCount)
			require.NotNil(t, got.NotifiedOpenAt)
			require.NotNil(t, got.NotifiedResolveAt)
			require.Zero(t, got.Reopened)
			b.requireMessages([]int64{in.ID}, map[int64]bool{in.ID: true})
			require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'incident.open' AND entity_id = $1 AND source = 'scheduler'", fmt.Sprint(in.ID)))
			require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'incident.resolve' AND entity_id = $1", fmt.Sprint(in.ID)))
			require.Equal(t, 1, b.count("SELECT count(*) FROM incidents"), "no other kind opened")
		})
	}
}
