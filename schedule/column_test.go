package schedule

import (
	"errors"
	"testing"
)

// TestErrorColumn checks which job_schedules column each refusal names: the
// API's problem location and the console's field both come from it.
func TestErrorColumn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		expr string
		tz   string
		opts Options
		want string
	}{
		{"cron field", "61 9 * * *", "UTC", Options{}, "cron"},
		{"time zone", "0 9 * * *", "Mars/Base", Options{}, "timezone"},
		{"gap policy", "0 9 * * *", "UTC", Options{Gap: "later"}, "dst_gap"},
		{"fold policy", "0 9 * * *", "UTC", Options{Fold: "last"}, "dst_fold"},
	}
	for _, c := range cases {
		_, err := Parse(c.expr, c.tz, c.opts)
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("%s: Parse(%q, %q) = %v, want *Error", c.name, c.expr, c.tz, err)
		}
		if got := se.Column(); got != c.want {
			t.Errorf("%s: Column() = %q, want %q (%v)", c.name, got, c.want, err)
		}
	}
}
