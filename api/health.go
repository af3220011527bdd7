package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/health"
)

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

// systems groups the latest rows per component into systems, in name order
// (health.Latest: a stale heartbeat counts as DOWN).
func (h *handler) systems(rows []dbsqlc.MsgSystemHealth) []SystemHealth {
	latest := health.Latest(rows, h.now(), h.staleAfter())
	out := make([]SystemHealth, len(latest))
	for i, s := range latest {
		out[i] = SystemHealth{System: s.System, Status: s.Status, Components: make([]ComponentHealth, len(s.Components))}
		for j, c := range s.Components {
			r := c.Row
			out[i].Components[j] = ComponentHealth{Component: r.Component, Status: c.Status, Reported: r.Status,
				ResponseTimeMs: r.ResponseTimeMs, ErrorMessage: r.ErrorMessage, Metadata: r.Metadata,
				CheckedAt: r.CheckedAt, Stale: c.Stale}
		}
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
	out := PlatformHealth{Status: health.Healthy, Timestamp: h.now().UTC(), Counts: map[string]int{},
		Systems: make([]SystemSummary, len(systems))}
	if len(systems) == 0 {
		out.Status = health.Unknown
	}
	for i, s := range systems {
		out.Systems[i] = SystemSummary{System: s.System, Status: s.Status}
		out.Counts[s.Status]++
		out.Status = health.WorsePlatform(out.Status, s.Status)
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
		if s.Status == health.Healthy {
			continue
		}
		s.Components = slices.DeleteFunc(s.Components, func(c ComponentHealth) bool { return c.Status == health.Healthy })
		out = append(out, s)
	}
	return &systemListOutput{Body: SystemList{Systems: out}}, nil
}
