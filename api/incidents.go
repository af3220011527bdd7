package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Incident is one incidents row: a problem the incident monitor saw (design
// 11.3), open until it clears.
type Incident struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind" enum:"job_failed,queue_backlog,heartbeat_stale,slow_job,fire_lag,channel_failing"`
	Subject string `json:"subject" example:"alert: provider timeout after #" doc:"What is failing: job type and error class, queue, system/component, job type, scheduler or channel"`
	State   string `json:"state" enum:"open,resolved"`
	Summary string `json:"summary" doc:"What the latest check saw, for people"`
	// OpenedAt is when the monitor first saw it.
	OpenedAt   time.Time  `json:"opened_at"`
	ResolvedAt *time.Time `json:"resolved_at" doc:"null while open"`
	LastSeen   time.Time  `json:"last_seen" doc:"The last check that saw it (job_failed: the last failure)"`
	Count      int64      `json:"count" doc:"Checks that saw it (job_failed: failed runs)"`
	Reopened   int32      `json:"reopened" doc:"Times it came back within incident_cooldown after resolving (no message was sent)"`
	// Details are the kind's figures (thresholds, oldest run, last error).
	Details           json.RawMessage `json:"details"`
	NotifiedOpenAt    *time.Time      `json:"notified_open_at" doc:"When the admins' open message was queued"`
	NotifiedResolveAt *time.Time      `json:"notified_resolve_at" doc:"When the admins' resolve message was queued"`
}

// IncidentList is a page of incidents, newest first.
type IncidentList struct {
	Items      []Incident `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

type listIncidentsInput struct {
	State  string `query:"state" enum:"open,resolved,all" default:"open" doc:"Open incidents, resolved ones, or all"`
	Cursor string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

type listIncidentsOutput struct {
	Body IncidentList
}

const listIncidentsDoc = "Incidents the scheduler's incident monitor opened: failed jobs (one per job type and error class), queue backlog, stale or DOWN heartbeats, slow jobs, scheduler fire lag and failing notification channels, newest first. Admins only."

// registerIncidents adds GET /api/incidents.
func (h *handler) registerIncidents(api huma.API) {
	opd(api, "list-incidents", http.MethodGet, "/api/incidents", "List incidents (admins)", listIncidentsDoc,
		"incidents", 0, h.listIncidents, http.StatusBadRequest, http.StatusUnprocessableEntity)
}

func (h *handler) listIncidents(ctx context.Context, in *listIncidentsInput) (*listIncidentsOutput, error) {
	p := caller(ctx)
	if !p.IsAdmin {
		return nil, h.problem(forbidden("", "only admins may list incidents"))
	}
	before, err := decodeCursor64(in.Cursor)
	if err != nil {
		return nil, h.problem(err)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	state := in.State
	if state == "" {
		state = "open"
	}
	// Scoped in the SQL too: rows only for a verified admin.
	rows, err := h.q.IncidentList(ctx, h.pool, dbsqlc.IncidentListParams{UserID: p.UserID, State: state,
		BeforeID: before, MaxRows: int32(limit + 1)})
	if err != nil {
		return nil, h.problem(fmt.Errorf("list incidents: %w", err))
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor64(rows[len(rows)-1].ID)
	}
	out := &listIncidentsOutput{Body: IncidentList{Items: make([]Incident, len(rows)), NextCursor: next}}
	for i, r := range rows {
		out.Body.Items[i] = toIncident(r)
	}
	return out, nil
}

func toIncident(r dbsqlc.Incident) Incident {
	state := "open"
	if r.ResolvedAt != nil {
		state = "resolved"
	}
	var d struct {
		Summary string `json:"summary"`
	}
	_ = json.Unmarshal(r.Details, &d)
	return Incident{ID: r.ID, Kind: r.Kind, Subject: r.Subject, State: state, Summary: d.Summary, OpenedAt: r.OpenedAt,
		ResolvedAt: r.ResolvedAt, LastSeen: r.LastSeen, Count: r.Count, Reopened: r.Reopened, Details: r.Details,
		NotifiedOpenAt: r.NotifiedOpenAt, NotifiedResolveAt: r.NotifiedResolveAt}
}
