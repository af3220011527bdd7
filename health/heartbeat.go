package health

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Heartbeat writes a msg_system_health row for System/Component every
// Interval (the design's HeartbeatManager): its status is the worst of the
// Probes' checks, its error_message names the checks that are not healthy,
// and its metadata holds every check in full under "checks". A process that
// stops beating is DOWN to readers once its latest row is three intervals
// old (GET /api/v1/health/*, the incident monitor).
//
// A role plugs in by building one with its probes, e.g.
//
//	hb := &health.Heartbeat{Pool: pool, System: "trading_bot", Component: host,
//		Interval: cfg.HealthCheckInterval.D(), Logger: log,
//		Probes: map[string]health.Probe{"database": health.DatabaseProbe(pool), "broker": brokerProbe}}
//	go hb.Run(ctx)
type Heartbeat struct {
	Pool      *pgxpool.Pool
	System    string
	Component string
	Interval  time.Duration
	// Probes are the role's checks by component name; none: HEALTHY while
	// the process beats.
	Probes map[string]Probe
	// Metadata adds facts about the process (pid, client id) to every row;
	// nil adds none.
	Metadata func() map[string]any
	Logger   *slog.Logger
}

// Run beats until ctx is done, the first time at once.
func (h *Heartbeat) Run(ctx context.Context) {
	interval := h.interval()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := h.Beat(ctx); err != nil && ctx.Err() == nil {
			h.logger().Warn("write heartbeat", "system", h.System, "component", h.Component, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (h *Heartbeat) interval() time.Duration {
	if h.Interval <= 0 {
		return time.Minute
	}
	return h.Interval
}

func (h *Heartbeat) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// Beat runs the probes once, writes the row and returns it as a Check (the
// role's status, its problems, and the checks under metadata "checks").
func (h *Heartbeat) Beat(ctx context.Context) (Check, error) {
	start := time.Now()
	checks := Evaluate(ctx, h.Probes, min(h.interval(), DefaultProbeTimeout))
	row := Summarize(checks)
	if h.Metadata != nil {
		for k, v := range h.Metadata() {
			row.Metadata[k] = v
		}
	}
	ms := time.Since(start).Milliseconds()
	row.ResponseTimeMs = &ms
	meta, err := json.Marshal(row.Metadata)
	if err != nil {
		return row, fmt.Errorf("encode heartbeat metadata of %s/%s: %w", h.System, h.Component, err)
	}
	rt := int32(ms)
	// A database that hangs must not stop the beats: the write gets one
	// interval.
	wctx, cancel := context.WithTimeout(ctx, h.interval())
	defer cancel()
	if err := dbsqlc.New().HealthInsert(wctx, h.Pool, dbsqlc.HealthInsertParams{System: h.System, Component: h.Component,
		Status: row.Status, ResponseTimeMs: &rt, ErrorMessage: row.ErrorMessage, Metadata: meta}); err != nil {
		return row, fmt.Errorf("insert heartbeat of %s/%s: %w", h.System, h.Component, err)
	}
	return row, nil
}

// Summarize folds a role's checks into one: the worst status (HEALTHY when
// there are no checks or only UNKNOWN ones: the role runs and nothing it
// needs is known to fail), the problems as the message, and the checks
// under metadata "checks".
func Summarize(checks map[string]Check) Check {
	status := Worst(checks)
	if status == Unknown {
		status = Healthy
	}
	return Fail(status, Problems(checks), map[string]any{"checks": checks})
}
