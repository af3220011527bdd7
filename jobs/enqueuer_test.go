package jobs

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

func TestEndToEndNotificationSchedule(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobNotification, cron: "* * * * * *"})

	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = b.enq.Run(ctx) }()
	eventually(t, "three completed runs", func() bool {
		return statusCounts(b.runs(t, s.ID))[StatusCompleted] >= 3
	})
	cancel()
	<-done

	for _, r := range b.runs(t, s.ID) {
		if r.Status != StatusCompleted {
			continue
		}
		require.NotNil(t, r.RiverJobID)
		require.NotNil(t, r.StartedAt)
		require.NotNil(t, r.FinishedAt)
		require.Equal(t, int32(1), r.Attempt)
		require.NotEmpty(t, *r.WorkerID)
		require.Equal(t, s.Revision, *r.ScheduleRevision)
		require.Zero(t, r.ScheduledFor.Nanosecond()%int(time.Second), "fires are whole seconds")
	}
	// With no channel configured for the user, the message is recorded.
	var recorded int
	require.NoError(t, b.pool.QueryRow(b.ctx,
		"SELECT count(*) FROM notifications WHERE channel = 'log' AND status = 'recorded' AND user_id = $1", b.userID).Scan(&recorded))
	require.GreaterOrEqual(t, recorded, 3)
}

func TestPsqlInsertedRowsArePlannedOrDisabled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	// A build without the screener worker: screener rows wait for it.
	kinds := slices.DeleteFunc(slices.Clone(b.client.Kinds), func(k string) bool { return k == config.JobScreener })
	enq, err := NewEnqueuer(EnqueuerOpts{Pool: b.pool, Client: b.client.Client, Config: b.cfg, Validator: validator,
		Logger: testLogger(t), Kinds: kinds})
	require.NoError(t, err)
	go func() { _ = enq.Run(ctx) }()
	time.Sleep(100 * time.Millisecond) // let the listener start (the 30 s ceiling would catch it anyway)

	// Rows written by another service or an operator, as the design's bot does.
	var good, badCron, badParams, waiting int32
	q := `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron) VALUES ($1, 'x', $2, 'AAPL', $3, $4) RETURNING id`
	require.NoError(t, b.pool.QueryRow(b.ctx, q, b.userID, "report", `{"report_type":"daily_summary"}`, "0 9 * * 1-5").Scan(&good))
	require.NoError(t, b.pool.QueryRow(b.ctx, q, b.userID, "report", `{"report_type":"daily_summary"}`, "61 * * * *").Scan(&badCron))
	require.NoError(t, b.pool.QueryRow(b.ctx, q, b.userID, "report", `{"report_type":"weekly_gossip"}`, "0 9 * * *").Scan(&badParams))
	require.NoError(t, b.pool.QueryRow(b.ctx, q, b.userID, "screener", `{"screener_set": "sp500", "filter_criteria": {"max_pe_ratio": 25}}`, "0 3 * * *").Scan(&waiting))

	get := func(id int32) dbsqlc.JobSchedule {
		s, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, id)
		require.NoError(t, err)
		return s
	}
	eventually(t, "rows planned by the scheduler", func() bool { return get(good).NextRunAt != nil && !get(badCron).Enabled })
	g := get(good)
	wd := g.NextRunAt.UTC().Weekday()
	require.True(t, wd >= time.Monday && wd <= time.Friday, "0 9 * * 1-5 fires on a weekday, got %s", wd)
	require.Equal(t, 9, g.NextRunAt.UTC().Hour())

	bc := get(badCron)
	require.False(t, bc.Enabled)
	require.Contains(t, *bc.DisabledReason, "minute field: 61 out of range 0-59")

	eventually(t, "bad task_params disabled", func() bool { return !get(badParams).Enabled })
	require.Contains(t, *get(badParams).DisabledReason, "/report_type")

	// A non-admin may not schedule per-second crons, even by writing the row directly.
	var plainUser int64
	var perSecond int32
	require.NoError(t, b.pool.QueryRow(b.ctx, "INSERT INTO users (name) VALUES ('plain') RETURNING id").Scan(&plainUser))
	require.NoError(t, b.pool.QueryRow(b.ctx, q, plainUser, "report", `{"report_type":"daily_summary"}`, "*/10 * * * * *").Scan(&perSecond))
	eventually(t, "per-second cron of a non-admin disabled", func() bool { return !get(perSecond).Enabled })
	require.Contains(t, *get(perSecond).DisabledReason, "not allowed for this user")

	w := get(waiting)
	require.True(t, w.Enabled)
	require.NotNil(t, w.NextRunAt, "a waiting row is still planned, for display")
	require.NotNil(t, w.WaitReason)
	require.Equal(t, "no worker for job type screener in this build", *w.WaitReason)

	h := enq.Health()
	require.EqualValues(t, 3, h.SchedulesDisabled, "each disabled row is counted for the scheduler's health check")
	require.Contains(t, h.LastDisabled, "disabled: ")
	var rows int
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT count(*) FROM msg_system_health").Scan(&rows))
	require.Zero(t, rows, "a disabled schedule is not a heartbeat: a one-off row would read as DOWN once stale")

	// Fixing the cron re-enables nothing by itself, but clears the reason when enabled again.
	_, err = b.pool.Exec(b.ctx, "UPDATE job_schedules SET cron = '0 * * * *', enabled = true WHERE id = $1", badCron)
	require.NoError(t, err)
	eventually(t, "fixed row planned", func() bool { return get(badCron).NextRunAt != nil })
	require.Nil(t, get(badCron).DisabledReason)
}

func TestConcurrentEnqueuersFireExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, nodes := range []int{2, 4} {
		t.Run(map[int]string{2: "two", 4: "four"}[nodes], func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			const n = 40
			ids := make([]int32, n)
			for i := range ids {
				ids[i] = b.newSchedule(t, scheduleOpts{cron: "* * * * * *"}).ID
			}
			ctx, cancel := context.WithCancel(b.ctx)
			var wg sync.WaitGroup
			for range nodes {
				e, err := NewEnqueuer(EnqueuerOpts{Pool: b.pool, Client: b.client.Client, Config: b.cfg,
					Validator: validator, Logger: testLogger(t), Kinds: b.client.Kinds})
				require.NoError(t, err)
				wg.Go(func() { _ = e.Run(ctx) })
			}
			time.Sleep(3 * time.Second)
			cancel()
			wg.Wait()

			var runs, distinctFires, jobs, distinctJobs, jobsWithoutRun int
			require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*), count(DISTINCT (job_id, scheduled_for)),
				count(river_job_id), count(DISTINCT river_job_id) FROM job_schedule_runs`).Scan(&runs, &distinctFires, &jobs, &distinctJobs))
			require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM river_job j
				WHERE kind = 'report' AND NOT EXISTS (SELECT 1 FROM job_schedule_runs r WHERE r.river_job_id = j.id)`).Scan(&jobsWithoutRun))
			require.Greater(t, runs, n, "schedules fired")
			require.Equal(t, distinctFires, runs, "no fire has two runs")
			require.Equal(t, distinctJobs, jobs, "no two runs share a job")
			require.Zero(t, jobsWithoutRun, "no job without its run")
			var riverJobs int
			require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM river_job WHERE kind = 'report'`).Scan(&riverJobs))
			require.Equal(t, jobs, riverJobs, "one River job per run")

			// No gaps: each schedule's fires are consecutive seconds.
			for _, id := range ids {
				var first, last time.Time
				var count int
				require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT min(scheduled_for), max(scheduled_for), count(*)
					FROM job_schedule_runs WHERE job_id = $1`, id).Scan(&first, &last, &count))
				require.Equal(t, int(last.Sub(first)/time.Second)+1, count, "schedule %d has every fire between its first and last", id)
			}
		})
	}
}

// A row whose task_params cannot become a job (written by psql with
// next_run_at already set, so the planner never validated it) fails its run
// and is disabled; the other rows of the tick still fire.
func TestUnbuildableRowDoesNotBlockTheTick(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	at := time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	good := b.newSchedule(t, scheduleOpts{jobType: config.JobNotification, cron: "* * * * *", nextRunAt: &at})
	var bad int32
	require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, next_run_at)
		VALUES ($1, 'bad', 'notification', 'x', '{"user_id": "not a number", "message": "hi"}', '* * * * *', $2) RETURNING id`,
		b.userID, at).Scan(&bad))
	st := b.tickAt(t, at)
	require.Equal(t, 1, st.Runs, "the good row got its job")
	require.Equal(t, map[string]int{"PENDING": 1}, statusCounts(b.runs(t, good.ID)))
	require.Equal(t, map[string]int{"FAILED": 1}, statusCounts(b.runs(t, bad)))
	s, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, bad)
	require.NoError(t, err)
	require.False(t, s.Enabled)
	require.Contains(t, *s.DisabledReason, "invalid task_params")
}
