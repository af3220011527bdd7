package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Heartbeat writes a msg_system_health row for system/component every
// interval, with the status the check returns.
type Heartbeat struct {
	Pool      *pgxpool.Pool
	System    string
	Component string
	Interval  time.Duration
	// Check returns HEALTHY, DEGRADED, DOWN or UNKNOWN, an error message and metadata.
	Check  func(ctx context.Context) (string, string, map[string]any)
	Logger *slog.Logger
}

// Run beats until ctx is done.
func (h *Heartbeat) Run(ctx context.Context) {
	interval := h.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		h.beat(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (h *Heartbeat) beat(ctx context.Context) {
	start := time.Now()
	status, msg, meta := "HEALTHY", "", map[string]any{}
	if h.Check != nil {
		status, msg, meta = h.Check(ctx)
	}
	b, _ := json.Marshal(meta)
	rt := int32(time.Since(start).Milliseconds())
	var errMsg *string
	if msg != "" {
		errMsg = &msg
	}
	if err := dbsqlc.New().HealthInsert(ctx, h.Pool, dbsqlc.HealthInsertParams{System: h.System, Component: h.Component,
		Status: status, ResponseTimeMs: &rt, ErrorMessage: errMsg, Metadata: b}); err != nil && ctx.Err() == nil {
		h.Logger.Warn("write heartbeat", "system", h.System, "component", h.Component, "error", err)
	}
}
