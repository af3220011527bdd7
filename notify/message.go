package notify

import (
	"context"
	"time"
)

// Channel names, as returned by Channel.Name and stored in the notifications
// table.
const (
	ChannelWebhook  = "webhook"
	ChannelTelegram = "telegram"
	ChannelLog      = "log"
)

// Priorities of a Message.
const (
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Types of a Message.
const (
	TypeAlert    = "alert"
	TypeReport   = "report"
	TypeScreener = "screener"
	TypeSystem   = "system"
	// TypeTrade is a trading bot's fills, closed positions, stops, kill
	// switch and daily P&L summary.
	TypeTrade = "trade"
)

// Message is one notification to deliver to one user.
type Message struct {
	MessageID string // UUID string, stable across retries (idempotency key for receivers)
	UserID    int64
	Text      string
	Priority  string // normal|high|urgent
	Type      string // alert|report|screener|system|trade
	Attempt   int    // 1-based delivery attempt
	CreatedAt time.Time
}

// Destination holds where a user can be reached; a channel reads the field it
// needs and returns ErrNoDestination (permanent) when it is empty.
type Destination struct {
	WebhookURL string
	// WebhookSecret is the user's own signing secret; empty uses the
	// channel's shared Webhook.Secret.
	WebhookSecret  []byte
	TelegramChatID int64
}

// Receipt is what a channel learned from a successful delivery.
type Receipt struct {
	// ProviderMessageID identifies the delivery at the provider, e.g. the
	// webhook response's X-Request-Id header or the Telegram message id.
	// Empty when the provider gave none.
	ProviderMessageID string
}

// Channel delivers messages over one medium. Send makes exactly one delivery
// attempt; its error is classified as described in the package documentation.
type Channel interface {
	Name() string // "webhook", "telegram", "log"
	Send(ctx context.Context, dest Destination, m Message) (Receipt, error)
}
