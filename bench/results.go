package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/jobs"
)

// errWriterStopped is returned to jobs that arrive after the writer stopped.
var errWriterStopped = errors.New("bench results writer stopped")

// resultRow is one bench_results row: what the probe job records.
type resultRow struct {
	RunID        int64
	ScheduleID   int64
	ScheduledFor time.Time
	StartedAt    time.Time
}

type pendingResult struct {
	row  resultRow
	done chan error
}

// resultWriter inserts bench_results rows in batches (many rows per statement
// every interval), like jobs.Ledger, so that the probe costs no per-job
// transaction. Unlike the ledger it tells each caller when its row is
// committed: a probe job completes only after its row is in the table.
type resultWriter struct {
	pool     *pgxpool.Pool
	log      *slog.Logger
	interval time.Duration
	maxBatch int

	mu      sync.Mutex
	pending []pendingResult
	closed  bool
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newResultWriter(pool *pgxpool.Pool, log *slog.Logger, interval time.Duration, maxBatch int) *resultWriter {
	return &resultWriter{
		pool: pool, log: log, interval: interval, maxBatch: maxBatch,
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
}

// Write queues row and waits until the batch holding it is committed.
func (w *resultWriter) Write(ctx context.Context, row resultRow) error {
	p := pendingResult{row: row, done: make(chan error, 1)}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errWriterStopped
	}
	w.pending = append(w.pending, p)
	n := len(w.pending)
	w.mu.Unlock()
	if n >= w.maxBatch {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		// The row may still be written: a retry then shows as a duplicate
		// result, which is what duplicate_results measures.
		return ctx.Err()
	}
}

// Run flushes every interval until Stop; queued rows are flushed before it
// returns.
func (w *resultWriter) Run(ctx context.Context) {
	defer close(w.stopped)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			w.mu.Lock()
			w.closed = true
			w.mu.Unlock()
			w.flush(context.WithoutCancel(ctx))
			return
		case <-t.C:
		case <-w.kick:
		}
		w.flush(ctx)
	}
}

// Stop flushes what is queued, refuses new rows and waits for Run to return.
func (w *resultWriter) Stop() {
	w.once.Do(func() { close(w.stop) })
	<-w.stopped
}

func (w *resultWriter) take() []pendingResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := min(len(w.pending), w.maxBatch)
	if n == 0 {
		return nil
	}
	batch := make([]pendingResult, n)
	copy(batch, w.pending)
	w.pending = append(w.pending[:0], w.pending[n:]...)
	return batch
}

func (w *resultWriter) flush(ctx context.Context) {
	for {
		batch := w.take()
		if len(batch) == 0 {
			return
		}
		err := w.insert(ctx, batch)
		if err != nil {
			w.log.Error("insert bench results", "error", err, "rows", len(batch))
		}
		for _, p := range batch {
			p.done <- err
		}
	}
}

const resultsInsertSQL = `INSERT INTO bench_results (run_id, schedule_id, scheduled_for, started_at)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[])`

func (w *resultWriter) insert(ctx context.Context, batch []pendingResult) error {
	runs := make([]int64, len(batch))
	schedules := make([]int64, len(batch))
	fors := make([]time.Time, len(batch))
	starts := make([]time.Time, len(batch))
	for i, p := range batch {
		runs[i], schedules[i], fors[i], starts[i] = p.row.RunID, p.row.ScheduleID, p.row.ScheduledFor, p.row.StartedAt
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := w.pool.Exec(ctx, resultsInsertSQL, runs, schedules, fors, starts); err != nil {
		return fmt.Errorf("insert %d bench results: %w", len(batch), err)
	}
	return nil
}

// probeWorker works data_processing jobs in the bench: the WORKLOAD's job
// body, one bench_results row per job, written through the batching writer.
type probeWorker struct {
	river.WorkerDefaults[jobs.DataProcessingArgs]
	writer *resultWriter // nil on nodes that do not work jobs
}

// Work records the job's row and returns once it is committed.
func (p *probeWorker) Work(ctx context.Context, job *river.Job[jobs.DataProcessingArgs]) error {
	started := time.Now()
	if p.writer == nil {
		return errors.New("bench probe: this node has no results writer")
	}
	return p.writer.Write(ctx, resultRow{
		RunID: job.Args.Run.RunID, ScheduleID: job.Args.Run.ScheduleID,
		ScheduledFor: job.Args.Run.ScheduledFor, StartedAt: started,
	})
}

// NextRetry retries a failed probe after a second (config's 120 s
// data_processing retry delay is for real work).
func (p *probeWorker) NextRetry(*river.Job[jobs.DataProcessingArgs]) time.Time {
	return time.Now().Add(time.Second)
}
