package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Health statuses of msg_system_health, best first.
const (
	healthHealthy  = "HEALTHY"
	healthUnknown  = "UNKNOWN"
	healthDegraded = "DEGRADED"
	healthDown     = "DOWN"
)

// healthRank orders statuses from best to worst.
var healthRank = map[string]int{healthHealthy: 0, healthUnknown: 1, healthDegraded: 2, healthDown: 3}

func worse(a, b string) string {
	if healthRank[b] > healthRank[a] {
		return b
	}
	return a
}

// ComponentHealth is the latest report of one component.
type ComponentHealth struct {
	Component      string          `json:"component"`
	Status         string          `json:"status" enum:"HEALTHY,DEGRADED,DOWN,UNKNOWN" doc:"As last reported, but DOWN when the heartbeat has gone stale"`
	Reported       string          `json:"reported_status" doc:"The status in the last report"`
	Stale          bool            `json:"stale" doc:"No report for three heartbeat intervals"`
	ResponseTimeMs *int32          `json:"response_time_ms"`
	ErrorMessage   *string         `json:"error_message"`
	Metadata       json.RawMessage `json:"metadata"`
	CheckedAt      time.Time       `json:"checked_at"`
}

// SystemHealth is one system: the worst of its components.
type SystemHealth struct {
	System     string            `json:"system"`
	Status     string            `json:"status" enum:"HEALTHY,DEGRADED,DOWN,UNKNOWN"`
	Components []ComponentHealth `json:"components"`
}

// SystemSummary is one system's status.
type SystemSummary struct {
	System string `json:"system"`
	Status string `json:"status" enum:"HEALTHY,DEGRADED,DOWN,UNKNOWN"`
}

// PlatformHealth is the overall health: HEALTHY when every system is, else
// the worst status (UNKNOWN when nothing has reported).
type PlatformHealth struct {
	Status    string          `json:"status" enum:"HEALTHY,DEGRADED,DOWN,UNKNOWN"`
	Timestamp time.Time       `json:"timestamp"`
	Counts    map[string]int  `json:"counts" doc:"Systems by status"`
	Systems   []SystemSummary `json:"systems"`
}

// SystemList lists systems with their components.
type SystemList struct {
	Systems []SystemHealth `json:"systems"`
}

// staleAfter is how old a heartbeat may be before its component counts as
// DOWN: three missed beats.
func (h *handler) staleAfter() time.Duration {
	return 3 * h.cfg.HealthCheckInterval.D()
}

// systems groups the latest rows per component into systems, in name order.
func (h *handler) systems(rows []dbsqlc.MsgSystemHealth) []SystemHealth {
	now := h.now()
	var out []SystemHealth
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].System != r.System {
			out = append(out, SystemHealth{System: r.System, Status: healthHealthy})
		}
		c := ComponentHealth{Component: r.Component, Status: r.Status, Reported: r.Status, ResponseTimeMs: r.ResponseTimeMs,
			ErrorMessage: r.ErrorMessage, Metadata: r.Metadata, CheckedAt: r.CheckedAt}
		if now.Sub(r.CheckedAt) > h.staleAfter() {
			c.Stale = true
			c.Status = healthDown
		}
		s := &out[len(out)-1]
		s.Components = append(s.Components, c)
		s.Status = worse(s.Status, c.Status)
	}
	return out
}

func (h *handler) latestHealth(ctx context.Context) ([]SystemHealth, error) {
	rows, err := h.q.HealthLatest(ctx, h.pool)
	if err != nil {
		return nil, fmt.Errorf("latest health: %w", err)
	}
	return h.systems(rows), nil
}

type emptyInput struct{}

type platformHealthOutput struct {
	Body PlatformHealth
}

func (h *handler) health(ctx context.Context, _ *emptyInput) (*platformHealthOutput, error) {
	systems, err := h.latestHealth(ctx)
	if err != nil {
		return nil, h.problem(err)
	}
	out := PlatformHealth{Status: healthHealthy, Timestamp: h.now().UTC(), Counts: map[string]int{},
		Systems: make([]SystemSummary, len(systems))}
	if len(systems) == 0 {
		out.Status = healthUnknown
	}
	for i, s := range systems {
		out.Systems[i] = SystemSummary{System: s.System, Status: s.Status}
		out.Counts[s.Status]++
		out.Status = worse(out.Status, s.Status)
	}
	return &platformHealthOutput{Body: out}, nil
}

type systemListOutput struct {
	Body SystemList
}

func (h *handler) healthSystems(ctx context.Context, _ *emptyInput) (*systemListOutput, error) {
	systems, err := h.latestHealth(ctx)
	if err != nil {
		return nil, h.problem(err)
	}
	if systems == nil {
		systems = []SystemHealth{}
	}
	return &systemListOutput{Body: SystemList{Systems: systems}}, nil
}

type healthSystemInput struct {
	SystemName string `path:"system_name" maxLength:"255" doc:"System name, e.g. scheduler"`
}

type systemHealthOutput struct {
	Body SystemHealth
}

func (h *handler) healthSystem(ctx context.Context, in *healthSystemInput) (*systemHealthOutput, error) {
	rows, err := h.q.HealthLatestBySystem(ctx, h.pool, in.SystemName)
	if err != nil {
		return nil, h.problem(fmt.Errorf("health of system %q: %w", in.SystemName, err))
	}
	systems := h.systems(rows)
	if len(systems) == 0 {
		return nil, h.problem(&notFoundError{what: "system", id: in.SystemName})
	}
	return &systemHealthOutput{Body: systems[0]}, nil
}

func (h *handler) healthUnhealthy(ctx context.Context, _ *emptyInput) (*systemListOutput, error) {
	systems, err := h.latestHealth(ctx)
	if err != nil {
		return nil, h.problem(err)
	}
	out := []SystemHealth{}
	for _, s := range systems {
		if s.Status == healthHealthy {
			continue
		}
		s.Components = slices.DeleteFunc(s.Components, func(c ComponentHealth) bool { return c.Status == healthHealthy })
		out = append(out, s)
	}
	return &systemListOutput{Body: SystemList{Systems: out}}, nil
}
