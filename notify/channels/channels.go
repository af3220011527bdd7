// Package channels is the one list of notification channel names, shared by
// the task_params schemas (a test keeps their enums in step), the alert
// parser, the notification worker, the API and the bot.
//
// It imports nothing, so that pure packages (alerts) and config can use it
// without pulling in the channels' client libraries.
package channels

import "slices"

// Channel names, as chosen in alerts and notifications and stored in the
// notifications table.
const (
	Telegram = "telegram"
	Email    = "email"
	Webhook  = "webhook"
	// Log records a message in the log and the notifications table only;
	// operators (admins) may choose it, users may not.
	Log = "log"
)

// User returns the channels a user may choose, in a fixed order: telegram,
// email, webhook. The caller may change its copy.
func User() []string { return []string{Telegram, Email, Webhook} }

// All returns every channel name, User's and then log, in a fixed order.
// The caller may change its copy.
func All() []string { return []string{Telegram, Email, Webhook, Log} }

// Known reports whether name is one of All.
func Known(name string) bool { return slices.Contains(All(), name) }

// OperatorOnly reports whether only an operator (an admin) may choose
// channel name.
func OperatorOnly(name string) bool { return name == Log }
