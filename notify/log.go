package notify

import (
	"context"
	"log/slog"
)

// Log records the message in the log only. The worker uses it when a user
// has no channel; it also stores the message in the notifications table.
type Log struct {
	Logger *slog.Logger // nil = slog.Default()
}

var _ Channel = (*Log)(nil)

// Name returns "log".
func (l *Log) Name() string { return ChannelLog }

// Send logs the message at Info level and never fails. The Receipt is empty.
func (l *Log) Send(ctx context.Context, _ Destination, m Message) (Receipt, error) {
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "notification",
		slog.String("channel", ChannelLog),
		slog.String("message_id", m.MessageID),
		slog.Int64("user_id", m.UserID),
		slog.String("priority", m.Priority),
		slog.String("notification_type", m.Type),
		slog.Int("attempt", m.Attempt),
		slog.Time("created_at", m.CreatedAt),
		slog.String("text", m.Text),
	)
	return Receipt{}, nil
}
