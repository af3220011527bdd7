package incidents_test

import (
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/jobs"
)

// What the checks read, written as the rest of Vigil writes it.

// failRun records a FAILED run of jobType that finished at t.
func (b *bundle) failRun(jobType, errText string, t time.Time) {
	b.t.Helper()
	b.exec(`INSERT INTO job_schedule_runs (job_type, user_id, status, scheduled_for, started_at, finished_at, error, attempt)
		VALUES ($1, $2, 'FAILED', $3, $3, $3, $4, 4)`, jobType, b.user, t, errText)
}

// runningRun records a run of jobType RUNNING since t and returns its id.
func (b *bundle) runningRun(jobType string, t time.Time) int64 {
	b.t.Helper()
	var id int64
	require.NoError(b.t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedule_runs (job_type, user_id, status, scheduled_for, started_at, attempt)
		VALUES ($1, $2, 'RUNNING', $3, $3, 1) RETURNING id`, jobType, b.user, t).Scan(&id))
	return id
}

// beat writes a heartbeat of system/component at t.
func (b *bundle) beat(system, component, status string, t time.Time, errMsg ...string) {
	b.t.Helper()
	var msg *string
	if len(errMsg) > 0 {
		msg = &errMsg[0]
	}
	b.exec(`INSERT INTO msg_system_health (system, component, status, error_message, checked_at) VALUES ($1, $2, $3, $4, $5)`,
		system, component, status, msg, t)
}

// queueJob inserts a real River report job that has been available since t
// and returns its id.
func (b *bundle) queueJob(t time.Time) int64 {
	b.t.Helper()
	res, err := b.client.Insert(b.ctx, jobs.ReportArgs{Run: jobs.RunRef{RunID: 1}, Params: []byte(`{}`)}, nil)
	require.NoError(b.t, err)
	require.Equal(b.t, "available", string(res.Job.State))
	b.exec(`UPDATE river_job SET scheduled_at = $1, created_at = $1 WHERE id = $2`, t, res.Job.ID)
	return res.Job.ID
}

// dueSchedule creates an enabled schedule due at t and returns its id.
func (b *bundle) dueSchedule(t time.Time) int64 {
	b.t.Helper()
	var id int64
	require.NoError(b.t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, cron, next_run_at)
		VALUES ($1, 'daily', 'report', 'AAPL', '0 9 * * *', $2) RETURNING id`, b.user, t).Scan(&id))
	return id
}

// failedDeliveries records n deliveries on channel with status, last
// attempted at t.
func (b *bundle) failedDeliveries(channel, status string, n int, t time.Time) {
	b.t.Helper()
	for range n {
		b.exec(`INSERT INTO notifications (user_id, channel, status, message, attempts, error, created_at, updated_at)
			VALUES ($1, $2, $3, 'hello', 6, 'telegram: Bad Gateway (502)', $4, $4)`, b.user, channel, status, t)
	}
}
