package bot

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
)

// audit records a change a command made, in the command's transaction,
// with source bot. actor is the user who sent the command, owner the user
// whose thing changed.
func (b *Bot) audit(ctx context.Context, tx pgx.Tx, actor, owner int64, action, entityType string, entityID any, details map[string]any) error {
	return audit.Write(ctx, tx, audit.Entry{Actor: actor, Owner: owner, Source: audit.SourceBot,
		Action: action, EntityType: entityType, EntityID: entityID, Details: details})
}
