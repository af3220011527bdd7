package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A RUNNING event younger than one flush interval waits: when the job's
// outcome comes within it, the run row goes from PENDING to COMPLETED in one
// update; an older RUNNING event is written, and Flush writes everything.
func TestLedgerHoldsFreshRunning(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	var sid, runA, runB int64
	require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron)
		VALUES ($1, 'hold', 'data_processing', 'x', '{}', '* * * * *') RETURNING id`, b.userID).Scan(&sid))
	b.partitionFor(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	for i, id := range []*int64{&runA, &runB} {
		require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for)
			VALUES ('data_processing', $1, $2, 'PENDING', $3) RETURNING id`, sid, b.userID,
			time.Date(2026, 3, 2, 10, i, 0, 0, time.UTC)).Scan(id))
	}
	status := func(id int64) string {
		var s string
		require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT status FROM job_schedule_runs WHERE id = $1", id).Scan(&s))
		return s
	}
	started := time.Now().Add(-time.Second)
	ev := func(id int64, st string) RunEvent {
		return RunEvent{RunID: id, ScheduleID: sid, Status: st, Attempt: 1, StartedAt: started, At: time.Now(), WorkerID: "w"}
	}
	l := NewLedger(b.pool, testLogger(t), time.Hour, 100)
	l.Record(ev(runA, StatusRunning), ev(runB, StatusRunning))
	l.flushAll(b.ctx, true)
	require.Equal(t, StatusPending, status(runA), "a fresh RUNNING event is held")

	l.Record(ev(runA, StatusCompleted))
	l.flushAll(b.ctx, true)
	require.Equal(t, StatusCompleted, status(runA), "the outcome is written at once, in place of RUNNING")
	require.Equal(t, StatusPending, status(runB))

	// runB's RUNNING event is now older than the interval.
	l.mu.Lock()
	e := l.pending[runB]
	e.queued = time.Now().Add(-2 * time.Hour)
	l.pending[runB] = e
	l.mu.Unlock()
	l.flushAll(b.ctx, true)
	require.Equal(t, StatusRunning, status(runB), "a run still running after an interval shows RUNNING")

	l.Record(ev(runB, StatusCompleted))
	require.NoError(t, l.Flush(b.ctx))
	require.Equal(t, StatusCompleted, status(runB))
	l.Record(RunEvent{RunID: runB, ScheduleID: sid, Status: StatusRunning, Attempt: 2, StartedAt: time.Now(), At: time.Now()})
	require.NoError(t, l.Flush(b.ctx), "Flush holds nothing back")
	require.Equal(t, StatusRunning, status(runB))
}
