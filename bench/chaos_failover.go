package bench

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// failover runs the failover scenario: N per-second schedules (1000) on
// four scheduler and two worker processes sharing one database; every minute
// the process that has run longest is SIGKILLed and a new one of its role
// started (so each role is killed in turn). Every fire since the start must
// have exactly one run row and one River job; probe re-executions of jobs a
// killed worker held (at least once) are counted.
func (c *chaos) failover(ctx context.Context) error {
	n := c.res.N
	dur := c.scaled(10*time.Minute, 6*time.Second)
	every := c.scaled(time.Minute, 2*time.Second)
	scheds, workers := cmp.Or(c.co.Schedulers, 4), cmp.Or(c.co.Workers, 2)
	c.res.SchedulerNodes, c.res.WorkerNodes = scheds, workers
	c.cron, _ = cronEvery(cronEverySecond)
	first := fireAtOrAfter(c.cron, time.Now().Add(time.Second))
	sp, err := c.probeSchedules(ctx, n, first)
	if err != nil {
		return err
	}
	roles := append(slices.Repeat([]string{RoleScheduler}, scheds), slices.Repeat([]string{RoleWorker}, workers)...)
	ready, err := c.startNodes(ctx, roles...)
	if err != nil {
		return err
	}
	c.bg.Go(func() { c.analyzeAt(ctx, later(ready, first).Add(2*time.Second)) })
	mon := c.watch(ctx, "failover")
	defer mon.stop()
	end := ready.Add(dur)
	victims := []string{RoleScheduler, RoleWorker}
	if c.co.KillSchedulersOnly {
		victims = victims[:1]
	}
	workerKilled := false
	for t := ready.Add(every); t.Before(end); t = t.Add(every) {
		// Just after a fire, within the burst of its 1000 jobs: a killed
		// worker holds some, a killed scheduler may be mid-transaction.
		kill := fireAtOrAfter(c.cron, t).Add(time.Duration(c.rng.IntN(300)) * time.Millisecond)
		if err := sleepUntil(ctx, kill); err != nil {
			return err
		}
		v, ok := c.oldest(victims...)
		if !ok {
			continue
		}
		workerKilled = workerKilled || v.role == RoleWorker
		if err := c.killRestart(ctx, v); err != nil {
			return err
		}
		c.progress("failover", "kills", c.res.Kills, "killed", v.role)
	}
	if err := sleepUntil(ctx, end); err != nil {
		return err
	}
	mon.stop()
	sp.From, sp.To = first, end.Truncate(time.Second)
	c.res.DurationS = round(sp.To.Sub(sp.From).Seconds(), 1)
	expected := int64(n) * firesIn(c.cron, sp.From, sp.To)
	last := lastFireBefore(c.cron, sp.From, sp.To)
	wait := 45 * time.Second // the reconciler's round (30 s) and its settle time (10 s)
	if workerKilled {
		// The jobs the killed worker held: RescueAfter and a rescuer round.
		wait += c.co.RescueAfter + 30*time.Second
	}
	if err := c.settleFinished(ctx, sp, expected, last.Add(wait)); err != nil {
		return err
	}
	st, err := c.finish(ctx, sp, time.Second)
	if err != nil {
		return err
	}
	c.fillRuns(st, expected)
	c.fillProbe(st)
	return nil
}
