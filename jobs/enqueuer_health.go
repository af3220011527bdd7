package jobs

import (
	"time"

	"github.com/vigilhq/vigil/health"
)

// MaxTickInterval is the longest a running enqueuer goes without a tick: it
// sleeps until the earliest next_run_at or a NOTIFY, at most this long, and
// retries a failed tick within it.
const MaxTickInterval = idleCeiling

// EnqueuerHealth is what an enqueuer tells its health check.
type EnqueuerHealth struct {
	Running     bool      // Run is running
	Started     time.Time // when Run last started
	LastTick    time.Time // the last tick that committed (zero: none yet)
	LastFailure time.Time // the last tick that failed (zero: none)
	LastError   string    // its error
	// SchedulesDisabled counts the schedules this enqueuer disabled (a bad
	// cron or task_params, a rule of their owner), LastDisabled says the
	// latest and why.
	SchedulesDisabled int64
	LastDisabled      string
}

// Health returns the enqueuer's state.
func (e *Enqueuer) Health() EnqueuerHealth {
	h := EnqueuerHealth{Running: e.running.Load() > 0, SchedulesDisabled: e.disabled.Load()}
	if n := e.started.Load(); n != 0 {
		h.Started = time.Unix(0, n)
	}
	if n := e.lastTick.Load(); n != 0 {
		h.LastTick = time.Unix(0, n)
	}
	if f := e.lastFailure.Load(); f != nil {
		h.LastFailure, h.LastError = f.at, f.err
	}
	if d := e.lastDisabled.Load(); d != nil {
		h.LastDisabled = *d
	}
	return h
}

// HealthCheck is the scheduler's check at now: DOWN when Run is not running
// or its last committed tick is older than three MaxTickIntervals, DEGRADED
// when its latest tick failed, else HEALTHY. The metadata has the tick's
// age and the schedules disabled so far.
func (e *Enqueuer) HealthCheck(now time.Time) health.Check {
	h := e.Health()
	meta := map[string]any{"running": h.Running, "schedules_disabled": h.SchedulesDisabled, "fires_job_types": e.fireable}
	if h.LastDisabled != "" {
		meta["last_disabled"] = h.LastDisabled
	}
	if !h.LastFailure.IsZero() {
		meta["last_error"] = h.LastError
		meta["last_error_at"] = h.LastFailure.UTC()
	}
	if !h.Running {
		return health.Fail(health.Down, "the scheduler's enqueuer is not running", meta)
	}
	last := h.LastTick
	if last.IsZero() {
		// The first tick is under way: the enqueuer has as long as between
		// two ticks from its start.
		last = h.Started
		meta["first_tick_pending"] = true
	}
	c := health.AgeCheck("scheduler tick", last, now, 3*MaxTickInterval, meta)
	if c.Status == health.Healthy && h.LastFailure.After(h.LastTick) {
		return health.Failf(health.Degraded, meta, "last scheduler tick failed: %s", h.LastError)
	}
	return c
}
