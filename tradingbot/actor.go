package tradingbot

import "github.com/vigilhq/vigil/audit"

// Actor is who asks for a change and from where.
type Actor struct {
	// UserID is the acting user; 0 is an operator without a user (the CLI
	// without --user).
	UserID int64
	// Name is shown in state reasons such as "stopped via cli by NAME".
	Name string
	// AllUsers scopes the actor to every user's bots (an operator on the
	// CLI, an admin); otherwise only its own are visible.
	AllUsers bool
	// Source is where the request came from (audit_log.source).
	Source audit.Source
}

// Operator is the actor of the CLI run without --user: every bot.
func Operator(source audit.Source) Actor {
	return Actor{Name: "an operator", AllUsers: true, Source: source}
}

// sees reports whether a may see and change a bot of owner.
func (a Actor) sees(owner int64) bool { return a.AllUsers || a.UserID == owner }

// scope is the user_id the actor's queries are limited to; nil for every
// user's bots.
func (a Actor) scope() *int64 {
	if a.AllUsers {
		return nil
	}
	id := a.UserID
	return &id
}
