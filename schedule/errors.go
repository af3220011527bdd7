package schedule

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *Error, for callers that branch on the kind of
// failure with errors.Is.
var (
	// ErrInvalid marks a syntax, range, time zone or option error.
	ErrInvalid = errors.New("invalid schedule")
	// ErrNeverFires marks a well-formed expression that matches no date,
	// such as February 30.
	ErrNeverFires = errors.New("schedule never fires")
	// ErrNotAllowed marks an expression that is valid but breaks the policy
	// for non-admin users (per-second fields, too frequent).
	ErrNotAllowed = errors.New("schedule not allowed")
)

// Field names used in Error.Field.
const (
	FieldSecond     = "second"
	FieldMinute     = "minute"
	FieldHour       = "hour"
	FieldDayOfMonth = "day-of-month"
	FieldMonth      = "month"
	FieldDayOfWeek  = "day-of-week"
	FieldExpression = "expression"
	FieldTimezone   = "timezone"
	FieldOptions    = "options"
)

// Error describes why an expression, time zone or option was rejected. Its
// message names the field and the problem, e.g.
// `minute field: 61 out of range 0-59` or
// `timezone: unknown time zone "Mars/Base"`.
type Error struct {
	// Field is one of the Field* constants.
	Field string
	// Value is the offending text: a token, a field or the whole input.
	Value string
	// Problem says what is wrong, in words meant for the user.
	Problem string
	// Err is ErrInvalid, ErrNeverFires or ErrNotAllowed.
	Err error
	// Option is "gap" or "fold" when Field is FieldOptions.
	Option string
}

// Column is the job_schedules column the error is about: timezone, dst_gap,
// dst_fold, or cron for everything in the expression itself. The API names
// it as the problem's location and the console puts the message beside it.
func (e *Error) Column() string {
	switch e.Field {
	case FieldTimezone:
		return "timezone"
	case FieldOptions:
		if e.Option == "fold" {
			return "dst_fold"
		}
		return "dst_gap"
	}
	return "cron"
}

// Error returns "<field> field: <problem>" for cron fields and
// "<field>: <problem>" for the expression, time zone and options.
func (e *Error) Error() string {
	switch e.Field {
	case FieldSecond, FieldMinute, FieldHour, FieldDayOfMonth, FieldMonth, FieldDayOfWeek:
		return fmt.Sprintf("%s field: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Problem)
}

// Unwrap returns the sentinel error (ErrInvalid, ErrNeverFires or
// ErrNotAllowed).
func (e *Error) Unwrap() error { return e.Err }

func invalid(field, value, format string, args ...any) *Error {
	return &Error{Field: field, Value: value, Problem: fmt.Sprintf(format, args...), Err: ErrInvalid}
}
