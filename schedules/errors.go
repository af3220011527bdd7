package schedules

import (
	"errors"
	"fmt"
)

// Kind classifies an Error.
type Kind int

// The kinds of Error.
const (
	// KindInvalid: the request is malformed (422).
	KindInvalid Kind = iota + 1
	// KindForbidden: the owner may not schedule this (403).
	KindForbidden
	// KindQuota: the owner has as many schedules as allowed (403).
	KindQuota
	// KindNotFound: no such schedule, or not the actor's (404).
	KindNotFound
	// KindStale: the schedule changed since the caller read it (412).
	KindStale
	// KindPreconditionRequired: an ETag is required and missing (428).
	KindPreconditionRequired
)

// Error is a problem a caller shows its user. Field names the definition
// field at fault ("job_type", "task_params/user_id", "cron"), "" if none.
type Error struct {
	Kind  Kind
	Field string
	Msg   string
	// ETag is the current tag, for KindStale.
	ETag string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// AsError returns err's *Error, if it has one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func notFound(id int32) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf("schedule %d not found", id)}
}

func invalid(field, msg string) error { return &Error{Kind: KindInvalid, Field: field, Msg: msg} }

func forbidden(field, msg string) error { return &Error{Kind: KindForbidden, Field: field, Msg: msg} }
