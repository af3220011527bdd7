package bench

import (
	"cmp"
	"context"
	"time"
)

// kill9 runs the kill9 scenario: N alerts (500) due every minute, each a
// trigger, delivered to the Bot API stand-in by two scheduler and two worker
// processes, while processes are SIGKILLed at random moments (one at a time,
// about every 20 s, and once all of them at the same moment) and restarted.
// Then the alerts are disabled, the deliveries drain (jobs a killed worker
// held are rescued after RescueAfter), and the scenario counts: due fires
// without a run row, triggers without a delivered message, notification jobs
// beyond one per trigger, and deliveries beyond one per message (at least
// once, reported).
func (c *chaos) kill9(ctx context.Context) error {
	n := c.res.N
	cron := cmp.Or(c.co.Cron, cronEveryMinute)
	s, err := cronEvery(cron)
	if err != nil {
		return err
	}
	main := c.scaled(5*time.Minute, period(s, time.Now()))
	killEvery := c.scaled(20*time.Second, 2*time.Second)
	first := fireAtOrAfter(s, time.Now().Add(15*time.Second))
	rig, err := c.setupAlerts(ctx, n, cron, first)
	if err != nil {
		return err
	}
	defer rig.close()
	roles := []string{RoleScheduler, RoleScheduler, RoleWorker, RoleWorker}
	c.res.SchedulerNodes, c.res.WorkerNodes = 2, 2
	if _, err := c.startNodes(ctx, roles...); err != nil {
		return err
	}
	mon := c.watch(ctx, "chaos")
	defer mon.stop()

	stopAt := stopBetweenFires(s, first, first.Add(main))
	c.res.DurationS = round(stopAt.Sub(first).Seconds(), 1)
	killAllAt := first.Add(stopAt.Sub(first) / 2)
	next := time.Now().Add(c.jitter(killEvery))
	for {
		t, all := next, false
		if c.res.KillAll == 0 && !killAllAt.After(next) {
			t, all = killAllAt, true
		}
		if t.After(stopAt.Add(-time.Second)) {
			break
		}
		if err := sleepUntil(ctx, t); err != nil {
			return err
		}
		victims := c.current()
		if !all {
			victims = []roleNode{victims[c.rng.IntN(len(victims))]}
		} else {
			c.res.KillAll++
		}
		if err := c.killRestart(ctx, victims...); err != nil {
			return err
		}
		c.progress("chaos", "kills", c.res.Kills, "kill_all", c.res.KillAll)
		next = time.Now().Add(c.jitter(killEvery))
	}
	if err := sleepUntil(ctx, stopAt); err != nil {
		return err
	}
	sp := rig.sp
	sp.From, sp.To = first, stopAt
	if err := c.disableSchedules(ctx, sp); err != nil {
		return err
	}
	expected := int64(n) * firesIn(s, sp.From, sp.To)
	// Jobs a killed worker held come back after RescueAfter plus one round
	// of River's rescuer (30 s); notifications then wait for the gate.
	deadline := stopAt.Add(c.co.RescueAfter + 30*time.Second + 2*time.Minute)
	c.progress("drain", "expected", expected, "deadline", deadline)
	if ok, err := c.waitDelivered(ctx, sp, expected, deadline); err != nil {
		return err
	} else if !ok {
		c.res.fail("not every trigger was delivered by the deadline (%s after the last fire)", deadline.Sub(stopAt).Round(time.Second))
	}
	mon.stop()
	return c.measureAlertScenario(ctx, rig, sp, expected, false)
}

// measureAlertScenario stops the nodes and fills the result of an alert
// scenario.
func (c *chaos) measureAlertScenario(ctx context.Context, rig *alertRig, sp span, expected int64, limits bool) error {
	st, err := c.finish(ctx, sp, 30*time.Second)
	if err != nil {
		return err
	}
	c.fillRuns(st, expected)
	if c.res.FailedRuns, err = c.failedRuns(ctx, sp); err != nil {
		return err
	}
	c.res.zero("failed_runs (alert evaluations that failed)", c.res.FailedRuns)
	as, err := c.measureAlerts(ctx, rig, sp)
	if err != nil {
		return err
	}
	c.fillAlerts(as, rig.standIn.Violations(), limits)
	return nil
}

// jitter is d times a random factor in [0.5, 1.5).
func (c *chaos) jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.5 + c.rng.Float64()))
}
