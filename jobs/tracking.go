package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/metrics"
)

type resultKey struct{}

// activity counts a client's jobs at work and when it last started or
// finished one, for the workers' health check.
type activity struct {
	running atomic.Int64
	last    atomic.Int64 // unix nanoseconds
}

func (a *activity) begin() {
	a.running.Add(1)
	a.last.Store(time.Now().UnixNano())
}

func (a *activity) end() {
	a.running.Add(-1)
	a.last.Store(time.Now().UnixNano())
}

// snapshot returns the jobs at work and the last start or finish (zero:
// none yet).
func (a *activity) snapshot() (int64, time.Time) {
	var last time.Time
	if n := a.last.Load(); n != 0 {
		last = time.Unix(0, n)
	}
	return a.running.Load(), last
}

type resultBox struct {
	value       json.RawMessage
	selfTracked bool
}

// SetResult stores a job's result JSON on its run(s) when the job completes.
func SetResult(ctx context.Context, v any) error {
	box, ok := ctx.Value(resultKey{}).(*resultBox)
	if !ok {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode job result: %w", err)
	}
	box.value = b
	return nil
}

// MarkSelfTracked tells run tracking that the worker wrote its runs' outcome
// itself, in the transaction that completed the job (river.JobCompleteTx).
func MarkSelfTracked(ctx context.Context) {
	if box, ok := ctx.Value(resultKey{}).(*resultBox); ok {
		box.selfTracked = true
	}
}

// selfTrackedKinds write their runs' outcome themselves, atomically with the
// job's completion (river.JobCompleteTx).
var selfTrackedKinds = map[string]bool{config.JobAlert: true}

// trackingMiddleware keeps job_schedule_runs in step with River: RUNNING at
// start, then COMPLETED, PENDING with the error while retries remain, FAILED
// when River will discard the job, CANCELLED on cancel. Events go through the
// batching Ledger.
//
// It also writes the design's log line of each run's outcome (logRunOutcome;
// the alert worker writes its own) and counts the client's work in
// activity for the workers' health check.
type trackingMiddleware struct {
	river.MiddlewareDefaults
	ledger   *Ledger
	pool     *pgxpool.Pool
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics.Metrics
	activity *activity
}

func (m *trackingMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	m.activity.begin()
	defer m.activity.end()
	if job.Queue == QueueMaintenance {
		return doInner(ctx)
	}
	m.metrics.WorkerBusy(job.Kind, 1)
	defer m.metrics.WorkerBusy(job.Kind, -1)
	refs, err := runRefsOf(job.EncodedArgs)
	if err != nil || len(refs) == 0 {
		return doInner(ctx)
	}
	workerID := ""
	if c := river.ClientFromContext[pgx.Tx](ctx); c != nil {
		workerID = c.ID()
	}
	started := m.now()
	if job.AttemptedAt != nil {
		started = *job.AttemptedAt
	}
	event := func(ref RunRef, status string) RunEvent {
		return RunEvent{RunID: ref.RunID, ScheduleID: ref.ScheduleID, ScheduledFor: ref.ScheduledFor, Status: status, Attempt: job.Attempt,
			StartedAt: started, At: m.now(), WorkerID: workerID}
	}

	// buffer_one / buffer_all: wait while another run of the schedule runs.
	if ref := refs[0]; ref.ScheduleID != 0 && (ref.Overlap == OverlapBufferOne || ref.Overlap == OverlapBufferAll) {
		running, err := dbsqlc.New().RiverCountOlderRunningForSchedule(ctx, m.pool, dbsqlc.RiverCountOlderRunningForScheduleParams{
			Kind: job.Kind, JobID: job.ID, ScheduleID: ref.ScheduleID})
		if err == nil && running > 0 {
			return river.JobSnooze(time.Second)
		}
	}

	startEvents := make([]RunEvent, len(refs))
	for i, ref := range refs {
		startEvents[i] = event(ref, StatusRunning)
		if job.Attempt == 1 && !ref.ScheduledFor.IsZero() {
			m.metrics.ObserveFireLag(started.Sub(ref.ScheduledFor))
		}
	}
	// Kinds that write their runs' outcome in their own transaction (alerts)
	// get no RUNNING event from the batched ledger: its update would race
	// with theirs on the same run rows (a deadlock); their runs go from
	// PENDING to their outcome, with started_at, in one commit.
	if !selfTrackedKinds[job.Kind] {
		m.ledger.Record(startEvents...)
	}

	box := &resultBox{}
	ctx = context.WithValue(ctx, resultKey{}, box)
	workStart := time.Now()
	workErr := doInner(ctx)
	took := time.Since(workStart)
	status, msg := attemptOutcome(job, workErr)
	m.metrics.ObserveJob(job.Kind, outcomeLabel(status, workErr), took)
	if box.selfTracked && workErr == nil {
		return nil // the worker logged its runs' outcomes
	}

	component := componentOf(job.Kind)
	events := make([]RunEvent, len(refs))
	for i, ref := range refs {
		e := event(ref, status)
		e.Error = msg
		if status == StatusCompleted {
			e.Result = box.value
		}
		events[i] = e
		logRunOutcome(ctx, m.log, component, job.Kind, ref, job.ID, job.Attempt, status, msg, took)
	}
	m.ledger.Record(events...)
	return workErr
}

// outcomeLabel names an attempt's outcome for metrics.
func outcomeLabel(status string, err error) string {
	switch {
	case status == StatusCompleted:
		return "completed"
	case status == StatusFailed:
		return "failed"
	case status == StatusCancelled:
		return "cancelled"
	case err == nil:
		return "completed"
	}
	var snooze *rivertype.JobSnoozeError
	if errors.As(err, &snooze) {
		return "snoozed"
	}
	return "retry"
}

// attemptOutcome maps a worker's return to the run's status after this attempt.
func attemptOutcome(job *rivertype.JobRow, err error) (string, string) {
	if err == nil {
		return StatusCompleted, ""
	}
	var snooze *rivertype.JobSnoozeError
	if errors.As(err, &snooze) {
		return StatusPending, ""
	}
	var cancel *rivertype.JobCancelError
	if errors.As(err, &cancel) {
		return StatusCancelled, err.Error()
	}
	if job.Attempt >= job.MaxAttempts {
		return StatusFailed, err.Error()
	}
	return StatusPending, fmt.Sprintf("attempt %d of %d: %v", job.Attempt, job.MaxAttempts, err)
}
