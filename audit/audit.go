// Package audit writes audit_log rows: who changed what, from where. Every
// state change in Vigil (API, bot, CLI, console, inbound webhooks, the trading
// bot, the scheduler's own actions and workers) writes one in the
// transaction of the change.
package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Source is where a change came from (audit_log.source).
type Source string

// The sources audit_log accepts.
const (
	SourceAPI        Source = "api"
	SourceBot        Source = "bot"
	SourceCLI        Source = "cli"
	SourceConsole    Source = "console"
	SourceWebhook    Source = "webhook"
	SourceTradingBot Source = "tradingbot"
	SourceScheduler  Source = "scheduler"
	SourceWorker     Source = "worker"
)

// Sources lists every source, in the order of the column's check.
func Sources() []Source {
	return []Source{SourceAPI, SourceBot, SourceCLI, SourceConsole, SourceWebhook, SourceTradingBot, SourceScheduler, SourceWorker}
}

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	for _, k := range Sources() {
		if s == k {
			return true
		}
	}
	return false
}

// Entry is one audit row.
type Entry struct {
	// Actor is the user who made the change; 0 for the system or an
	// operator without a user (the scheduler, the CLI without --user).
	Actor int64
	// Owner is the user whose entity changed; 0 when none (or unknown).
	Owner  int64
	Source Source
	// Action is entity.verb, e.g. schedule.create.
	Action     string
	EntityType string
	EntityID   any
	Details    map[string]any
}

// Write inserts e with q (a transaction, so that the row commits with the
// change it records).
func Write(ctx context.Context, q dbsqlc.DBTX, e Entry) error {
	if !e.Source.Valid() {
		return fmt.Errorf("audit %s: unknown source %q", e.Action, e.Source)
	}
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit %s: encode details: %w", e.Action, err)
	}
	if err := dbsqlc.New().AuditLogInsert(ctx, q, dbsqlc.AuditLogInsertParams{
		ActorUserID: idOrNil(e.Actor), OwnerUserID: idOrNil(e.Owner), Source: string(e.Source),
		Action: e.Action, EntityType: e.EntityType, EntityID: fmt.Sprint(e.EntityID), Details: b,
	}); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func idOrNil(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
