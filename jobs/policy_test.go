package jobs

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// A restart after downtime applies each catch-up policy: the schedule fired
// every 10 s; the scheduler was down for 5 minutes; grace is 30 s.
func TestCatchupAfterDowntime(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	lastPlanned := now.Add(-5 * time.Minute).Add(10 * time.Second) // first missed fire
	grace := int32(30)
	tests := []struct {
		catchup  string
		maxCatch int32
		want     map[string]int
	}{
		// 30 missed fires: 11:55:10 .. 12:00:00; those at 11:59:30 .. 12:00:00 are within grace.
		{CatchupSkip, 0, map[string]int{"PENDING": 4, "SKIPPED:misfire": 26}},
		{CatchupAll, 0, map[string]int{"PENDING": 4, "SKIPPED:misfire": 26}},
		{CatchupAll, 2, map[string]int{"PENDING": 2, "SKIPPED:catchup_limit": 2, "SKIPPED:misfire": 26}},
		{CatchupCoalesce, 0, map[string]int{"PENDING": 1, "SKIPPED:coalesced": 29}},
		{CatchupLatest, 0, map[string]int{"PENDING": 1, "SKIPPED:coalesced": 29}},
	}
	for _, tt := range tests {
		t.Run(tt.catchup, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{noStart: true})
			s := b.newSchedule(t, scheduleOpts{cron: "*/10 * * * * *", nextRunAt: &lastPlanned,
				catchup: tt.catchup, grace: &grace, maxCatch: tt.maxCatch, maxInst: 100})
			st := b.tickAt(t, now)
			require.Equal(t, tt.want, statusCounts(b.runs(t, s.ID)))
			require.Equal(t, tt.want["PENDING"], st.Runs)

			// Every missed fire is accounted for: a run or a SKIPPED row, none lost.
			require.Len(t, b.runs(t, s.ID), 30)
			after, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, s.ID)
			require.NoError(t, err)
			require.Equal(t, now.Add(10*time.Second), after.NextRunAt.UTC())

			// A second tick at the same instant fires nothing again.
			st = b.tickAt(t, now)
			require.Zero(t, st.Runs+st.Skipped)
		})
	}
}

// A long outage of a per-second schedule is worked through in bounded chunks:
// no tick takes more than maxFiresPerTick fires of one schedule, and only the
// fires within grace run.
func TestCatchupIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	now := time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	from := now.Add(-2 * time.Hour)
	grace := int32(30)
	s := b.newSchedule(t, scheduleOpts{cron: "* * * * * *", nextRunAt: &from, grace: &grace, maxInst: 1000})
	ticks := 0
	for {
		st := b.tickAt(t, now)
		ticks++
		require.LessOrEqual(t, st.Runs+st.Skipped, maxFiresPerTick)
		if st.Due == 0 {
			break
		}
		require.Less(t, ticks, 20)
	}
	counts := statusCounts(b.runs(t, s.ID))
	require.Equal(t, 31, counts["PENDING"], "only the fires within grace run")
	require.Equal(t, 7200-30, counts["SKIPPED:misfire"])
}

// When fires outpace workers, allow_all stops at max_instances: the backlog of
// open runs is bounded and the excess is recorded as SKIPPED overlap.
func TestOverloadIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	defer close(release)
	start := time.Now().Truncate(time.Second)
	first := start.Add(time.Second)
	s := b.newSchedule(t, scheduleOpts{cron: "* * * * * *", overlap: OverlapAllowAll, maxInst: 3, nextRunAt: &first})
	b.report.set(s.ID, func(ctx context.Context, _ *river.Job[ReportArgs]) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	for i := 1; i <= 10; i++ {
		b.tickAt(t, start.Add(time.Duration(i)*time.Second))
	}
	counts := statusCounts(b.runs(t, s.ID))
	require.Equal(t, 3, counts["PENDING"]+counts["RUNNING"])
	require.Equal(t, 7, counts["SKIPPED:overlap"])
}

func blockUntilCancelled(started chan<- int64) reportBehaviour {
	return func(ctx context.Context, job *river.Job[ReportArgs]) error {
		started <- job.Args.Run.RunID
		<-ctx.Done()
		return ctx.Err()
	}
}

func TestOverlapPolicies(t *testing.T) {
	t.Parallel()
	t.Run("skip", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		started := make(chan int64, 10)
		t0 := time.Now().Truncate(time.Second)
		s := b.newSchedule(t, scheduleOpts{cron: "* * * * * *", overlap: OverlapSkip, nextRunAt: ptr(t0.Add(time.Second))})
		b.report.set(s.ID, blockUntilCancelled(started))
		b.tickAt(t, t0.Add(time.Second))
		<-started
		b.tickAt(t, t0.Add(2*time.Second))
		b.tickAt(t, t0.Add(3*time.Second))
		counts := statusCounts(b.runs(t, s.ID))
		require.Equal(t, 2, counts["SKIPPED:overlap"])
		require.Equal(t, 1, counts["PENDING"]+counts["RUNNING"])
	})
	t.Run("cancel_other", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		started := make(chan int64, 10)
		t0 := time.Now().Truncate(time.Second)
		s := b.newSchedule(t, scheduleOpts{cron: "* * * * * *", overlap: OverlapCancelOther, nextRunAt: ptr(t0.Add(time.Second))})
		b.report.set(s.ID, blockUntilCancelled(started))
		b.tickAt(t, t0.Add(time.Second))
		first := <-started
		b.tickAt(t, t0.Add(2*time.Second))
		second := <-started
		require.NotEqual(t, first, second)
		r := b.run(t, first)
		require.Equal(t, StatusCancelled, r.Status)
		eventually(t, "the first job cancelled in River", func() bool {
			var state string
			require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT state FROM river_job WHERE id = $1", *r.RiverJobID).Scan(&state))
			return state == "cancelled"
		})
		require.Equal(t, StatusCancelled, b.run(t, first).Status, "the cancelled run stays cancelled")
	})
	t.Run("buffer_one", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		started := make(chan int64, 10)
		release := make(chan struct{})
		t0 := time.Now().Truncate(time.Second)
		s := b.newSchedule(t, scheduleOpts{cron: "* * * * * *", overlap: OverlapBufferOne, nextRunAt: ptr(t0.Add(time.Second))})
		b.report.set(s.ID, func(ctx context.Context, job *river.Job[ReportArgs]) error {
			started <- job.Args.Run.RunID
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
		b.tickAt(t, t0.Add(time.Second))
		first := <-started
		b.tickAt(t, t0.Add(2*time.Second)) // buffered
		b.tickAt(t, t0.Add(3*time.Second)) // skipped: one already waits
		counts := statusCounts(b.runs(t, s.ID))
		require.Equal(t, 1, counts["SKIPPED:overlap"])
		select {
		case id := <-started:
			t.Fatalf("buffered run %d started while run %d was running", id, first)
		case <-time.After(1500 * time.Millisecond):
		}
		eventually(t, "run 1 tracked as RUNNING", func() bool { return b.run(t, first).Status == StatusRunning })
		close(release)
		second := <-started
		require.NotEqual(t, first, second)
		eventually(t, "both completed", func() bool {
			return statusCounts(b.runs(t, s.ID))[StatusCompleted] == 2
		})
	})
}

func TestPauseAndResume(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	t0 := time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	s := b.newSchedule(t, scheduleOpts{cron: "* * * * *", nextRunAt: &t0})
	q := dbsqlc.New()
	_, err := q.SchedulePauseScoped(b.ctx, b.pool, dbsqlc.SchedulePauseScopedParams{ID: s.ID, AllUsers: true, Note: ptr("maintenance window")})
	require.NoError(t, err)
	st := b.tickAt(t, t0.Add(10*time.Minute))
	require.Zero(t, st.Runs+st.Skipped, "a paused schedule does not fire")

	resumed, err := q.ScheduleResumeScoped(b.ctx, b.pool, dbsqlc.ScheduleResumeScopedParams{ID: s.ID, AllUsers: true})
	require.NoError(t, err)
	require.Nil(t, resumed.NextRunAt, "resume re-plans from now")
	now := t0.Add(10*time.Minute + 30*time.Second)
	b.tickAt(t, now)
	after, err := q.ScheduleGetByID(b.ctx, b.pool, s.ID)
	require.NoError(t, err)
	require.Equal(t, t0.Add(11*time.Minute), after.NextRunAt.UTC(), "the paused time is not caught up")
	require.Empty(t, b.runs(t, s.ID))
}

func TestRemainingRunsPausesSchedule(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	t0 := time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	s := b.newSchedule(t, scheduleOpts{cron: "* * * * *", nextRunAt: &t0, remaining: ptr(int32(2))})
	b.tickAt(t, t0)
	b.tickAt(t, t0.Add(time.Minute))
	b.tickAt(t, t0.Add(2*time.Minute))
	require.Equal(t, map[string]int{"PENDING": 2}, statusCounts(b.runs(t, s.ID)))
	after, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, s.ID)
	require.NoError(t, err)
	require.False(t, after.Enabled)
	require.Equal(t, "run limit reached", *after.PausedNote)
	require.Equal(t, 1, schedulerAudits(t, b, s.ID, "schedule.pause"), "the pause is audited once")
}

// schedulerAudits counts the audit rows the scheduler wrote for a schedule.
func schedulerAudits(t *testing.T, b *bundle, id int32, action string) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM audit_log WHERE source = 'scheduler'
		AND action = $1 AND entity_type = 'schedule' AND entity_id = $2`, action, strconv.Itoa(int(id))).Scan(&n))
	return n
}

func TestFailingJobGoesToFailedAndPauses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.newSchedule(t, scheduleOpts{cron: "0 * * * *", pauseFail: true})
	var mu = make(chan struct{}, 100)
	b.report.set(s.ID, func(ctx context.Context, job *river.Job[ReportArgs]) error {
		mu <- struct{}{}
		return errors.New("data source unavailable")
	})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)

	seen := map[string]bool{}
	eventually(t, "run FAILED", func() bool {
		r := b.run(t, runID)
		seen[r.Status] = true
		return r.Status == StatusFailed
	})
	r := b.run(t, runID)
	require.Equal(t, "data source unavailable", *r.Error)
	require.Equal(t, int32(3), r.Attempt, "retry_attempts 2 = three attempts")
	require.NotNil(t, r.FinishedAt)
	require.Len(t, mu, 3)
	eventually(t, "the dead letter stays visible in River as discarded", func() bool {
		var state string
		require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT state FROM river_job WHERE id = $1", *r.RiverJobID).Scan(&state))
		return state == "discarded"
	})

	eventually(t, "schedule paused on failure", func() bool {
		s2, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, s.ID)
		require.NoError(t, err)
		return !s2.Enabled && s2.PausedNote != nil
	})
	eventually(t, "the pause is audited", func() bool { return schedulerAudits(t, b, s.ID, "schedule.pause") == 1 })
}

func TestRetryLeavesRunPendingWithError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	gate := make(chan struct{})
	attempts := make(chan int, 10)
	b.report.set(s.ID, func(ctx context.Context, job *river.Job[ReportArgs]) error {
		attempts <- job.Attempt
		if job.Attempt == 1 {
			return errors.New("flaky upstream")
		}
		<-gate
		return nil
	})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	require.Equal(t, 1, <-attempts)
	require.Equal(t, 2, <-attempts)
	eventually(t, "second attempt RUNNING with the first error kept", func() bool {
		r := b.run(t, runID)
		return r.Status == StatusRunning && r.Attempt == 2
	})
	require.Contains(t, *b.run(t, runID).Error, "flaky upstream")
	close(gate)
	eventually(t, "completed", func() bool { return b.run(t, runID).Status == StatusCompleted })
	require.Nil(t, b.run(t, runID).Error)
}

func TestCancelPendingAndRunning(t *testing.T) {
	t.Parallel()
	b := setup(t)
	started := make(chan int64, 10)
	running := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	b.report.set(running.ID, blockUntilCancelled(started))
	runID, err := b.enq.Trigger(b.ctx, running.ID, false)
	require.NoError(t, err)
	<-started
	cancelRun(t, b, runID)
	r := b.run(t, runID)
	eventually(t, "running job cancelled in River", func() bool {
		var state string
		require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT state FROM river_job WHERE id = $1", *r.RiverJobID).Scan(&state))
		return state == "cancelled"
	})
	require.Equal(t, StatusCancelled, b.run(t, runID).Status)

	// A pending run: its job is scheduled in the future (jitter), not yet fetched.
	pending := b.newSchedule(t, scheduleOpts{cron: "* * * * * *"})
	_, err = b.pool.Exec(b.ctx, "UPDATE job_schedules SET jitter_seconds = 3600 WHERE id = $1", pending.ID)
	require.NoError(t, err)
	at := time.Now().Add(-time.Second).Truncate(time.Second)
	_, err = b.pool.Exec(b.ctx, "UPDATE job_schedules SET next_run_at = $2 WHERE id = $1", pending.ID, at)
	require.NoError(t, err)
	b.tickAt(t, at)
	runs := b.runs(t, pending.ID)
	require.Len(t, runs, 1)
	require.Equal(t, StatusPending, runs[0].Status)
	cancelRun(t, b, runs[0].ID)
	var state string
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT state FROM river_job WHERE id = $1", *runs[0].RiverJobID).Scan(&state))
	require.Equal(t, "cancelled", state)
	require.Equal(t, StatusCancelled, b.run(t, runs[0].ID).Status)

	// Cancelling a finished run is refused.
	err = pgx.BeginFunc(b.ctx, b.pool, func(tx pgx.Tx) error {
		_, err := CancelRun(b.ctx, tx, b.client.Client, runs[0].ID, "again")
		return err
	})
	require.Error(t, err)
}

func cancelRun(t *testing.T, b *bundle, id int64) {
	t.Helper()
	require.NoError(t, pgx.BeginFunc(b.ctx, b.pool, func(tx pgx.Tx) error {
		_, err := CancelRun(b.ctx, tx, b.client.Client, id, "cancelled by test")
		return err
	}))
}

// A crash between a job's completion in River and its ledger write leaves the
// run RUNNING; the reconciler repairs it from River's state.
func TestReconcilerRepairsLostLedgerWrite(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	eventually(t, "completed in the ledger and in River", func() bool {
		r := b.run(t, runID)
		var state string
		require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT state FROM river_job WHERE id = $1", *r.RiverJobID).Scan(&state))
		return r.Status == StatusCompleted && state == "completed"
	})

	// Simulate the lost write: River completed the job, the ledger still says RUNNING.
	_, err = b.pool.Exec(b.ctx, "UPDATE job_schedule_runs SET status = 'RUNNING', finished_at = NULL WHERE id = $1", runID)
	require.NoError(t, err)
	// And a run whose River job is gone entirely (e.g. cleaned up).
	gone := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	b.report.set(gone.ID, blockUntilCancelled(make(chan int64, 1)))
	goneRun, err := b.enq.Trigger(b.ctx, gone.ID, false)
	require.NoError(t, err)
	eventually(t, "running", func() bool { return b.run(t, goneRun).Status == StatusRunning })
	_, err = b.pool.Exec(b.ctx, "DELETE FROM river_job WHERE id = $1", *b.run(t, goneRun).RiverJobID)
	require.NoError(t, err)

	n, err := Reconcile(b.ctx, b.pool, testLogger(t), time.Nanosecond)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, StatusCompleted, b.run(t, runID).Status)
	require.NotNil(t, b.run(t, runID).FinishedAt)
	g := b.run(t, goneRun)
	require.Equal(t, StatusFailed, g.Status)
	require.Contains(t, *g.Error, "Service restart cleanup")

	n, err = Reconcile(b.ctx, b.pool, testLogger(t), time.Nanosecond)
	require.NoError(t, err)
	require.Zero(t, n, "reconciling again changes nothing")
}

func TestTriggerAndBackfill(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	s := b.newSchedule(t, scheduleOpts{cron: "0 * * * *", overlap: OverlapSkip})
	id, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	r := b.run(t, id)
	require.Equal(t, "manual", r.Trigger)
	require.Equal(t, StatusPending, r.Status)
	_, err = b.enq.Trigger(b.ctx, s.ID, false)
	require.ErrorIs(t, err, ErrOverlap, "overlap skip refuses a second manual run")
	_, err = b.enq.Trigger(b.ctx, s.ID, true)
	require.NoError(t, err, "force overrides the overlap policy")

	now := time.Date(2027, 5, 3, 12, 30, 0, 0, time.UTC)
	b.enq.NowFunc = func() time.Time { return now }
	from, to := time.Date(2027, 5, 3, 6, 0, 0, 0, time.UTC), time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	// One fire already ran.
	b.tickAt(t, now) // plans next_run_at
	b.partitionFor(t, now)
	_, err = b.pool.Exec(b.ctx, `INSERT INTO job_schedule_runs (job_type, job_id, status, scheduled_for) VALUES ('report', $1, 'COMPLETED', $2)`,
		s.ID, time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC))
	require.NoError(t, err)

	dry, err := b.enq.Backfill(b.ctx, s.ID, from, to, true)
	require.NoError(t, err)
	require.Len(t, dry, 7, "06:00 through 12:00")
	for _, f := range dry {
		require.False(t, f.Enqueued)
		if f.At.Hour() == 9 {
			require.Equal(t, StatusCompleted, f.Existing)
		} else {
			require.Empty(t, f.Existing)
		}
	}
	before := len(b.runs(t, s.ID))
	res, err := b.enq.Backfill(b.ctx, s.ID, from, to, false)
	require.NoError(t, err)
	enq := 0
	for _, f := range res {
		if f.Enqueued {
			enq++
		}
	}
	require.Equal(t, 6, enq)
	require.Len(t, b.runs(t, s.ID), before+6)
	res, err = b.enq.Backfill(b.ctx, s.ID, from, to, false)
	require.NoError(t, err)
	for _, f := range res {
		require.False(t, f.Enqueued, "a second backfill adds nothing")
	}
	_, err = b.enq.Backfill(b.ctx, s.ID, to, from, false)
	require.ErrorContains(t, err, "must be after")
}

// DST through the enqueuer: New York's 02:30 does not exist on 2027-03-14 and
// fires once at 03:00 EDT; 01:30 repeats on 2027-11-07 and fires once.
func TestEnqueuerDST(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)

	spring := time.Date(2027, 3, 13, 12, 0, 0, 0, ny)
	s1 := b.newSchedule(t, scheduleOpts{cron: "30 2 * * *", tz: "America/New_York"})
	b.tickAt(t, spring) // plan
	got, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, s1.ID)
	require.NoError(t, err)
	require.Equal(t, time.Date(2027, 3, 14, 7, 0, 0, 0, time.UTC), got.NextRunAt.UTC(), "02:30 EST does not exist: 03:00 EDT")
	b.tickAt(t, time.Date(2027, 3, 14, 7, 0, 1, 0, time.UTC))
	runs := b.runs(t, s1.ID)
	require.Len(t, runs, 1)
	require.Equal(t, time.Date(2027, 3, 14, 7, 0, 0, 0, time.UTC), runs[0].ScheduledFor.UTC())

	fall := time.Date(2027, 11, 6, 12, 0, 0, 0, ny)
	s2 := b.newSchedule(t, scheduleOpts{cron: "30 1 * * *", tz: "America/New_York"})
	b.tickAt(t, fall)
	for _, at := range []time.Time{
		time.Date(2027, 11, 7, 5, 30, 1, 0, time.UTC), // 01:30 EDT
		time.Date(2027, 11, 7, 6, 30, 1, 0, time.UTC), // 01:30 EST, the repeat
		time.Date(2027, 11, 8, 6, 30, 1, 0, time.UTC), // next day
	} {
		b.tickAt(t, at)
	}
	var fires []time.Time
	for _, r := range b.runs(t, s2.ID) {
		fires = append(fires, r.ScheduledFor.UTC())
	}
	require.Equal(t, []time.Time{
		time.Date(2027, 11, 7, 5, 30, 0, 0, time.UTC),
		time.Date(2027, 11, 8, 6, 30, 0, 0, time.UTC),
	}, fires, "the repeated 01:30 fires once")
}
