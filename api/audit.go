package api

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// AuditEntry is one audit_log row: who changed what, from where.
type AuditEntry struct {
	ID          int64           `json:"id"`
	ActorUserID *int64          `json:"actor_user_id" doc:"The user who made the change; null for the scheduler or an operator"`
	OwnerUserID *int64          `json:"owner_user_id" doc:"The user whose entity changed"`
	Source      string          `json:"source" enum:"api,bot,cli,console,webhook,tradingbot,scheduler,worker"`
	Action      string          `json:"action" example:"schedule.delete"`
	EntityType  string          `json:"entity_type" example:"schedule"`
	EntityID    string          `json:"entity_id"`
	Details     json.RawMessage `json:"details"`
	CreatedAt   time.Time       `json:"created_at"`
}

// AuditList is a page of audit rows, newest first.
type AuditList struct {
	Items      []AuditEntry `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

type listAuditInput struct {
	Source   string    `query:"source" enum:"api,bot,cli,console,webhook,tradingbot,scheduler,worker" doc:"Only changes from this source"`
	Action   string    `query:"action" maxLength:"100" example:"schedule.delete" doc:"Only this action"`
	Entity   string    `query:"entity" maxLength:"100" example:"schedule" doc:"Only this entity type"`
	EntityID string    `query:"entity_id" maxLength:"100" doc:"Only this entity id (with entity)"`
	Since    time.Time `query:"since" doc:"Only rows at or after this time (RFC 3339)"`
	Until    time.Time `query:"until" doc:"Only rows before this time (RFC 3339)"`
	Cursor   string    `query:"cursor" doc:"next_cursor of the previous page"`
	Limit    int       `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

type listAuditOutput struct {
	Body AuditList
}

func (h *handler) listAudit(ctx context.Context, in *listAuditInput) (*listAuditOutput, error) {
	p := caller(ctx)
	before, err := decodeCursor64(in.Cursor)
	if err != nil {
		return nil, h.problem(err)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	arg := AuditFilter{Source: in.Source, Action: in.Action, Entity: in.Entity, EntityID: in.EntityID,
		Since: in.Since, Until: in.Until}.params(p.UserID, p.IsAdmin)
	arg.BeforeID, arg.MaxRows = before, int32(limit+1)
	rows, err := h.q.AuditLogList(ctx, h.pool, arg)
	if err != nil {
		return nil, h.problem(fmt.Errorf("list audit rows: %w", err))
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor64(rows[len(rows)-1].ID)
	}
	out := &listAuditOutput{Body: AuditList{Items: make([]AuditEntry, len(rows)), NextCursor: next}}
	for i, r := range rows {
		out.Body.Items[i] = toAuditEntry(r)
	}
	return out, nil
}

func toAuditEntry(r dbsqlc.AuditLog) AuditEntry {
	return AuditEntry{ID: r.ID, ActorUserID: r.ActorUserID, OwnerUserID: r.OwnerUserID, Source: r.Source,
		Action: r.Action, EntityType: r.EntityType, EntityID: r.EntityID, Details: r.Details, CreatedAt: r.CreatedAt}
}

// AuditFilter are the filters of GET /api/audit and `vigil audit` (empty
// fields do not filter).
type AuditFilter struct {
	Source, Action, Entity, EntityID string
	Since, Until                     time.Time
}

// params scopes the filter to a user (every row for an admin) in the SQL.
func (f AuditFilter) params(userID int64, admin bool) dbsqlc.AuditLogListParams {
	arg := dbsqlc.AuditLogListParams{UserID: &userID, IsAdmin: admin}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	arg.Source, arg.Action, arg.EntityType, arg.EntityID = opt(f.Source), opt(f.Action), opt(f.Entity), opt(f.EntityID)
	if !f.Since.IsZero() {
		arg.Since = &f.Since
	}
	if !f.Until.IsZero() {
		arg.Until = &f.Until
	}
	return arg
}

// ListAudit lists audit rows for the CLI (every row, as an operator),
// newest first, at most limit of them, after beforeID (0: from the newest).
func ListAudit(ctx context.Context, q dbsqlc.DBTX, f AuditFilter, beforeID int64, limit int) ([]AuditEntry, error) {
	if f.Source != "" && !auditlog.Source(f.Source).Valid() {
		return nil, fmt.Errorf("source %q: want one of %v", f.Source, auditlog.Sources())
	}
	arg := f.params(0, true)
	if beforeID > 0 {
		arg.BeforeID = &beforeID
	}
	arg.MaxRows = int32(limit)
	rows, err := dbsqlc.New().AuditLogList(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("list audit rows: %w", err)
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = toAuditEntry(r)
	}
	return out, nil
}
