package schedules

import "github.com/vigilhq/vigil/audit"

// Actor is who asks for a change and from where. What a schedule may
// contain depends on its owner's rights, which the service reads from the
// owner's users row (is_admin, min_interval_seconds, max_schedules), never
// from the caller.
type Actor struct {
	// UserID is the acting user; 0 is an operator without a user (the CLI
	// without --user, the scheduler).
	UserID int64
	// Name is shown in notes such as "paused via the API by NAME".
	Name string
	// AllUsers scopes the actor to every user's schedules (an admin through
	// the API, an operator on the CLI); otherwise only its own are visible.
	AllUsers bool
	// Source is where the request came from (audit_log.source).
	Source audit.Source
}

// Operator is the actor of the CLI run without --user: every schedule.
func Operator(source audit.Source) Actor {
	return Actor{Name: "an operator", AllUsers: true, Source: source}
}
