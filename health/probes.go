package health

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/health/outcome"
)

// DatabaseProbe pings PostgreSQL through pool: HEALTHY with the ping's
// latency, DOWN when the ping fails (DEGRADED when it only timed out
// waiting for a connection of a pool whose every connection is in use).
// The metadata carries the pool's statistics: acquired, idle, total and max
// connections, and how many acquisitions had to wait.
func DatabaseProbe(pool *pgxpool.Pool) Probe {
	return func(ctx context.Context) Check {
		start := time.Now()
		err := pool.Ping(ctx)
		ms := time.Since(start).Milliseconds()
		st := pool.Stat()
		meta := map[string]any{
			"acquired_conns": st.AcquiredConns(), "idle_conns": st.IdleConns(), "total_conns": st.TotalConns(),
			"max_conns": st.MaxConns(), "empty_acquire_count": st.EmptyAcquireCount(), "ping_ms": ms,
		}
		var c Check
		switch {
		case err == nil:
			c = OK(meta)
		case errors.Is(err, context.DeadlineExceeded) && st.MaxConns() > 0 && st.AcquiredConns() >= st.MaxConns():
			c = Failf(Degraded, meta, "every connection of the pool is in use (%d of %d): ping timed out waiting for one", st.AcquiredConns(), st.MaxConns())
		default:
			c = Failf(Down, meta, "ping: %v", err)
		}
		c.ResponseTimeMs = &ms
		return c
	}
}

// JobStoreProbe checks that River's tables exist (migrations ran): DOWN,
// with the command to run, when river_job is missing.
func JobStoreProbe(pool *pgxpool.Pool) Probe {
	return func(ctx context.Context) Check {
		var ok bool
		if err := pool.QueryRow(ctx, "SELECT to_regclass('river_job') IS NOT NULL").Scan(&ok); err != nil {
			return Failf(Down, nil, "look up river_job: %v", err)
		}
		if !ok {
			return Fail(Down, "river_job is missing: run `vigil migrate up`", nil)
		}
		return OK(map[string]any{"table": "river_job"})
	}
}

// AgeCheck reports on something that must happen regularly (a scheduler's
// tick, a trading bot's bar): HEALTHY when it last happened within maxAge of
// now, DOWN when longer ago or never. what names it in messages.
func AgeCheck(what string, last, now time.Time, maxAge time.Duration, meta map[string]any) Check {
	if meta == nil {
		meta = map[string]any{}
	}
	meta["max_age_seconds"] = maxAge.Seconds()
	if last.IsZero() {
		return Failf(Down, meta, "no %s yet", what)
	}
	age := now.Sub(last)
	meta["last_at"] = last.UTC()
	meta["age_seconds"] = roundSeconds(age)
	if age > maxAge {
		return Failf(Down, meta, "last %s %s ago, more than %s", what, age.Round(time.Second), maxAge)
	}
	return OK(meta)
}

// OutcomeCheck reports on work recorded in an outcome.Recorder: HEALTHY
// when its latest outcome is a success, DEGRADED (with the error) when it is
// a failure, UNKNOWN when nothing has been recorded. what names the work in
// messages ("webhook delivery").
func OutcomeCheck(what string, s outcome.Snapshot, now time.Time) Check {
	meta := OutcomeMetadata(s, now)
	switch {
	case s.Empty():
		return Failf(Unknown, meta, "no %s yet", what)
	case s.Failing():
		return Failf(Degraded, meta, "last %s failed: %s", what, s.LastError)
	}
	return OK(meta)
}

// OutcomeMetadata is a snapshot as check metadata: last_success_at,
// last_failure_at and last_error when there was one, their ages in seconds,
// and the counts.
func OutcomeMetadata(s outcome.Snapshot, now time.Time) map[string]any {
	meta := map[string]any{"successes": s.Successes, "failures": s.Failures}
	if !s.LastSuccess.IsZero() {
		meta["last_success_at"] = s.LastSuccess
		meta["last_success_age_seconds"] = roundSeconds(now.Sub(s.LastSuccess))
	}
	if !s.LastFailure.IsZero() {
		meta["last_failure_at"] = s.LastFailure
		meta["last_failure_age_seconds"] = roundSeconds(now.Sub(s.LastFailure))
		meta["last_error"] = s.LastError
	}
	return meta
}

// OutcomeProbe is OutcomeCheck of r at the time now returns (nil: time.Now).
func OutcomeProbe(what string, r *outcome.Recorder, now func() time.Time) Probe {
	if now == nil {
		now = time.Now
	}
	return func(context.Context) Check { return OutcomeCheck(what, r.Last(), now()) }
}

// Cached returns a probe that runs p at most once every every (an external
// API that should not be asked on every heartbeat, such as Telegram's
// getMe) and otherwise returns its last check, with "cached_at" in the
// metadata. Concurrent callers wait for one run.
func Cached(p Probe, every time.Duration, now func() time.Time) Probe {
	if now == nil {
		now = time.Now
	}
	var mu sync.Mutex
	var last Check
	var at time.Time
	return func(ctx context.Context) Check {
		mu.Lock()
		defer mu.Unlock()
		if !at.IsZero() && now().Sub(at) < every {
			return last
		}
		c := p(ctx)
		at = now()
		meta := make(map[string]any, len(c.Metadata)+1)
		for k, v := range c.Metadata {
			meta[k] = v
		}
		meta["cached_at"] = at.UTC()
		c.Metadata = meta
		last = c
		return c
	}
}

// roundSeconds is d in seconds to the millisecond.
func roundSeconds(d time.Duration) float64 {
	return float64(d.Milliseconds()) / 1000
}
