package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidateFor(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		expr        string
		tz          string
		admin       bool
		minInterval time.Duration
		msg         string // exact error; empty means accepted
		is          error
	}{
		{name: "every minute at 1m", expr: "* * * * *", minInterval: time.Minute},
		{name: "every minute at 5m", expr: "* * * * *", minInterval: 5 * time.Minute, is: ErrNotAllowed,
			msg: "expression: fires every 1m, more often than the allowed minimum of 5m"},
		{name: "every minute by admin at 5m", expr: "* * * * *", admin: true, minInterval: 5 * time.Minute},
		{name: "every five minutes at 5m", expr: "*/5 * * * *", minInterval: 5 * time.Minute},
		{name: "uneven gaps use the smallest", expr: "0,1 * * * *", minInterval: 5 * time.Minute, is: ErrNotAllowed,
			msg: "expression: fires every 1m, more often than the allowed minimum of 5m"},
		{name: "hourly at 90m", expr: "@hourly", minInterval: 90 * time.Minute, is: ErrNotAllowed,
			msg: "expression: fires every 1h, more often than the allowed minimum of 1h30m"},
		{name: "seconds for non-admin", expr: "*/30 * * * * *", minInterval: time.Minute, is: ErrNotAllowed,
			msg: "expression: 6-field expressions with a seconds field are only allowed for admins"},
		{name: "seconds field even if slow", expr: "0 0 9 * * *", minInterval: time.Minute, is: ErrNotAllowed,
			msg: "expression: 6-field expressions with a seconds field are only allowed for admins"},
		{name: "seconds for admin", expr: "*/30 * * * * *", admin: true, minInterval: time.Minute},
		{name: "no minimum", expr: "* * * * *", minInterval: 0},
		{name: "parse error first", expr: "61 * * * *", minInterval: time.Minute, is: ErrInvalid,
			msg: "minute field: 61 out of range 0-59"},
		{name: "bad zone for admin too", expr: "0 9 * * *", tz: "Mars/Base", admin: true, is: ErrInvalid,
			msg: `timezone: unknown time zone "Mars/Base"`},
		{name: "never fires for admin too", expr: "0 0 30 2 *", admin: true, is: ErrNeverFires,
			msg: "expression: never fires (day-of-month 30 does not occur in month 2)"},
		{name: "zone does not change the measure", expr: "0 9 * * *", tz: "America/New_York", minInterval: 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			err := ValidateFor(tt.expr, tt.tz, tt.admin, tt.minInterval)
			if tt.msg == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.msg)
			require.ErrorIs(t, err, tt.is)
		})
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()

	for d, want := range map[time.Duration]string{
		time.Second: "1s", time.Minute: "1m", 90 * time.Minute: "1h30m", 24 * time.Hour: "24h",
		1500 * time.Millisecond: "1.5s", 61 * time.Second: "1m1s",
	} {
		require.Equal(t, want, formatDuration(d))
	}
}
