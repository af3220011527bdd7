package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/health"
	"github.com/vigilhq/vigil/marketdata"
)

// The scheduler's check: HEALTHY while Run ticks, DEGRADED when the latest
// tick failed, DOWN when the last tick is older than three
// MaxTickIntervals or Run has returned.
func TestEnqueuerHealthCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.Equal(t, health.Down, b.enq.HealthCheck(time.Now()).Status, "not running yet")

	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = b.enq.Run(ctx) }()
	eventually(t, "a tick committed", func() bool { return !b.enq.Health().LastTick.IsZero() })
	c := b.enq.HealthCheck(time.Now())
	require.Equal(t, health.Healthy, c.Status, c.Message())
	require.Equal(t, true, c.Metadata["running"])

	late := b.enq.HealthCheck(time.Now().Add(3*MaxTickInterval + time.Second))
	require.Equal(t, health.Down, late.Status)
	require.Contains(t, late.Message(), "last scheduler tick")
	require.Contains(t, late.Message(), "more than 1m30s")

	_, err := b.pool.Exec(b.ctx, "ALTER TABLE job_schedules RENAME TO job_schedules_away")
	require.NoError(t, err)
	_, err = b.enq.Tick(b.ctx)
	require.Error(t, err)
	c = b.enq.HealthCheck(time.Now())
	require.Equal(t, health.Degraded, c.Status)
	require.Contains(t, c.Message(), "last scheduler tick failed: ")
	_, err = b.pool.Exec(b.ctx, "ALTER TABLE job_schedules_away RENAME TO job_schedules")
	require.NoError(t, err)
	_, err = b.enq.Tick(b.ctx)
	require.NoError(t, err)
	require.Equal(t, health.Healthy, b.enq.HealthCheck(time.Now()).Status, "a good tick heals")

	cancel()
	<-done
	c = b.enq.HealthCheck(time.Now())
	require.Equal(t, health.Down, c.Status)
	require.Equal(t, "the scheduler's enqueuer is not running", c.Message())
}

// river_client is DOWN for a working client that was not started or has
// stopped; an insert-only client has nothing to stop.
func TestRiverClientHealthCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client.HealthCheck()
	require.Equal(t, health.Healthy, c.Status)
	require.Equal(t, b.client.ID(), c.Metadata["client_id"])
	require.Equal(t, "working", c.Metadata["mode"])
	require.Contains(t, c.Metadata["queues"], config.JobAlert)

	require.NoError(t, b.client.Shutdown(b.ctx, time.Second))
	c = b.client.HealthCheck()
	require.Equal(t, health.Down, c.Status)
	require.Equal(t, "the River client has stopped", c.Message())
	w := b.client.WorkersCheck(b.ctx, b.pool, time.Now(), time.Minute)
	require.Equal(t, health.Down, w.Status)
	require.Equal(t, health.Down, b.client.AlertEvaluatorCheck(time.Now()).Status)

	idle := setup(t, setupOpts{noStart: true})
	require.Equal(t, "the River client was not started", idle.client.HealthCheck().Message())

	insertOnly, err := NewClient(Deps{Pool: b.pool, Config: b.cfg})
	require.NoError(t, err)
	c = insertOnly.HealthCheck()
	require.Equal(t, health.Healthy, c.Status)
	require.Equal(t, "insert_only", c.Metadata["mode"])
}

// workers is DEGRADED while a job waits longer than the stall period in a
// queue the worker does not fetch from (here: paused), and HEALTHY again
// once it is worked.
func TestWorkersCheckSeesStalledProducers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client.WorkersCheck(b.ctx, b.pool, time.Now(), time.Minute)
	require.Equal(t, health.Healthy, c.Status, c.Message())

	paused, stop := b.client.Subscribe(river.EventKindQueuePaused)
	defer stop()
	require.NoError(t, b.client.QueuePause(b.ctx, config.JobReport, nil))
	select {
	case <-paused:
	case <-time.After(20 * time.Second):
		t.Fatal("the report queue's producer did not pause")
	}
	_, err := b.client.Insert(b.ctx, ReportArgs{Run: RunRef{RunID: 1 << 30}}, &river.InsertOpts{Queue: config.JobReport, ScheduledAt: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	eventually(t, "River's scheduler made the job available", func() bool {
		var available bool
		_ = b.pool.QueryRow(b.ctx, "SELECT state = 'available' FROM river_job WHERE kind = 'report'").Scan(&available)
		return available
	})

	c = b.client.WorkersCheck(b.ctx, b.pool, time.Now(), time.Minute)
	require.Equal(t, health.Degraded, c.Status)
	require.Equal(t, "jobs have waited more than 1m0s in [report], and this worker has worked none", c.Message())
	q := c.Metadata["queues"].(map[string]any)[config.JobReport].(map[string]any)
	require.EqualValues(t, 1, q["available"])
	require.Greater(t, q["oldest_wait_seconds"].(float64), 3599.0)

	require.NoError(t, b.client.QueueResume(b.ctx, config.JobReport, nil))
	eventually(t, "the job worked once the queue resumed", func() bool {
		return b.client.WorkersCheck(b.ctx, b.pool, time.Now(), time.Minute).Status == health.Healthy
	})
}

// alert_evaluator reports the alert worker's last evaluation: DEGRADED
// with its error while evaluations fail, HEALTHY ("ready") once one
// commits.
func TestAlertEvaluatorCheck(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	failing.Store(true)
	mgr := marketdata.NewManager(&priceProvider{price: 150}, nil, 0, slog.New(slog.DiscardHandler))
	b := setup(t, setupOpts{market: mgr, beforeCommit: func() error {
		if failing.Load() {
			return errors.New("database connection timeout")
		}
		return nil
	}})
	c := b.client.AlertEvaluatorCheck(time.Now())
	require.Equal(t, health.Healthy, c.Status, "ready before the first evaluation")
	require.Equal(t, "no alert evaluated yet", c.Metadata["note"])

	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "0 * * * *",
		params: map[string]any{"symbol": "AAPL", "condition": "price_above", "threshold": 120, "timeframe": "1h"}})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	eventually(t, "an evaluation failed", func() bool { return b.client.AlertEvaluations.Last().Failures > 0 })
	c = b.client.AlertEvaluatorCheck(time.Now())
	require.Equal(t, health.Degraded, c.Status)
	require.Equal(t, "last alert evaluation failed: database connection timeout", c.Message())

	failing.Store(false)
	eventually(t, "evaluated on retry", func() bool { return b.run(t, runID).Status == StatusCompleted })
	c = b.client.AlertEvaluatorCheck(time.Now())
	require.Equal(t, health.Healthy, c.Status)
	require.Contains(t, c.Metadata, "last_success_at")
}

// Run tracking writes the design's outcome lines: WARN while a run will be
// retried, ERROR "Job report_456 failed: …" when it will not, INFO "Job
// report_123 executed successfully in 2.3s", with job_id the schedule id
// and River's id as river_job_id, in River's own lines too.
func TestRunOutcomeLogLines(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil)).With("service", "worker")
	b := setup(t, setupOpts{log: log})
	ok := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	bad := b.newSchedule(t, scheduleOpts{cron: "0 * * * *"})
	b.report.set(bad.ID, func(context.Context, *river.Job[ReportArgs]) error {
		return errors.New("database connection timeout")
	})
	okRun, err := b.enq.Trigger(b.ctx, ok.ID, false)
	require.NoError(t, err)
	badRun, err := b.enq.Trigger(b.ctx, bad.ID, false)
	require.NoError(t, err)
	eventually(t, "both runs finished", func() bool {
		return b.run(t, okRun).Status == StatusCompleted && b.run(t, badRun).Status == StatusFailed
	})
	badJob := *b.run(t, badRun).RiverJobID

	lines := strings.Split(logs.String(), "\n")
	find := func(substr string) string {
		t.Helper()
		for _, l := range lines {
			if strings.Contains(l, substr) {
				return l + " "
			}
		}
		t.Fatalf("no line with %q in:\n%s", substr, logs.String())
		return ""
	}
	done := find(fmt.Sprintf(`msg="Job report_%d executed successfully in `, ok.ID))
	require.Contains(t, done, "level=INFO ")
	require.Contains(t, done, " service=worker ")
	require.Contains(t, done, " component=report ")
	require.Contains(t, done, fmt.Sprintf(" job_id=%d ", ok.ID))
	require.Contains(t, done, fmt.Sprintf(" run_id=%d ", okRun))
	require.Contains(t, done, fmt.Sprintf(" user_id=%d ", b.userID))
	require.Regexp(t, ` context\.execution_time=[0-9.]+ `, done)

	retry := find(fmt.Sprintf(`msg="Job report_%d failed, will retry: attempt 1 of 3: database connection timeout"`, bad.ID))
	require.Contains(t, retry, "level=WARN ")
	failed := find(fmt.Sprintf(`msg="Job report_%d failed: database connection timeout"`, bad.ID))
	require.Contains(t, failed, "level=ERROR ")
	require.Contains(t, failed, fmt.Sprintf(" river_job_id=%d ", badJob))
	require.Contains(t, failed, " attempt=3 ")

	river := find("Job errored")
	require.Contains(t, river, " component=river ")
	require.Contains(t, river, fmt.Sprintf(" river_job_id=%d ", badJob), "River's job_id is renamed")
	require.NotContains(t, river, " job_id=")
}
