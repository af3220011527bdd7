package bench

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/schedule"
)

// span is a measured range of fires: schedules with ids in [FirstID, LastID]
// and fire times in [From, To).
type span struct {
	From, To        time.Time
	FirstID, LastID int64
}

// cronEvery parses expr in UTC.
func cronEvery(expr string) (*schedule.Schedule, error) {
	s, err := schedule.Parse(expr, "UTC", schedule.Options{})
	if err != nil {
		return nil, fmt.Errorf("bench cron %q: %w", expr, err)
	}
	return s, nil
}

// firesIn counts the fires of s in [from, to).
func firesIn(s *schedule.Schedule, from, to time.Time) int64 {
	return int64(len(firesDuring(s, from, to)))
}

// lastFireBefore is the last fire of s in [from, to), or zero.
func lastFireBefore(s *schedule.Schedule, from, to time.Time) time.Time {
	if f := firesDuring(s, from, to); len(f) > 0 {
		return f[len(f)-1]
	}
	return time.Time{}
}

// firesDuring lists the fires of s in [from, to): Between's (from, to]
// shifted by a nanosecond.
func firesDuring(s *schedule.Schedule, from, to time.Time) []time.Time {
	return s.Between(from.Add(-time.Nanosecond), to.Add(-time.Nanosecond), math.MaxInt)
}

// fireAtOrAfter is the first fire of s at or after t.
func fireAtOrAfter(s *schedule.Schedule, t time.Time) time.Time {
	return s.Next(t.Add(-time.Nanosecond))
}

// period is the gap after a fire of s at t.
func period(s *schedule.Schedule, t time.Time) time.Duration {
	f := fireAtOrAfter(s, t)
	return s.Next(f).Sub(f)
}

// runStats is what the database says about the fires of a span.
type runStats struct {
	Rows        int64 // run rows
	Fires       int64 // distinct fires with a row (SKIPPED included)
	FiresRun    int64 // distinct fires with a row that is not SKIPPED
	Skipped     int64
	SkippedBy   map[string]int64
	NotStarted  int64 // not SKIPPED and no started_at yet
	Unfinished  int64 // not SKIPPED and not in a final state
	Late        int64 // started (or not started by now) more than lateAfter after the fire
	LagP50      *float64
	LagP99      *float64
	LagMax      *float64
	Jobs        int64 // River data_processing jobs of the span
	JobRuns     int64 // distinct runs of those jobs
	Results     int64 // bench_results rows
	ResultRuns  int64 // distinct runs in bench_results
	NoResult    int64 // COMPLETED runs without a bench_results row
	MeasuredAt  time.Time
	LateAfterMs float64
}

// Lag of a run: its started_at (River's attempted_at, written by the run
// ledger) minus the fire time. A run not started by the time of measurement
// counts with lag now − fire, which is beyond any bound waited for.
const runStatsSQL = `
WITH r AS (
    SELECT job_id, scheduled_for, status, started_at,
           extract(epoch FROM COALESCE(started_at, now()) - scheduled_for)::float8 AS lag_s
    FROM job_schedule_runs
    WHERE scheduled_for >= $1 AND scheduled_for < $2 AND job_id BETWEEN $3 AND $4
)
SELECT count(*),
       count(DISTINCT (job_id, scheduled_for)),
       count(DISTINCT (job_id, scheduled_for)) FILTER (WHERE status <> 'SKIPPED'),
       count(*) FILTER (WHERE status = 'SKIPPED'),
       count(*) FILTER (WHERE status <> 'SKIPPED' AND started_at IS NULL),
       count(*) FILTER (WHERE status IN ('PENDING', 'RUNNING')),
       count(*) FILTER (WHERE status <> 'SKIPPED' AND lag_s > $5),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_s) FILTER (WHERE status <> 'SKIPPED'),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_s) FILTER (WHERE status <> 'SKIPPED'),
       max(lag_s) FILTER (WHERE status <> 'SKIPPED'),
       now()
FROM r`

const skippedByReasonSQL = `
SELECT skip_reason, count(*) FROM job_schedule_runs
WHERE scheduled_for >= $1 AND scheduled_for < $2 AND job_id BETWEEN $3 AND $4 AND status = 'SKIPPED'
GROUP BY skip_reason`

// River jobs carry their run reference in args.run (jobs.RunRef).
const jobStatsSQL = `
SELECT count(*), count(DISTINCT args -> 'run' ->> 'run_id') FROM river_job
WHERE kind = 'data_processing'
  AND (args -> 'run' ->> 'scheduled_for')::timestamptz >= $1
  AND (args -> 'run' ->> 'scheduled_for')::timestamptz < $2
  AND (args -> 'run' ->> 'schedule_id')::bigint BETWEEN $3 AND $4`

const resultStatsSQL = `
SELECT count(*), count(DISTINCT run_id) FROM bench_results
WHERE scheduled_for >= $1 AND scheduled_for < $2 AND schedule_id BETWEEN $3 AND $4`

const noResultSQL = `
SELECT count(*) FROM job_schedule_runs r
WHERE r.scheduled_for >= $1 AND r.scheduled_for < $2 AND r.job_id BETWEEN $3 AND $4
  AND r.status = 'COMPLETED'
  AND NOT EXISTS (SELECT 1 FROM bench_results b WHERE b.run_id = r.id)`

// measure reads the stats of sp; lateAfter is the lag above which a run
// counts as late.
func measure(ctx context.Context, pool *pgxpool.Pool, sp span, lateAfter time.Duration) (runStats, error) {
	st := runStats{SkippedBy: map[string]int64{}, LateAfterMs: float64(lateAfter.Milliseconds())}
	args := []any{sp.From, sp.To, sp.FirstID, sp.LastID}
	err := pool.QueryRow(ctx, runStatsSQL, append(args, lateAfter.Seconds())...).Scan(
		&st.Rows, &st.Fires, &st.FiresRun, &st.Skipped, &st.NotStarted, &st.Unfinished, &st.Late,
		&st.LagP50, &st.LagP99, &st.LagMax, &st.MeasuredAt)
	if err != nil {
		return st, fmt.Errorf("measure runs: %w", err)
	}
	rows, err := pool.Query(ctx, skippedByReasonSQL, args...)
	if err != nil {
		return st, fmt.Errorf("measure skipped runs: %w", err)
	}
	for rows.Next() {
		var reason *string
		var n int64
		if err := rows.Scan(&reason, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("measure skipped runs: %w", err)
		}
		key := "unknown"
		if reason != nil {
			key = *reason
		}
		st.SkippedBy[key] = n
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("measure skipped runs: %w", err)
	}
	if err := pool.QueryRow(ctx, jobStatsSQL, args...).Scan(&st.Jobs, &st.JobRuns); err != nil {
		return st, fmt.Errorf("measure river jobs: %w", err)
	}
	if err := pool.QueryRow(ctx, resultStatsSQL, args...).Scan(&st.Results, &st.ResultRuns); err != nil {
		return st, fmt.Errorf("measure results: %w", err)
	}
	if err := pool.QueryRow(ctx, noResultSQL, args...).Scan(&st.NoResult); err != nil {
		return st, fmt.Errorf("measure runs without result: %w", err)
	}
	return st, nil
}

// startedCount counts the started runs of sp (to end the straggler wait
// early).
func startedCount(ctx context.Context, pool *pgxpool.Pool, sp span) (int64, error) {
	var n int64
	err := pool.QueryRow(ctx, `SELECT count(*) FROM job_schedule_runs
WHERE scheduled_for >= $1 AND scheduled_for < $2 AND job_id BETWEEN $3 AND $4
  AND (started_at IS NOT NULL OR status = 'SKIPPED')`, sp.From, sp.To, sp.FirstID, sp.LastID).Scan(&n)
	return n, err
}
