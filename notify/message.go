package notify

import (
	"context"
	"time"

	"github.com/vigilhq/vigil/notify/channels"
)

// Channel names, as returned by Channel.Name and stored in the notifications
// table: the names of package channels, the one list.
const (
	ChannelWebhook  = channels.Webhook
	ChannelTelegram = channels.Telegram
	ChannelEmail    = channels.Email
	ChannelLog      = channels.Log
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

// Types returns every notification type, in a fixed order (the schema's
// notification_type enum).
func Types() []string { return []string{TypeAlert, TypeReport, TypeScreener, TypeSystem, TypeTrade} }

// Message is one notification to deliver to one user.
type Message struct {
	MessageID string // UUID string, stable across retries (idempotency key for receivers)
	UserID    int64
	Text      string
	Priority  string // normal|high|urgent
	Type      string // alert|report|screener|system|trade
	Attempt   int    // 1-based delivery attempt
	CreatedAt time.Time
	// Silent asks for delivery without a sound (Telegram's
	// disable_notification), from the user's per-type preferences.
	// Channels without such a thing deliver as usual.
	Silent bool
	// Images are shown inside the message by channels that can (Email,
	// an ImageEmbedder); the worker fills them for those channels only.
	Images []Image
}

// Image is a picture sent inside a message, such as a report's chart.
type Image struct {
	Name    string // file name, e.g. "price.png"
	Caption string // shown under it; may be ""
	PNG     []byte
}

// ImageEmbedder is a Channel that shows Message.Images inside the message
// itself, in one delivery (Email: inline parts referenced by Content-ID),
// rather than as messages of their own (Telegram photos).
type ImageEmbedder interface {
	Channel
	EmbedsImages() bool
}

// Destination holds where a user can be reached; a channel reads the field it
// needs and returns ErrNoDestination (permanent) when it is empty.
type Destination struct {
	WebhookURL string
	// WebhookSecret is the user's own signing secret; empty uses the
	// channel's shared Webhook.Secret.
	WebhookSecret  []byte
	TelegramChatID int64
	// Email is the user's confirmed address that is not bouncing and not
	// unsubscribed; "" when email cannot be sent to them.
	Email string
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
	Name() string // "webhook", "telegram", "email", "log"
	Send(ctx context.Context, dest Destination, m Message) (Receipt, error)
}
