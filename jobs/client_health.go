package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/health"
)

// mode names what the client does, for health metadata.
func (c *Client) mode() string {
	if c.insertOnly {
		return "insert_only"
	}
	return "working"
}

// stopped reports whether a started River client has stopped.
func (c *Client) stopped() bool {
	select {
	case <-c.Client.Stopped():
		return true
	default:
		return false
	}
}

// HealthCheck is the river_client check: DOWN when a client that works
// queues was not started or has stopped (Shutdown, or River gave up),
// HEALTHY otherwise. An insert-only client (the API alone) has nothing to
// stop: it inserts through the pool, whose own check is the database's.
func (c *Client) HealthCheck() health.Check {
	meta := map[string]any{"client_id": c.ID(), "mode": c.mode(), "queues": c.queues}
	switch {
	case c.insertOnly:
		return health.OK(meta)
	case !c.started.Load():
		return health.Fail(health.Down, "the River client was not started", meta)
	case c.stopped():
		return health.Fail(health.Down, "the River client has stopped", meta)
	}
	return health.OK(meta)
}

// WorkersCheck is the workers' check at now: DOWN when the client is not
// working (not started, stopped); DEGRADED when jobs have been waiting in
// its queues for longer than stall while it has none at work and has
// started or finished none in that time: its producers are not fetching.
// The metadata has the jobs at work, the last start or finish, and each
// queue's available jobs and oldest wait.
func (c *Client) WorkersCheck(ctx context.Context, pool *pgxpool.Pool, now time.Time, stall time.Duration) health.Check {
	running, last := c.activity.snapshot()
	meta := map[string]any{"client_id": c.ID(), "running_jobs": running, "stall_after_seconds": stall.Seconds()}
	if !last.IsZero() {
		meta["last_job_at"] = last.UTC()
	}
	if base := c.HealthCheck(); base.Status != health.Healthy || c.insertOnly {
		if c.insertOnly {
			return health.Fail(health.Down, "this client works no queues", meta)
		}
		return health.Fail(health.Down, base.Message(), meta)
	}
	rows, err := dbsqlc.New().RiverJobAvailableByQueue(ctx, pool, c.queues)
	if err != nil {
		return health.Failf(health.Degraded, meta, "read the queues: %v", err)
	}
	queues := map[string]any{}
	var stalled []string
	for _, r := range rows {
		wait := now.Sub(r.OldestScheduledAt)
		queues[r.Queue] = map[string]any{"available": r.Available, "oldest_wait_seconds": float64(wait.Milliseconds()) / 1000}
		if wait > stall {
			stalled = append(stalled, r.Queue)
		}
	}
	meta["queues"] = queues
	if len(stalled) > 0 && running == 0 && (last.IsZero() || now.Sub(last) > stall) {
		return health.Failf(health.Degraded, meta, "jobs have waited more than %s in %v, and this worker has worked none", stall, stalled)
	}
	return health.OK(meta)
}

// AlertEvaluatorCheck is the alert_evaluator check at now: DOWN when the
// client is not working, DEGRADED when the last alert job failed (its
// error: data unavailable, the database), HEALTHY ("ready") otherwise, with
// the last evaluation's age. A worker that has evaluated nothing yet is
// ready.
func (c *Client) AlertEvaluatorCheck(now time.Time) health.Check {
	s := c.AlertEvaluations.Last()
	meta := health.OutcomeMetadata(s, now)
	if base := c.HealthCheck(); base.Status != health.Healthy || c.insertOnly {
		msg := base.Message()
		if c.insertOnly {
			msg = "this client works no queues"
		}
		return health.Fail(health.Down, msg, meta)
	}
	if s.Failing() {
		return health.Failf(health.Degraded, meta, "last alert evaluation failed: %s", s.LastError)
	}
	if s.Empty() {
		meta["note"] = "no alert evaluated yet"
	}
	return health.OK(meta)
}
