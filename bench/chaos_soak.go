package bench

import (
	"context"
	"fmt"
	"time"
)

// soakWindows is the number of windows a soak is cut into (30 minutes: six
// of 5 minutes).
const soakWindows = 6

// Soak verdicts. Lag is stable when every window's p99 stays within S1's
// bound, one period of the cron (1 s). RSS is flat when no process grew by
// more than rssGrowth (plus rssSlackMiB) from the end of the first window,
// when its heap has warmed up, to the end.
const (
	soakLagBound = time.Second
	rssGrowth    = 0.10
	rssSlackMiB  = 4.0
)

// lagWindow is one window of a soak.
type lagWindow struct {
	FromS    float64  `json:"from_s"`
	Fires    int64    `json:"fires"`
	LagP50Ms *float64 `json:"lag_p50_ms"`
	LagP99Ms *float64 `json:"lag_p99_ms"`
	LagMaxMs *float64 `json:"lag_max_ms"`
	Skipped  int64    `json:"skipped"`
}

// processRSS is one node process's resident memory over a soak, in MiB.
type processRSS struct {
	Role           string  `json:"role"`
	PID            int     `json:"pid"`
	StartMiB       float64 `json:"start_mib"`
	FirstWindowMiB float64 `json:"first_window_mib"`
	EndMiB         float64 `json:"end_mib"`
	MaxMiB         float64 `json:"max_mib"`
}

// soak runs the soak scenario: S1 (N per-second schedules, one scheduler and
// one worker process) for 30 minutes, with each process's RSS at the start,
// after the first window and at the end, and lag p50/p99/max per 5-minute
// window.
func (c *chaos) soak(ctx context.Context) error {
	n := c.res.N
	dur := c.scaled(30*time.Minute, 30*time.Second)
	window := dur / soakWindows
	c.res.WindowS = round(window.Seconds(), 1)
	c.cron, _ = cronEvery(cronEverySecond)
	first := fireAtOrAfter(c.cron, time.Now().Add(time.Second))
	sp, err := c.probeSchedules(ctx, n, first)
	if err != nil {
		return err
	}
	c.res.SchedulerNodes, c.res.WorkerNodes = 1, 1
	ready, err := c.startNodes(ctx, RoleScheduler, RoleWorker)
	if err != nil {
		return err
	}
	c.bg.Go(func() { c.analyzeAt(ctx, later(ready, first).Add(2*time.Second)) })
	// The window starts after a warm-up, as S1's.
	sp.From = fireAtOrAfter(c.cron, later(ready.Add(5*time.Second), first))
	sp.To = sp.From.Add(dur)
	c.res.DurationS = round(dur.Seconds(), 1)
	if err := sleepUntil(ctx, sp.From); err != nil {
		return err
	}
	nodes := c.current()
	rss := make([]processRSS, len(nodes))
	sample := func(set func(p *processRSS, mib float64)) {
		for i, nd := range nodes {
			rss[i].Role, rss[i].PID = nd.role, nd.PID()
			if kib, err := procRSS(nd.PID()); err == nil {
				set(&rss[i], mib(kib))
				rss[i].MaxMiB = max(rss[i].MaxMiB, mib(kib))
			}
		}
	}
	sample(func(p *processRSS, v float64) { p.StartMiB = v })
	mon := c.watch(ctx, "soak")
	defer mon.stop()
	step := min(10*time.Second, window/2)
	for t := sp.From.Add(step); t.Before(sp.To); t = t.Add(step) {
		if err := sleepUntil(ctx, t); err != nil {
			return err
		}
		sample(func(p *processRSS, v float64) {
			if t.Sub(sp.From) <= window {
				p.FirstWindowMiB = v
			}
		})
	}
	if err := sleepUntil(ctx, sp.To); err != nil {
		return err
	}
	sample(func(p *processRSS, v float64) { p.EndMiB = v })
	mon.stop()
	for _, nd := range nodes {
		select {
		case <-nd.Done():
			c.res.fail("the %s process (pid %d) exited during the soak", nd.role, nd.PID())
		default:
		}
	}
	c.res.RSS = rss

	expected := int64(n) * firesIn(c.cron, sp.From, sp.To)
	last := lastFireBefore(c.cron, sp.From, sp.To)
	if err := c.settle(ctx, sp, expected, last, last.Add(5*time.Second)); err != nil {
		return err
	}
	st, err := c.finish(ctx, sp, soakLagBound)
	if err != nil {
		return err
	}
	c.fillRuns(st, expected)
	c.fillProbe(st)
	if c.res.Windows, err = c.lagWindows(ctx, sp, window); err != nil {
		return err
	}
	c.verdicts()
	return nil
}

// verdicts sets LagP99Stable and RSSFlat and records their failures.
func (c *chaos) verdicts() {
	stable := len(c.res.Windows) == soakWindows
	if !stable {
		c.res.fail("%d lag windows measured, want %d", len(c.res.Windows), soakWindows)
	}
	for i, w := range c.res.Windows {
		if w.LagP99Ms == nil || *w.LagP99Ms > float64(soakLagBound.Milliseconds()) {
			stable = false
			c.res.fail("window %d: lag p99 %v ms over the %s bound", i+1, orNone(w.LagP99Ms), soakLagBound)
		}
	}
	flat := len(c.res.RSS) > 0
	for _, p := range c.res.RSS {
		if p.EndMiB > p.FirstWindowMiB*(1+rssGrowth)+rssSlackMiB {
			flat = false
			c.res.fail("%s (pid %d) grew from %.1f MiB after the first window to %.1f MiB", p.Role, p.PID, p.FirstWindowMiB, p.EndMiB)
		}
	}
	c.res.LagP99Stable, c.res.RSSFlat = &stable, &flat
}

func orNone(v *float64) any {
	if v == nil {
		return "none"
	}
	return *v
}

// lagWindows measures each window of sp: fires, skipped and lag.
func (c *chaos) lagWindows(ctx context.Context, sp span, window time.Duration) ([]lagWindow, error) {
	rows, err := c.db.pool.Query(ctx, `
SELECT floor(extract(epoch FROM scheduled_for - $1::timestamptz) / $5)::int AS w,
       count(*) FILTER (WHERE status <> 'SKIPPED'),
       count(*) FILTER (WHERE status = 'SKIPPED'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_s) FILTER (WHERE status <> 'SKIPPED'),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_s) FILTER (WHERE status <> 'SKIPPED'),
       max(lag_s) FILTER (WHERE status <> 'SKIPPED')
FROM (SELECT scheduled_for, status, extract(epoch FROM COALESCE(started_at, now()) - scheduled_for)::float8 AS lag_s
      FROM job_schedule_runs
      WHERE scheduled_for >= $1 AND scheduled_for < $2 AND job_id BETWEEN $3 AND $4) r
GROUP BY 1 ORDER BY 1`, sp.From, sp.To, sp.FirstID, sp.LastID, window.Seconds())
	if err != nil {
		return nil, fmt.Errorf("measure lag windows: %w", err)
	}
	defer rows.Close()
	var out []lagWindow
	for rows.Next() {
		var w int
		var lw lagWindow
		var p50, p99, mx *float64
		if err := rows.Scan(&w, &lw.Fires, &lw.Skipped, &p50, &p99, &mx); err != nil {
			return nil, fmt.Errorf("measure lag windows: %w", err)
		}
		lw.FromS = round(float64(w)*window.Seconds(), 1)
		lw.LagP50Ms, lw.LagP99Ms, lw.LagMaxMs = ms(p50), ms(p99), ms(mx)
		out = append(out, lw)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("measure lag windows: %w", err)
	}
	return out, nil
}
