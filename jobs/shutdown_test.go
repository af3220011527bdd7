package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
)

// Graceful shutdown lets a running job finish within the timeout; a job still
// running at the timeout is cancelled and left to River to retry.
func TestShutdownFinishesThenCancels(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	ctx := b.ctx
	require.NoError(t, b.client.Start(ctx))

	quick := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	stuck := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	started := make(chan int64, 2)
	b.report.set(quick.ID, func(ctx context.Context, job *river.Job[ReportArgs]) error {
		started <- job.Args.Run.RunID
		time.Sleep(300 * time.Millisecond) // still running when shutdown begins
		return nil
	})
	b.report.set(stuck.ID, blockUntilCancelled(started))
	quickRun, err := b.enq.Trigger(ctx, quick.ID, false)
	require.NoError(t, err)
	stuckRun, err := b.enq.Trigger(ctx, stuck.ID, false)
	require.NoError(t, err)
	<-started
	<-started

	require.NoError(t, b.client.Shutdown(ctx, 2*time.Second))

	require.Equal(t, StatusCompleted, b.run(t, quickRun).Status, "the running job finished during shutdown")
	r := b.run(t, stuckRun)
	require.Equal(t, StatusPending, r.Status, "the cancelled job waits for its retry")
	var state string
	require.NoError(t, b.pool.QueryRow(ctx, "SELECT state FROM river_job WHERE id = $1", *r.RiverJobID).Scan(&state))
	require.Contains(t, []string{"retryable", "available"}, state, "River will work it again")
}
