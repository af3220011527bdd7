package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseAccepts(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		expr      string
		tz        string
		seconds   bool
		wallClock bool
		after     string
		want      []string
	}{
		{name: "five fields", expr: "30 9 * * *", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-01T09:30:00Z", "2027-01-02T09:30:00Z"}},
		{name: "six fields", expr: "15 30 9 * * *", seconds: true, after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-01T09:30:15Z", "2027-01-02T09:30:15Z"}},
		{name: "every second", expr: "* * * * * *", seconds: true, after: "2027-01-01T00:00:00Z",
			want: []string{"2027-01-01T00:00:01Z", "2027-01-01T00:00:02Z"}},
		{name: "seconds step", expr: "*/20 * * * * *", seconds: true, after: "2027-01-01T00:00:00Z",
			want: []string{"2027-01-01T00:00:20Z", "2027-01-01T00:00:40Z", "2027-01-01T00:01:00Z"}},
		{name: "ranges steps lists", expr: "0,30 8-10/2 * * *", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-01T08:00:00Z", "2027-01-01T08:30:00Z", "2027-01-01T10:00:00Z", "2027-01-01T10:30:00Z", "2027-01-02T08:00:00Z"}},
		{name: "N/step means N-max/step", expr: "50/5 * * * *", after: "2027-01-01T00:00:00Z",
			want: []string{"2027-01-01T00:50:00Z", "2027-01-01T00:55:00Z", "2027-01-01T01:50:00Z"}},
		{name: "weekday names", expr: "0 9 * * MON-FRI", after: "2027-01-01T10:00:00Z", wallClock: true, // a Friday
			want: []string{"2027-01-04T09:00:00Z", "2027-01-05T09:00:00Z"}},
		{name: "lower-case names", expr: "0 9 * * sat,sun", after: "2027-01-01T10:00:00Z", wallClock: true,
			want: []string{"2027-01-02T09:00:00Z", "2027-01-03T09:00:00Z", "2027-01-09T09:00:00Z"}},
		{name: "month names", expr: "0 0 1 JAN,JUL *", after: "2027-01-01T10:00:00Z", wallClock: true,
			want: []string{"2027-07-01T00:00:00Z", "2028-01-01T00:00:00Z"}},
		{name: "day 7 is Sunday", expr: "0 9 * * 7", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-03T09:00:00Z", "2027-01-10T09:00:00Z"}},
		{name: "range to 7", expr: "0 9 * * 6-7", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-02T09:00:00Z", "2027-01-03T09:00:00Z", "2027-01-09T09:00:00Z"}},
		{name: "FRI-SUN wraps to Sunday", expr: "0 9 * * FRI-SUN", after: "2027-01-01T10:00:00Z", wallClock: true,
			want: []string{"2027-01-02T09:00:00Z", "2027-01-03T09:00:00Z", "2027-01-08T09:00:00Z"}},
		{name: "question mark", expr: "0 9 ? * MON", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-04T09:00:00Z", "2027-01-11T09:00:00Z"}},
		{name: "both day fields: either matches", expr: "0 0 13 * FRI", after: "2027-08-01T00:00:00Z", wallClock: true,
			want: []string{"2027-08-06T00:00:00Z", "2027-08-13T00:00:00Z", "2027-08-20T00:00:00Z"}},
		{name: "leap day", expr: "0 0 29 2 *", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{name: "leap day across 2100", expr: "0 0 29 2 *", after: "2097-01-01T00:00:00Z", wallClock: true,
			want: []string{"2104-02-29T00:00:00Z"}},
		{name: "yearly", expr: "@yearly", after: "2027-06-01T00:00:00Z", wallClock: true,
			want: []string{"2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z"}},
		{name: "annually", expr: "@annually", after: "2027-06-01T00:00:00Z", wallClock: true,
			want: []string{"2028-01-01T00:00:00Z"}},
		{name: "monthly", expr: "@monthly", after: "2027-06-15T00:00:00Z", wallClock: true,
			want: []string{"2027-07-01T00:00:00Z", "2027-08-01T00:00:00Z"}},
		{name: "weekly", expr: "@weekly", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-03T00:00:00Z", "2027-01-10T00:00:00Z"}},
		{name: "daily", expr: "@daily", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-02T00:00:00Z"}},
		{name: "midnight", expr: "@midnight", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-02T00:00:00Z"}},
		{name: "hourly", expr: "@hourly", after: "2027-01-01T00:00:00Z",
			want: []string{"2027-01-01T01:00:00Z", "2027-01-01T02:00:00Z"}},
		{name: "surrounding space", expr: "  0 12 * * *  ", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-01T12:00:00Z"}},
		{name: "Tokyo", expr: "0 9 * * *", tz: "Asia/Tokyo", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-02T00:00:00Z"}},
		{name: "Kolkata half-hour offset", expr: "0 9 * * *", tz: "Asia/Kolkata", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-01T03:30:00Z", "2027-01-02T03:30:00Z"}},
		{name: "New York winter and summer", expr: "0 9 1 * *", tz: "America/New_York", after: "2027-06-15T00:00:00Z", wallClock: true,
			want: []string{"2027-07-01T13:00:00Z", "2027-08-01T13:00:00Z", "2027-09-01T13:00:00Z", "2027-10-01T13:00:00Z", "2027-11-01T13:00:00Z", "2027-12-01T14:00:00Z"}},
		{name: "explicit UTC", expr: "0 9 * * *", tz: "UTC", after: "2027-01-01T00:00:00Z", wallClock: true,
			want: []string{"2027-01-01T09:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := mustParse(t, tt.expr, tt.tz, Options{})
			require.Equal(t, tt.seconds, s.HasSeconds())
			require.Equal(t, tt.wallClock, s.WallClock())
			require.Equal(t, Options{Gap: GapShift, Fold: FoldFirst}, s.Options())
			var got []time.Time
			for _, f := range s.Preview(utc(t, tt.after), len(tt.want)) {
				got = append(got, f.At)
			}
			require.Equal(t, tt.want, fmtUTC(got))
		})
	}
}

func TestParseAccessors(t *testing.T) {
	t.Parallel()

	s := mustParse(t, " 0 9 * * 1 ", "Europe/Berlin", Options{Gap: GapSkip, Fold: FoldBoth})
	require.Equal(t, "0 9 * * 1", s.Expr())
	require.Equal(t, "Europe/Berlin", s.Location().String())
	require.Equal(t, Options{Gap: GapSkip, Fold: FoldBoth}, s.Options())
	require.False(t, s.HasSeconds())

	require.Equal(t, time.UTC, mustParse(t, "0 9 * * 1", "", Options{}).Location())
}

func TestParseErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		expr  string
		tz    string
		opts  Options
		field string
		msg   string // exact Error() text
		is    error
	}{
		{name: "minute out of range", expr: "61 * * * *", field: FieldMinute, msg: "minute field: 61 out of range 0-59"},
		{name: "hour not a number", expr: "0 2x * * *", field: FieldHour, msg: `hour field: "2x" is not a number`},
		{name: "hour out of range", expr: "0 24 * * *", field: FieldHour, msg: "hour field: 24 out of range 0-23"},
		{name: "too few fields", expr: "* * * *", field: FieldExpression, msg: "expression: expected 5 or 6 fields, got 4"},
		{name: "too many fields", expr: "* * * * * * *", field: FieldExpression, msg: "expression: expected 5 or 6 fields, got 7"},
		{name: "empty", expr: "   ", field: FieldExpression, msg: "expression: must not be empty"},
		{name: "unknown zone", expr: "0 9 * * *", tz: "Mars/Base", field: FieldTimezone, msg: `timezone: unknown time zone "Mars/Base"`},
		{name: "Local zone", expr: "0 9 * * *", tz: "Local", field: FieldTimezone,
			msg: `timezone: "Local" is not allowed; use an IANA name such as "Europe/Berlin"`},
		{name: "second out of range", expr: "60 * * * * *", field: FieldSecond, msg: "second field: 60 out of range 0-59"},
		{name: "day of month zero", expr: "0 0 0 * *", field: FieldDayOfMonth, msg: "day-of-month field: 0 out of range 1-31"},
		{name: "day of month 32", expr: "0 0 1-32 * *", field: FieldDayOfMonth, msg: "day-of-month field: 32 out of range 1-31"},
		{name: "month 13", expr: "0 0 * 13 *", field: FieldMonth, msg: "month field: 13 out of range 1-12"},
		{name: "month name", expr: "0 0 * JUNE *", field: FieldMonth, msg: `month field: "JUNE" is not a number or month name (JAN-DEC)`},
		{name: "day of week 8", expr: "0 0 * * 8", field: FieldDayOfWeek, msg: "day-of-week field: 8 out of range 0-7"},
		{name: "day name", expr: "0 0 * * FUNDAY", field: FieldDayOfWeek, msg: `day-of-week field: "FUNDAY" is not a number or day name (SUN-SAT)`},
		{name: "name in minute", expr: "MON * * * *", field: FieldMinute, msg: `minute field: "MON" is not a number`},
		{name: "step zero", expr: "*/0 * * * *", field: FieldMinute, msg: "minute field: step 0 out of range 1-59"},
		{name: "step too big", expr: "0 */24 * * *", field: FieldHour, msg: "hour field: step 24 out of range 1-23"},
		{name: "step not a number", expr: "*/x * * * *", field: FieldMinute, msg: `minute field: step "x" is not a number`},
		{name: "backwards range", expr: "5-2 * * * *", field: FieldMinute, msg: `minute field: range "5-2" starts after it ends`},
		{name: "backwards names", expr: "0 0 * * FRI-MON", field: FieldDayOfWeek, msg: `day-of-week field: range "FRI-MON" starts after it ends`},
		{name: "empty list item", expr: "1,,2 * * * *", field: FieldMinute, msg: `minute field: empty item in list "1,,2"`},
		{name: "trailing comma", expr: "0 1, * * *", field: FieldHour, msg: `hour field: empty item in list "1,"`},
		{name: "open range", expr: "5- * * * *", field: FieldMinute, msg: `minute field: "5-" is not a valid range`},
		{name: "two hyphens", expr: "1-2-3 * * * *", field: FieldMinute, msg: `minute field: "1-2-3" has more than one "-"`},
		{name: "two slashes", expr: "1/2/3 * * * *", field: FieldMinute, msg: `minute field: "1/2/3" has more than one "/"`},
		{name: "star range", expr: "*-5 * * * *", field: FieldMinute, msg: `minute field: "*" is not a number`},
		{name: "question mark in hour", expr: "0 ? * * *", field: FieldHour,
			msg: `hour field: "?" is only allowed in the day-of-month and day-of-week fields`},
		{name: "signed number", expr: "+5 * * * *", field: FieldMinute, msg: `minute field: "+5" is not a number`},
		{name: "huge number", expr: "99999999999999999999 * * * *", field: FieldMinute,
			msg: "minute field: 99999999999999999999 out of range 0-59"},
		{name: "every", expr: "@every 5m", field: FieldExpression,
			msg: `expression: @every is not supported; use a cron expression such as "*/5 * * * *"`},
		{name: "unknown descriptor", expr: "@reboot", field: FieldExpression,
			msg: `expression: unknown descriptor "@reboot" (want @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)`},
		{name: "descriptor with extra", expr: "@daily 5", field: FieldExpression,
			msg: `expression: unknown descriptor "@daily 5" (want @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)`},
		{name: "CRON_TZ prefix", expr: "CRON_TZ=America/New_York 0 9 * * *", field: FieldExpression,
			msg: "expression: a CRON_TZ= or TZ= prefix is not supported; set the timezone field instead"},
		{name: "TZ prefix", expr: "TZ=UTC 0 9 * * *", field: FieldExpression,
			msg: "expression: a CRON_TZ= or TZ= prefix is not supported; set the timezone field instead"},
		{name: "unknown gap policy", expr: "0 9 * * *", opts: Options{Gap: "later"}, field: FieldOptions,
			msg: `options: unknown gap policy "later" (want "shift" or "skip")`},
		{name: "unknown fold policy", expr: "0 9 * * *", opts: Options{Fold: "last"}, field: FieldOptions,
			msg: `options: unknown fold policy "last" (want "first" or "both")`},
		{name: "February 30", expr: "0 0 30 2 *", field: FieldExpression, is: ErrNeverFires,
			msg: "expression: never fires (day-of-month 30 does not occur in month 2)"},
		{name: "April 31", expr: "0 0 31 4 *", field: FieldExpression, is: ErrNeverFires,
			msg: "expression: never fires (day-of-month 31 does not occur in month 4)"},
		{name: "31st of short months", expr: "0 0 0 31 2,4,JUN *", field: FieldExpression, is: ErrNeverFires,
			msg: "expression: never fires (day-of-month 31 does not occur in month 2,4,6)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s, err := Parse(tt.expr, tt.tz, tt.opts)
			require.Nil(t, s)
			require.EqualError(t, err, tt.msg)
			var perr *Error
			require.ErrorAs(t, err, &perr)
			require.Equal(t, tt.field, perr.Field)
			require.NotEmpty(t, perr.Problem)
			want := tt.is
			if want == nil {
				want = ErrInvalid
			}
			require.ErrorIs(t, err, want)
		})
	}
}

func TestParseNeverFiresExceptions(t *testing.T) {
	t.Parallel()

	// These look impossible but fire: February 29 in leap years, and when
	// both day fields are restricted either may match.
	for _, expr := range []string{"0 0 29 2 *", "0 0 30 2 MON", "0 0 31 * *", "0 0 30,31 2,3 *"} {
		_, err := Parse(expr, "", Options{})
		require.NoError(t, err, expr)
	}
}

func TestErrorValue(t *testing.T) {
	t.Parallel()

	_, err := Parse("0 2x * * *", "", Options{})
	var perr *Error
	require.True(t, errors.As(err, &perr))
	require.Equal(t, "2x", perr.Value)
}
