package jobs

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/tradingbot"
)

// TradeNotifier delivers the trading bots' notifications: each Note becomes
// a NotifyArgs job (type trade) inserted in the bar decision's transaction,
// so it is sent once, exactly when the decision commits.
type TradeNotifier struct {
	Client *river.Client[pgx.Tx]
}

// NotifyTx inserts the notification job with tx.
func (n TradeNotifier) NotifyTx(ctx context.Context, tx pgx.Tx, note tradingbot.Note) error {
	args := NewNotifyArgs(note.UserID, note.Text, note.Priority, notify.TypeTrade)
	if _, err := n.Client.InsertTx(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("enqueue trade notification for user %d: %w", note.UserID, err)
	}
	return nil
}
