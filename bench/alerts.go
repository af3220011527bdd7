package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// noopArgs is River's own no-op job, to measure River's throughput on this
// machine and database in the same run (A1's ratio).
type noopArgs struct{}

func (noopArgs) Kind() string { return "bench_noop" }

func (noopArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: "bench_noop"} }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// riverNoop works n no-op jobs through a River client in this process and
// returns River's jobs per second (first attempt to last completion).
func (h *harness) riverNoop(ctx context.Context, n int) (float64, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, noopWorker{})
	client, err := river.NewClient(riverpgxv5.New(h.db.pool), &river.Config{
		Queues:        map[string]river.QueueConfig{"bench_noop": {MaxWorkers: 100}},
		Workers:       workers,
		FetchCooldown: 10 * time.Millisecond,
		Logger:        h.log,
	})
	if err != nil {
		return 0, fmt.Errorf("noop client: %w", err)
	}
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: noopArgs{}}
	}
	if _, err := client.InsertMany(ctx, params); err != nil {
		return 0, fmt.Errorf("insert noop jobs: %w", err)
	}
	if err := analyze(ctx, h.db.pool); err != nil {
		return 0, err
	}
	if err := client.Start(ctx); err != nil {
		return 0, fmt.Errorf("start noop client: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = client.Stop(stopCtx)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var done int
		if err := h.db.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'bench_noop' AND state = 'completed'`).Scan(&done); err != nil {
			return 0, fmt.Errorf("count noop jobs: %w", err)
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("noop jobs: %d of %d done after 2 minutes", done, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var span float64
	if err := h.db.pool.QueryRow(ctx, `SELECT EXTRACT(EPOCH FROM max(finalized_at) - min(attempted_at))::float8
		FROM river_job WHERE kind = 'bench_noop'`).Scan(&span); err != nil {
		return 0, fmt.Errorf("noop span: %w", err)
	}
	if _, err := h.db.pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'bench_noop'`); err != nil {
		return 0, fmt.Errorf("delete noop jobs: %w", err)
	}
	return float64(n) / max(span, 1e-3), nil
}

// alertPipeline runs A1: N alert schedules on M symbols, each a two-condition
// rule (RSI and price) with hysteresis re-arm, on synthetic market data, all
// due at one fire time; one process runs scheduler and workers. It measures
// how fast the wave of evaluations is worked, against River's own no-op
// throughput measured first in the same database.
func (h *harness) alertPipeline(ctx context.Context) (Result, error) {
	o := h.o
	res := Result{Scenario: A1, N: o.N, SchedulerNodes: 1, WorkerNodes: 1, Symbols: o.Symbols}
	noop, err := h.riverNoop(ctx, o.N)
	if err != nil {
		return res, err
	}
	h.log.Info("river no-op throughput", "jobs_per_s", noop)

	fire := fireAtOrAfter(h.cron, time.Now().Add(max(o.Warmup, 20*time.Second)))
	var uid int64
	if err := h.db.pool.QueryRow(ctx, `SELECT id FROM users ORDER BY id LIMIT 1`).Scan(&uid); err != nil {
		return res, fmt.Errorf("bench user: %w", err)
	}
	t0 := time.Now()
	if _, err := h.db.pool.Exec(ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, next_run_at)
		SELECT $1, 'a1-' || g, 'alert', sym, jsonb_build_object(
			'ticker', sym, 'timeframe', '1m',
			'rule', jsonb_build_object('operator', 'and', 'conditions', jsonb_build_array(
				jsonb_build_object('indicator', 'price', 'operator', '>', 'value', 1 + (g % 7)),
				jsonb_build_object('indicator', 'rsi', 'period', 14, 'operator', '>', 'value', 20 + (g % 50)))),
			'rearm', jsonb_build_object('type', 'hysteresis', 'threshold', 0.02),
			'notify', jsonb_build_object('channels', jsonb_build_array('telegram'))),
			'* * * * *', $2
		FROM generate_series(1, $3::int) AS g, LATERAL (SELECT 'S' || lpad(((g - 1) % $4)::text, 3, '0') AS sym) AS s`,
		uid, fire, o.N, o.Symbols); err != nil {
		return res, fmt.Errorf("create %d alert schedules: %w", o.N, err)
	}
	create := round(time.Since(t0).Seconds(), 3)
	res.CreateS = &create
	if err := analyze(ctx, h.db.pool); err != nil {
		return res, err
	}
	if _, err := h.startNodes(ctx, RoleAll); err != nil {
		return res, err
	}
	res.WindowStart = fire
	mon := h.watch(ctx, "window")
	deadline := fire.Add(o.Duration + o.Settle)
	for {
		var finished int
		if err := h.db.pool.QueryRow(ctx, `SELECT count(*) FROM job_schedule_runs
			WHERE scheduled_for = $1 AND status IN ('COMPLETED', 'FAILED')`, fire).Scan(&finished); err != nil {
			return res, fmt.Errorf("count finished alert runs: %w", err)
		}
		if finished >= o.N {
			break
		}
		if time.Now().After(deadline) {
			res.Saturated = true
			res.SaturatedBecause = append(res.SaturatedBecause, fmt.Sprintf("%d of %d evaluations done by the deadline", finished, o.N))
			break
		}
		if err := sleepUntil(ctx, time.Now().Add(100*time.Millisecond)); err != nil {
			return res, err
		}
	}
	mon.stop()
	res.WindowEnd = time.Now()
	res.RSSMiB = mon.rssMiB(RoleAll)

	var done, failed int64
	var spanS, e2eS, p50, p99, maxLag float64
	err = h.db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'COMPLETED'), count(*) FILTER (WHERE status = 'FAILED'),
		COALESCE(EXTRACT(EPOCH FROM max(finished_at) - min(started_at)), 0)::float8,
		COALESCE(EXTRACT(EPOCH FROM max(finished_at) - $1::timestamptz), 0)::float8,
		COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM finished_at - scheduled_for)), 0)::float8,
		COALESCE(percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM finished_at - scheduled_for)), 0)::float8,
		COALESCE(max(EXTRACT(EPOCH FROM finished_at - scheduled_for)), 0)::float8
		FROM job_schedule_runs WHERE scheduled_for = $1`, fire).Scan(&done, &failed, &spanS, &e2eS, &p50, &p99, &maxLag)
	if err != nil {
		return res, fmt.Errorf("measure alert runs: %w", err)
	}
	var jobs, notes int64
	if err := h.db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'alert'), count(*) FILTER (WHERE kind = 'notification')
		FROM river_job`).Scan(&jobs, &notes); err != nil {
		return res, fmt.Errorf("count jobs: %w", err)
	}
	evals := float64(done+failed) / max(spanS, 1e-3)
	notesPerS := float64(notes) / max(spanS, 1e-3)
	ratio := evals / noop
	res.DurationS = round(e2eS, 3)
	res.FiresPerS = round(float64(done+failed)/max(e2eS, 1e-3), 1)
	res.EvalsPerS, res.NotificationsPerS = ptrF(round(evals, 1)), ptrF(round(notesPerS, 1))
	res.RiverNoopPerS, res.RatioToRiver = ptrF(round(noop, 1)), ptrF(round(ratio, 3))
	res.LagP50Ms, res.LagP99Ms, res.LagMaxMs = ptrF(round(p50*1000, 1)), ptrF(round(p99*1000, 1)), ptrF(round(maxLag*1000, 1))
	res.EvalP99Ms = res.LagP99Ms
	res.AlertJobs, res.Notifications = jobs, notes
	res.Expected, res.Recorded = int64(o.N), done+failed
	res.Missed = int64(o.N) - (done + failed)
	if failed > 0 {
		res.Saturated = true
		res.SaturatedBecause = append(res.SaturatedBecause, fmt.Sprintf("%d evaluations failed", failed))
	}
	return res, nil
}

func ptrF(v float64) *float64 { return &v }
