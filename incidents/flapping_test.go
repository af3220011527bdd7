package incidents_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/incidents"
)

// TestFlappingFailureSendsNoFlood: a job that fails, recovers and fails
// again within the cooldown, over and over, keeps one incident and sends each
// admin one open and one resolve message in all; once the cooldown has
// passed, a new failure is a new incident with its own two messages.
func TestFlappingFailureSendsNoFlood(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.Config) {
		c.IncidentResolveAfter = config.Duration(5 * time.Minute)
		c.IncidentCooldown = config.Duration(30 * time.Minute)
	})

	var first int64
	at := time.Duration(0)
	for round := range 5 {
		// A burst of failures, each with other numbers in its error.
		for i := range 10 {
			b.failRun("alert", fmt.Sprintf("fetch AAPL bars: HTTP %d after %dms (request %x)", 500+i, 100*i+round, 0xabc0+i), b.at(at+time.Duration(i)*time.Second))
		}
		res := b.check(at + time.Minute)
		if round == 0 {
			require.Len(t, res.Opened, 1)
			first = res.Opened[0].ID
			require.Equal(t, "alert: fetch AAPL bars: HTTP # after # (request #)", res.Opened[0].Subject)
			require.EqualValues(t, 10, res.Opened[0].Count, "one incident for ten failed runs")
		} else {
			require.Empty(t, res.Opened, "round %d", round)
			require.Len(t, res.Reopened, 1, "round %d: back within the cooldown", round)
			require.Equal(t, first, res.Reopened[0].ID)
			require.Zero(t, res.Notified, "round %d: a recurrence within the cooldown sends nothing", round)
		}
		// Quiet for incident_resolve_after: it resolves.
		res = b.check(at + 7*time.Minute)
		require.Len(t, res.Resolved, 1, "round %d", round)
		if round == 0 {
			require.Equal(t, len(b.admins), res.Notified)
		} else {
			require.Zero(t, res.Notified, "round %d: the admins already had the resolve message", round)
		}
		at += 10 * time.Minute // the next burst is 3 minutes after it resolved
	}
	rows := b.incidents(incidents.KindJobFailed)
	require.Len(t, rows, 1)
	require.EqualValues(t, 50, rows[0].Count, "every failed run is counted")
	require.EqualValues(t, 4, rows[0].Reopened)
	b.requireMessages([]int64{first}, map[int64]bool{first: true})
	require.Equal(t, 4, b.count("SELECT count(*) FROM audit_log WHERE action = 'incident.reopen'"))

	// After the cooldown, the same failure opens a new incident.
	last := at - 10*time.Minute + 7*time.Minute // when the last round resolved
	after := last + 31*time.Minute
	b.failRun("alert", "fetch AAPL bars: HTTP 502 after 3ms (request 1f)", b.at(after))
	res := b.check(after + time.Second)
	require.Len(t, res.Opened, 1)
	second := res.Opened[0].ID
	require.NotEqual(t, first, second)
	require.Equal(t, len(b.admins), res.Notified)
	res = b.check(after + 6*time.Minute)
	require.Len(t, res.Resolved, 1)
	b.requireMessages([]int64{first, second}, map[int64]bool{first: true, second: true})
}

// TestOneIncidentPerJobTypeAndErrorClass: failures are grouped by job type
// and error class, not by run.
func TestOneIncidentPerJobTypeAndErrorClass(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 20 {
		at := b.at(-time.Duration(i) * time.Second)
		b.failRun("alert", fmt.Sprintf(`alert schedule %d: symbol "SYM%d" not found`, i, i), at)
		b.failRun("report", fmt.Sprintf(`alert schedule %d: symbol "SYM%d" not found`, i, i), at)
		b.failRun("report", fmt.Sprintf("render chart %d: out of memory", i), at)
	}
	b.failRun("backup", "", b.at(0))
	res := b.check(time.Second)
	var subjects []string
	for _, in := range res.Opened {
		subjects = append(subjects, in.Subject)
		if in.Subject != "backup: (no error message)" {
			require.EqualValues(t, 20, in.Count, in.Subject)
		}
	}
	require.ElementsMatch(t, []string{
		"alert: alert schedule #: symbol ? not found",
		"report: alert schedule #: symbol ? not found",
		"report: render chart #: out of memory",
		"backup: (no error message)",
	}, subjects)
	require.Equal(t, 4*len(b.admins), res.Notified)
	msgs := b.messages()
	require.Len(t, msgs, 4*len(b.admins))
	require.Contains(t, msgs[0].Message, "opened (job_failed)")
	require.Contains(t, msgs[0].Message, "failed in the last 15m")
}

// TestConcurrentMonitorsOpenOnce: monitors on several schedulers checking at
// the same moment open one incident and queue one message per admin.
func TestConcurrentMonitorsOpenOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.failRun("screener", "fundamentals: rate limited", b.at(0))
	b.beat("telegram", "host-b", "DOWN", b.at(0), "getMe: 401 Unauthorized")

	const monitors, rounds = 4, 5
	mons := make([]*incidents.Monitor, monitors)
	for i := range mons {
		mons[i] = b.monitor(b.pool)
	}
	var mu sync.Mutex
	var opened, skipped, checks int
	for r := range rounds {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, m := range mons {
			wg.Go(func() {
				<-start
				res, err := m.Check(b.ctx, b.at(time.Duration(r)*time.Second))
				require.NoError(t, err)
				mu.Lock()
				defer mu.Unlock()
				checks++
				opened += len(res.Opened)
				if res.Skipped {
					skipped++
				}
			})
		}
		close(start)
		wg.Wait()
	}
	require.Equal(t, monitors*rounds, checks)
	require.Equal(t, 2, opened, "one job_failed and one heartbeat_stale incident, whichever monitor opened them")
	t.Logf("%d of %d checks found another monitor checking and skipped", skipped, checks)
	require.Len(t, b.incidents(incidents.KindJobFailed), 1)
	require.Len(t, b.incidents(incidents.KindHeartbeatStale), 1)
	var ids []int64
	for _, kind := range []string{incidents.KindJobFailed, incidents.KindHeartbeatStale} {
		ids = append(ids, b.incidents(kind)[0].ID)
	}
	b.requireMessages(ids, nil)
}

// TestHeartbeatDown: a component that reports DOWN opens an incident even
// though its heartbeat is fresh; a forgotten one (silent for longer than
// incident_heartbeat_forget) is no longer watched.
func TestHeartbeatDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.beat("scheduler", "host-a", "DOWN", b.at(0), "enqueuer stopped")
	b.beat("worker", "host-a", "HEALTHY", b.at(0))
	b.beat("api", "old-host", "HEALTHY", b.at(-25*time.Hour))
	res := b.check(time.Second)
	require.Len(t, res.Opened, 1)
	require.Equal(t, "scheduler/host-a", res.Opened[0].Subject)
	require.Contains(t, string(res.Opened[0].Details), "scheduler/host-a reports DOWN: enqueuer stopped")

	b.beat("scheduler", "host-a", "HEALTHY", b.at(30*time.Second))
	res = b.check(31 * time.Second)
	require.Len(t, res.Resolved, 1)
	b.requireMessages([]int64{res.Resolved[0].ID}, map[int64]bool{res.Resolved[0].ID: true})
	msgs := b.messages()
	require.Contains(t, msgs[0].Message, "Vigil incident #")
	require.Contains(t, msgs[len(msgs)-1].Message, "resolved (heartbeat_stale): scheduler/host-a")
}

// TestNoAdmins: with no verified admin the incident is still recorded, and
// no message is queued.
func TestNoAdmins(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.exec("UPDATE users SET is_admin = false")
	b.admins = nil
	b.failRun("report", "boom", b.at(0))
	res := b.check(time.Second)
	require.Len(t, res.Opened, 1)
	require.Zero(t, res.Notified)
	require.Empty(t, b.messages())
}

// TestErrorClass: the SQL function that names an error's class.
func TestErrorClass(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for in, want := range map[string]string{
		"provider timeout after 30s":                                          "provider timeout after #",
		"provider timeout after 12.5s":                                        "provider timeout after #",
		`load schedule 1234: symbol "AAPL" not found`:                         "load schedule #: symbol ? not found",
		"job 5f3c2e1a-1111-2222-3333-444455556666 can't start: lock 'x' held": "job ? can't start: lock ? held",
		"dial tcp 10.0.0.1:5432: connection refused":                          "dial tcp #:#: connection refused",
		"deadline 1 2 3 exceeded":                                             "deadline # exceeded",
		"  two\n\tlines  ":                                                    "two lines",
		"":                                                                    "(no error message)",
	} {
		var got string
		require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT vigil_error_class($1)", in).Scan(&got))
		require.Equal(t, want, got, in)
	}
	var n int
	long := fmt.Sprintf("%0500d", 0) + " x"
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT length(vigil_error_class(repeat('word ', 100) || $1))", long).Scan(&n))
	require.Equal(t, 160, n, "cut to 160 characters")
}
