package bench

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// createSchedules inserts the firing schedules (and S2's extra stored ones),
// runs ANALYZE, and returns the firing set's id range and the time taken to
// insert.
func (h *harness) createSchedules(ctx context.Context, first time.Time, grace *int32) (span, time.Duration, error) {
	o := h.o
	var sp span
	t0 := time.Now()
	var err error
	sp.FirstID, sp.LastID, err = insertSchedules(ctx, h.db.pool, scheduleSet{N: o.N, Cron: o.Cron, NextRunAt: first, Grace: grace,
		Spread: o.Spread && o.Scenario == S2})
	if err != nil {
		return sp, 0, err
	}
	if extra := o.Stored - o.N; o.Scenario == S2 && extra > 0 {
		if o.Spread {
			// WORKLOAD's S2 at 1M: each extra schedule fires hourly at its own
			// minute and second, so about extra/60 of them fire every minute
			// of the window and are measured with the per-minute ones.
			from, to, err := insertHourlySpread(ctx, h.db.pool, extra, first)
			if err != nil {
				return sp, 0, err
			}
			if from != sp.LastID+1 {
				return sp, 0, fmt.Errorf("bench: hourly schedules got ids %d..%d, not right after the per-minute ones (%d)", from, to, sp.LastID)
			}
			sp.LastID = to
			h.hourly = extra
		} else {
			// Hourly, half an hour away from the window: stored, not firing.
			hourly := fmt.Sprintf("%d * * * *", (first.Minute()+30)%60)
			s, err := cronEvery(hourly)
			if err != nil {
				return sp, 0, err
			}
			if _, _, err := insertSchedules(ctx, h.db.pool, scheduleSet{N: extra, Cron: hourly, NextRunAt: fireAtOrAfter(s, time.Now())}); err != nil {
				return sp, 0, err
			}
		}
	}
	took := time.Since(t0)
	if err := analyze(ctx, h.db.pool); err != nil {
		return sp, 0, err
	}
	h.log.Info("schedules created", "n", o.N, "stored", max(o.Stored, o.N), "seconds", took.Seconds())
	return sp, took, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fanOut runs S1 (one scheduler process), S2 (one scheduler, N per-minute
// schedules) and S3 (several schedulers), each with one worker process:
// warm-up, a measured window, the settle wait, then the measurement.
func (h *harness) fanOut(ctx context.Context, schedulers int) (Result, error) {
	o := h.o
	res := Result{Scenario: o.Scenario, N: o.N, SchedulerNodes: schedulers, WorkerNodes: 1}
	var noop float64
	if o.Scenario == S1 {
		// Every fire is one River job, so River's own no-op throughput in
		// this database, measured before the nodes start, is S1's ceiling.
		var err error
		if noop, err = h.riverNoop(ctx, max(o.N, 5000)); err != nil {
			return res, err
		}
		h.log.Info("river no-op throughput", "jobs_per_s", noop)
	}
	warm := o.Warmup
	if o.Scenario == S1 || o.Scenario == S3 {
		warm = time.Second // the first fire; the warm-up proper follows the nodes' start
	}
	first := fireAtOrAfter(h.cron, time.Now().Add(warm))
	sp, took, err := h.createSchedules(ctx, first, nil)
	if err != nil {
		return res, err
	}
	if o.Scenario == S2 {
		s := round(took.Seconds(), 3)
		res.CreateS, res.Stored = &s, max(o.Stored, o.N)
	}
	roles := append(slices.Repeat([]string{RoleScheduler}, schedulers), RoleWorker)
	ready, err := h.startNodes(ctx, roles...)
	if err != nil {
		return res, err
	}
	sp.From = fireAtOrAfter(h.cron, later(ready.Add(o.Warmup), first))
	h.bg.Go(func() { h.analyzeAt(ctx, later(ready, first).Add(2*time.Second)) })
	sp.To = sp.From.Add(o.Duration)
	res.WindowStart, res.WindowEnd = sp.From, sp.To
	h.log.Info("warming up", "window_start", sp.From, "window_end", sp.To)
	if err := sleepUntil(ctx, sp.From); err != nil {
		return res, err
	}
	mon := h.watch(ctx, "window")
	if o.Scenario == S3 {
		killed := 0
		res.Nodes, res.Killed = schedulers, &killed
		if !o.NoKill {
			if err := sleepUntil(ctx, sp.From.Add(o.Duration/2)); err != nil {
				mon.stop()
				return res, err
			}
			if err := h.replaceScheduler(ctx); err != nil {
				mon.stop()
				return res, err
			}
			killed = 1
		}
	}
	if err := sleepUntil(ctx, sp.To); err != nil {
		mon.stop()
		return res, err
	}
	wall := mon.stop()
	res.SchedulerCPUPct, res.WorkerCPUPct = mon.cpuPct(RoleScheduler, wall), mon.cpuPct(RoleWorker, wall)
	res.RSSMiB, res.WorkerRSSMiB = mon.rssMiB(RoleScheduler), mon.rssMiB(RoleWorker)

	expected := int64(o.N) * firesIn(h.cron, sp.From, sp.To)
	last := lastFireBefore(h.cron, sp.From, sp.To)
	if h.hourly > 0 {
		n := hourlySpreadFires(h.hourly, sp.From, sp.To)
		expected += n
		res.HourlyFires = &n
		last = later(last, sp.To.Add(-time.Second))
	}
	if err := h.settle(ctx, sp, expected, last, last.Add(o.Settle)); err != nil {
		return res, err
	}
	st, err := h.finish(ctx, sp, period(h.cron, sp.From))
	if err != nil {
		return res, err
	}
	summary(&res, st, expected, o.Duration, false, period(h.cron, sp.From))
	if noop > 0 {
		// Not saturated, fires_per_s is the demand (N per second), so the
		// ratio is a lower bound of the saturation point's.
		res.RiverNoopPerS, res.RatioToRiver = ptrF(round(noop, 1)), ptrF(round(res.FiresPerS/noop, 3))
	}
	return res, nil
}

// analyzeAt runs ANALYZE at t, once the first fires have filled River's and
// the ledger's tables: statistics taken while they were empty make River's
// fetch and the ledger's updates scan them in full, slower and slower as they
// grow, until autovacuum catches up a minute later (PERFORMANCE-NOTES #5).
func (h *harness) analyzeAt(ctx context.Context, t time.Time) {
	if sleepUntil(ctx, t) != nil {
		return
	}
	if _, err := h.db.pool.Exec(ctx, "ANALYZE river_job, job_schedule_runs, bench_results"); err != nil && ctx.Err() == nil {
		h.log.Warn("analyze after the first fires", "error", err)
	}
}

// replaceScheduler SIGKILLs the oldest scheduler node and starts another.
func (h *harness) replaceScheduler(ctx context.Context) error {
	for _, n := range h.current() {
		if n.role != RoleScheduler {
			continue
		}
		h.log.Info("killing a scheduler node", "pid", n.PID())
		if err := h.killNodes(n.Node); err != nil {
			return err
		}
		_, err := h.startNodes(ctx, RoleScheduler)
		return err
	}
	return nil
}

// finish stops the nodes gracefully (their ledgers flush) and measures sp.
func (h *harness) finish(ctx context.Context, sp span, lateAfter time.Duration) (runStats, error) {
	t0 := time.Now()
	if err := h.stopNodes(); err != nil {
		h.log.Warn("stop bench nodes", "error", err)
	}
	h.log.Info("nodes stopped; measuring", "stop_seconds", round(time.Since(t0).Seconds(), 1))
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), measureBudget)
	defer cancel()
	// Fresh statistics, or the measuring joins plan for empty tables.
	if _, err := h.db.pool.Exec(mctx, "ANALYZE job_schedule_runs, bench_results, river_job"); err != nil {
		return runStats{}, fmt.Errorf("analyze before measuring: %w", err)
	}
	t0 = time.Now()
	st, err := measure(mctx, h.db.pool, sp, lateAfter)
	h.log.Info("measured", "seconds", round(time.Since(t0).Seconds(), 1))
	return st, err
}

// downtime runs S4: one scheduler and one worker process for Duration,
// SIGKILL both, wait Down, restart them, run Duration more, then count
// every fire since the first: lost (no row at all), SKIPPED by reason, runs
// started later than the misfire grace, duplicates.
func (h *harness) downtime(ctx context.Context) (Result, error) {
	o := h.o
	res := Result{Scenario: o.Scenario, N: o.N, SchedulerNodes: 1, WorkerNodes: 1, DownS: o.Down.Seconds()}
	grace := int32(graceSeconds)
	first := fireAtOrAfter(h.cron, time.Now().Add(time.Second))
	sp, _, err := h.createSchedules(ctx, first, &grace)
	if err != nil {
		return res, err
	}
	ready, err := h.startNodes(ctx, RoleScheduler, RoleWorker)
	if err != nil {
		return res, err
	}
	mon := h.watch(ctx, "phase 1")
	stopMon := func() { mon.stop() }
	h.bg.Go(func() { h.analyzeAt(ctx, later(ready, first).Add(2*time.Second)) })
	if err := sleepUntil(ctx, ready.Add(o.Duration)); err != nil {
		stopMon()
		return res, err
	}
	var all []Node
	for _, n := range h.current() {
		all = append(all, n.Node)
	}
	h.log.Info("killing every node", "down", o.Down)
	if err := h.killNodes(all...); err != nil {
		stopMon()
		return res, err
	}
	_ = writeLine(o.Out, map[string]any{"progress": map[string]any{"scenario": o.Scenario, "phase": "down", "killed": len(all)}})
	if err := sleepUntil(ctx, time.Now().Add(o.Down)); err != nil {
		stopMon()
		return res, err
	}
	ready, err = h.startNodes(ctx, RoleScheduler, RoleWorker)
	if err != nil {
		stopMon()
		return res, err
	}
	mon.setPhase("phase 2")
	if err := sleepUntil(ctx, ready.Add(o.Duration)); err != nil {
		stopMon()
		return res, err
	}
	mon.stop()
	res.RSSMiB, res.WorkerRSSMiB = mon.rssMiB(RoleScheduler), mon.rssMiB(RoleWorker)

	sp.From, sp.To = first, ready.Add(o.Duration)
	res.WindowStart, res.WindowEnd = sp.From, sp.To
	expected := int64(o.N) * firesIn(h.cron, sp.From, sp.To)
	last := lastFireBefore(h.cron, sp.From, sp.To)
	if err := h.settle(ctx, sp, expected, last, last.Add(o.Settle)); err != nil {
		return res, err
	}
	st, err := h.finish(ctx, sp, graceSeconds*time.Second)
	if err != nil {
		return res, err
	}
	summary(&res, st, expected, sp.To.Sub(sp.From), true, 0)
	res.RunsLate = &st.Late
	return res, nil
}
