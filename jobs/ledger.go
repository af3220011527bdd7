package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Run statuses, upper case as in the design.
const (
	StatusPending   = "PENDING"
	StatusRunning   = "RUNNING"
	StatusCompleted = "COMPLETED"
	StatusFailed    = "FAILED"
	StatusCancelled = "CANCELLED"
	StatusSkipped   = "SKIPPED"
)

// RunEvent is one step of one attempt of a run.
type RunEvent struct {
	RunID      int64
	ScheduleID int64
	// ScheduledFor is the run's fire time (RunRef.ScheduledFor): with the id it
	// finds the run in its day partition. Zero: looked up by id first.
	ScheduledFor time.Time
	Status       string
	Attempt      int
	StartedAt    time.Time // River's attempted_at: identifies the attempt
	At           time.Time // when the step happened
	WorkerID     string
	Error        string
	Result       json.RawMessage
}

func (e RunEvent) rank() int32 {
	if e.Status == StatusRunning {
		return 1
	}
	return 2
}

// Ledger writes run events to job_schedule_runs in batches: many run rows per
// statement, so that tracking costs no per-job transaction (see
// PERFORMANCE-NOTES.md). Writes are idempotent and only move a run forward, so
// a lost batch is repaired by the job's retry or the reconciler.
type Ledger struct {
	pool     *pgxpool.Pool
	log      *slog.Logger
	interval time.Duration
	maxBatch int

	mu      sync.Mutex
	pending map[int64]queuedEvent
	kick    chan struct{}
	done    chan struct{}
	stopped chan struct{}
	once    sync.Once
	// OnFailed is called after a batch with FAILED events (pause_on_failure).
	onFailed func(ctx context.Context, scheduleIDs []int64)
}

// NewLedger makes a ledger that flushes every interval or maxBatch events.
func NewLedger(pool *pgxpool.Pool, log *slog.Logger, interval time.Duration, maxBatch int) *Ledger {
	if interval <= 0 {
		interval = 50 * time.Millisecond
	}
	if maxBatch <= 0 {
		maxBatch = 2000
	}
	return &Ledger{
		pool: pool, log: log, interval: interval, maxBatch: maxBatch,
		pending: make(map[int64]queuedEvent),
		kick:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
}

// queuedEvent is a pending event and when it was recorded.
type queuedEvent struct {
	RunEvent
	queued time.Time
}

// Record queues events; the newest step of each run wins.
func (l *Ledger) Record(events ...RunEvent) {
	now := time.Now()
	l.mu.Lock()
	for _, e := range events {
		if old, ok := l.pending[e.RunID]; ok && (old.StartedAt.After(e.StartedAt) ||
			(old.StartedAt.Equal(e.StartedAt) && old.rank() > e.rank())) {
			continue
		}
		l.pending[e.RunID] = queuedEvent{RunEvent: e, queued: now}
	}
	n := len(l.pending)
	l.mu.Unlock()
	if n >= l.maxBatch {
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
}

// Run flushes until Stop is called; it flushes once more before returning.
func (l *Ledger) Run(ctx context.Context) {
	defer close(l.stopped)
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			l.flushAll(context.WithoutCancel(ctx), false)
			return
		case <-ctx.Done():
			l.flushAll(context.WithoutCancel(ctx), false)
			return
		case <-t.C:
		case <-l.kick:
		}
		l.flushAll(ctx, true)
	}
}

// Stop flushes what is queued and stops Run.
func (l *Ledger) Stop() {
	l.once.Do(func() { close(l.done) })
	<-l.stopped
}

// take removes up to maxBatch pending events and returns them. With hold, a
// RUNNING event recorded less than one interval ago stays queued: most jobs
// finish within it, and their outcome then replaces it, so that the run
// row is updated once (PENDING → outcome) instead of twice. A run that is
// still running is shown RUNNING one interval later.
func (l *Ledger) take(hold bool) []RunEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		return nil
	}
	cutoff := time.Now().Add(-l.interval)
	out := make([]RunEvent, 0, min(len(l.pending), l.maxBatch))
	for id, e := range l.pending {
		if hold && e.Status == StatusRunning && e.queued.After(cutoff) {
			continue
		}
		out = append(out, e.RunEvent)
		delete(l.pending, id)
		if len(out) == l.maxBatch {
			break
		}
	}
	return out
}

func (l *Ledger) flushAll(ctx context.Context, hold bool) {
	for {
		batch := l.take(hold)
		if len(batch) == 0 {
			return
		}
		if err := l.write(ctx, batch); err != nil {
			// The rows are repaired by the job's retry or the reconciler.
			l.log.Error("write run events", "error", err, "events", len(batch))
			return
		}
	}
}

// Flush writes everything queued now (tests and shutdown).
func (l *Ledger) Flush(ctx context.Context) error {
	for {
		batch := l.take(false)
		if len(batch) == 0 {
			return nil
		}
		if err := l.write(ctx, batch); err != nil {
			return err
		}
	}
}

func (l *Ledger) write(ctx context.Context, batch []RunEvent) error {
	failed, err := writeEvents(ctx, l.pool, batch)
	if err != nil {
		return err
	}
	if len(failed) > 0 && l.onFailed != nil {
		l.onFailed(ctx, failed)
	}
	return nil
}

// writeEvents applies events in one statement and returns the schedules of
// FAILED runs. Each event names its run by (id, scheduled_for), so that the
// update touches one day partition; the few events without a fire time get
// theirs from a lookup by id first.
func writeEvents(ctx context.Context, db dbsqlc.DBTX, batch []RunEvent) ([]int64, error) {
	if err := fillFireTimes(ctx, db, batch); err != nil {
		return nil, err
	}
	p := dbsqlc.RunApplyEventsParams{
		Ids:           make([]int64, len(batch)),
		ScheduledFors: make([]time.Time, len(batch)),
		Statuses:      make([]string, len(batch)),
		Attempts:      make([]int32, len(batch)),
		StartedAts:    make([]time.Time, len(batch)),
		EventAts:      make([]time.Time, len(batch)),
		WorkerIds:     make([]string, len(batch)),
		Errors:        make([]string, len(batch)),
		Results:       make([]string, len(batch)),
		Ranks:         make([]int32, len(batch)),
	}
	var failed []int64
	for i, e := range batch {
		p.Ids[i] = e.RunID
		p.ScheduledFors[i] = e.ScheduledFor
		p.Statuses[i] = e.Status
		p.Attempts[i] = int32(e.Attempt)
		p.StartedAts[i] = e.StartedAt
		p.EventAts[i] = e.At
		p.WorkerIds[i] = e.WorkerID
		p.Errors[i] = e.Error
		p.Results[i] = string(e.Result)
		p.Ranks[i] = e.rank()
		if e.Status == StatusFailed && e.ScheduleID != 0 {
			failed = append(failed, e.ScheduleID)
		}
	}
	if err := dbsqlc.New().RunApplyEvents(ctx, db, p); err != nil {
		return nil, fmt.Errorf("apply %d run events: %w", len(batch), err)
	}
	return failed, nil
}

// fillFireTimes sets ScheduledFor on the events that lack it, from the runs'
// rows; an event whose run no longer exists keeps the zero time and matches
// nothing.
func fillFireTimes(ctx context.Context, db dbsqlc.DBTX, batch []RunEvent) error {
	var ids []int64
	for _, e := range batch {
		if e.ScheduledFor.IsZero() {
			ids = append(ids, e.RunID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := dbsqlc.New().RunFireTimes(ctx, db, ids)
	if err != nil {
		return fmt.Errorf("look up fire times of %d runs: %w", len(ids), err)
	}
	at := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		at[r.ID] = r.ScheduledFor
	}
	for i := range batch {
		if batch[i].ScheduledFor.IsZero() {
			batch[i].ScheduledFor = at[batch[i].RunID]
		}
	}
	return nil
}
