package tradingbot

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an Error.
type Kind int

// The kinds of Error.
const (
	// KindInvalid: the definition or request is malformed (422).
	KindInvalid Kind = iota + 1
	// KindNotFound: no such bot, or not the actor's (404).
	KindNotFound
	// KindConflict: the change contradicts the bot's state, e.g. a symbol
	// dropped while the bot holds it (409).
	KindConflict
)

// Error is a refusal a caller shows its user as it is. Field names the
// definition field at fault as a JSON pointer without the leading slash
// ("params/fast", "symbols"), "" if none.
type Error struct {
	Kind  Kind
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" || strings.HasPrefix(e.Msg, "/") { // a schema problem list names its pointers
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

func invalid(field, format string, args ...any) error {
	return &Error{Kind: KindInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func conflict(field, format string, args ...any) error {
	return &Error{Kind: KindConflict, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func notFound(id int64) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf("trading bot %d not found", id)}
}
