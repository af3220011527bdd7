package bench

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// soakWindows is the number of windows a soak is cut into (30 minutes: six
// of 5 minutes).
const soakWindows = 6

// Soak verdicts, on figures per window (5 minutes of 30).
//
// Lag p99 is stable when it does not drift up: the median window p99 of the
// second half is at most lagDrift times that of the first half plus
// lagDriftSlack, and no window's p99 is beyond lagCeiling (twice S1's bound
// of one period; a single window over 1 s is the machine's noise on 2
// shared cores, not a trend).
//
// RSS is flat when no process's largest RSS in the last window is more than
// rssGrowth (plus rssSlackMiB) above its largest in the second window (the
// first holds the heap's warm-up). Point samples swing by ±10 MiB with the
// GC; a window's maximum does not.
const (
	lagDrift      = 1.5
	lagDriftSlack = 100.0 // ms
	lagCeiling    = 2 * time.Second
	rssGrowth     = 0.20
	rssSlackMiB   = 4.0
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

// processRSS is one node process's resident memory over a soak, in MiB:
// at the start and the end of the soak, and the largest seen in each
// window.
type processRSS struct {
	Role         string    `json:"role"`
	PID          int       `json:"pid"`
	StartMiB     float64   `json:"start_mib"`
	EndMiB       float64   `json:"end_mib"`
	WindowMaxMiB []float64 `json:"window_max_mib"`
	// GrowthPct is the last window's maximum against the second's.
	GrowthPct float64 `json:"growth_pct"`
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
	for i, nd := range nodes {
		rss[i] = processRSS{Role: nd.role, PID: nd.PID(), WindowMaxMiB: make([]float64, soakWindows)}
	}
	sample := func(at time.Time) []float64 {
		out := make([]float64, len(nodes))
		w := min(int(at.Sub(sp.From)/window), soakWindows-1)
		for i, nd := range nodes {
			if kib, err := procRSS(nd.PID()); err == nil {
				out[i] = mib(kib)
				rss[i].WindowMaxMiB[w] = max(rss[i].WindowMaxMiB[w], out[i])
			}
		}
		return out
	}
	for i, v := range sample(sp.From) {
		rss[i].StartMiB = v
	}
	mon := c.watch(ctx, "soak")
	defer mon.stop()
	step := min(5*time.Second, window/6)
	for t := sp.From.Add(step); t.Before(sp.To); t = t.Add(step) {
		if err := sleepUntil(ctx, t); err != nil {
			return err
		}
		sample(t)
	}
	if err := sleepUntil(ctx, sp.To); err != nil {
		return err
	}
	for i, v := range sample(sp.To.Add(-time.Millisecond)) {
		rss[i].EndMiB = v
	}
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
	st, err := c.finish(ctx, sp, time.Second)
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
	r := c.res
	stable := len(r.Windows) == soakWindows
	if !stable {
		r.fail("%d lag windows measured, want %d", len(r.Windows), soakWindows)
	}
	var p99 []float64
	for i, w := range r.Windows {
		if w.LagP99Ms == nil {
			stable = false
			r.fail("window %d: no lag measured", i+1)
			continue
		}
		p99 = append(p99, *w.LagP99Ms)
		if *w.LagP99Ms > float64(lagCeiling.Milliseconds()) {
			stable = false
			r.fail("window %d: lag p99 %.0f ms beyond %s", i+1, *w.LagP99Ms, lagCeiling)
		}
	}
	if stable {
		h := len(p99) / 2
		first, second := median(p99[:h]), median(p99[h:])
		if second > lagDrift*first+lagDriftSlack {
			stable = false
			r.fail("lag p99 drifts up: median %.0f ms in the first half, %.0f ms in the second", first, second)
		}
	}
	flat := len(r.RSS) > 0
	for i := range r.RSS {
		p := &r.RSS[i]
		ref, last := p.WindowMaxMiB[1], p.WindowMaxMiB[len(p.WindowMaxMiB)-1]
		if ref > 0 {
			p.GrowthPct = round((last/ref-1)*100, 1)
		}
		if ref == 0 || last > ref*(1+rssGrowth)+rssSlackMiB {
			flat = false
			r.fail("%s (pid %d) grew from %.1f MiB (window 2 max) to %.1f MiB (last window max)", p.Role, p.PID, ref, last)
		}
	}
	r.LagP99Stable, r.RSSFlat = &stable, &flat
}

// median of v (v is not empty).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
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
