package bench

import (
	"context"
	"sync"
	"time"
)

// monitor samples the nodes' memory and CPU once a second over a window
// from /proc, and writes a progress line every progressEvery.
type monitor struct {
	h      *harness
	start  time.Time
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	phase string
	rss   map[string]int64 // role -> max VmRSS KiB
	first map[int]uint64   // pid -> CPU ticks at its first sample
	last  map[int]uint64   // pid -> CPU ticks at its last sample
	roles map[int]map[string]bool
	round int
}

const progressEvery = 10 * time.Second

// watch starts a monitor.
func (h *harness) watch(ctx context.Context, phase string) *monitor {
	ctx, cancel := context.WithCancel(ctx)
	m := &monitor{h: h, phase: phase, start: time.Now(), cancel: cancel, done: make(chan struct{}),
		rss: map[string]int64{}, first: map[int]uint64{}, last: map[int]uint64{}, roles: map[int]map[string]bool{}}
	go m.run(ctx)
	return m
}

func (m *monitor) run(ctx context.Context) {
	defer close(m.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	progress := time.NewTicker(progressEvery)
	defer progress.Stop()
	m.sample()
	for {
		select {
		case <-ctx.Done():
			m.sample()
			return
		case <-tick.C:
			m.sample()
		case <-progress.C:
			m.progress(ctx)
		}
	}
}

func (m *monitor) sample() {
	nodes := m.h.current()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range nodes {
		pid := n.PID()
		if kib, err := procRSS(pid); err == nil {
			m.rss[n.role] = max(m.rss[n.role], kib)
		}
		ticks, err := procCPU(pid)
		if err != nil {
			continue
		}
		if _, seen := m.last[pid]; !seen && m.round > 0 {
			// Started during the window: all of its CPU time is in it.
			m.first[pid] = 0
		} else if !seen {
			m.first[pid] = ticks
		}
		m.last[pid] = ticks
		if m.roles[pid] == nil {
			m.roles[pid] = map[string]bool{}
		}
		m.roles[pid][n.role] = true
	}
	m.round++
}

func (m *monitor) progress(ctx context.Context) {
	var started int64
	err := m.h.db.pool.QueryRow(ctx, `SELECT count(*) FROM job_schedule_runs WHERE started_at >= $1`, m.start).Scan(&started)
	if err != nil {
		return
	}
	m.mu.Lock()
	line := map[string]any{"progress": map[string]any{
		"scenario": m.h.o.Scenario, "phase": m.phase, "elapsed_s": round(time.Since(m.start).Seconds(), 1),
		"runs_started": started, "scheduler_rss_mib": mib(m.rss[RoleScheduler]), "worker_rss_mib": mib(m.rss[RoleWorker]),
	}}
	m.mu.Unlock()
	_ = writeLine(m.h.o.Out, line)
}

// setPhase names the phase in later progress lines.
func (m *monitor) setPhase(p string) {
	m.mu.Lock()
	m.phase = p
	m.mu.Unlock()
}

// stop ends sampling (with a last sample) and returns the window's length.
func (m *monitor) stop() time.Duration {
	m.cancel()
	<-m.done
	return time.Since(m.start)
}

// rssMiB is the largest resident size seen of a process of role ("all"
// nodes count for both roles).
func (m *monitor) rssMiB(role string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return mib(max(m.rss[role], m.rss[RoleAll]))
}

// cpuPct is the CPU time of the processes of role over wall, in percent of
// one core; nil when nothing was sampled.
func (m *monitor) cpuPct(role string, wall time.Duration) *float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ticks uint64
	found := false
	for pid, roles := range m.roles {
		if roles[role] || roles[RoleAll] {
			ticks += m.last[pid] - m.first[pid]
			found = true
		}
	}
	if !found {
		return nil
	}
	v := round(cpuPercent(0, ticks, wall.Seconds()), 1)
	return &v
}
