package schedule

import (
	"strings"
	"time"
)

// ValidateFor parses expr in timezone with default Options and applies the
// policy for non-admin users: 6-field (per-second) expressions are for admins
// only, and a non-admin schedule may not fire more often than minInterval
// (callers normally pass one minute; zero disables the check). Frequency is
// measured with NominalMinInterval, so it does not depend on the date or on
// daylight-saving transitions. Policy violations wrap ErrNotAllowed.
func ValidateFor(expr, timezone string, admin bool, minInterval time.Duration) error {
	s, err := Parse(expr, timezone, Options{})
	if err != nil {
		return err
	}
	if admin {
		return nil
	}
	if s.HasSeconds() {
		return &Error{Field: FieldExpression, Value: s.Expr(),
			Problem: "6-field expressions with a seconds field are only allowed for admins", Err: ErrNotAllowed}
	}
	if every := s.NominalMinInterval(); minInterval > 0 && every < minInterval {
		return &Error{Field: FieldExpression, Value: s.Expr(),
			Problem: "fires every " + formatDuration(every) + ", more often than the allowed minimum of " + formatDuration(minInterval),
			Err:     ErrNotAllowed}
	}
	return nil
}

// formatDuration renders a duration without trailing zero units: "1m",
// "24h", "1h30m", "1.5s".
func formatDuration(d time.Duration) string {
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}
