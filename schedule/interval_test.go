package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMinInterval(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		expr    string
		tz      string
		opts    Options
		nominal time.Duration
		real    time.Duration // MinInterval from 2027-01-01
	}{
		{name: "every five minutes", expr: "*/5 * * * *", nominal: 5 * time.Minute, real: 5 * time.Minute},
		{name: "daily", expr: "0 9 * * *", nominal: 24 * time.Hour, real: 24 * time.Hour},
		{name: "every second", expr: "* * * * * *", nominal: time.Second, real: time.Second},
		{name: "smallest gap, not average", expr: "0,1 * * * *", nominal: time.Minute, real: time.Minute},
		{name: "seconds in a minute", expr: "0,50 0 * * * *", nominal: 50 * time.Second, real: 50 * time.Second},
		{name: "seconds across minutes", expr: "0,50 * * * * *", nominal: 10 * time.Second, real: 10 * time.Second},
		{name: "across minutes", expr: "50 */2 * * * *", nominal: 2 * time.Minute, real: 2 * time.Minute},
		{name: "minute then hour", expr: "0 0,10 * * * *", nominal: 10 * time.Minute, real: 10 * time.Minute},
		{name: "across minutes, end to start", expr: "0,58 0,1 * * * *", nominal: 2 * time.Second, real: 2 * time.Second},
		{name: "across hours", expr: "0,59 8,9 * * *", nominal: time.Minute, real: time.Minute},
		{name: "hours apart", expr: "30 8,20 * * *", nominal: 12 * time.Hour, real: 12 * time.Hour},
		{name: "weekdays", expr: "0 9 * * MON-FRI", nominal: 24 * time.Hour, real: 24 * time.Hour},
		{name: "weekly", expr: "@weekly", nominal: 7 * 24 * time.Hour, real: 7 * 24 * time.Hour},
		{name: "monthly on the 31st", expr: "0 0 31 * *", nominal: 31 * 24 * time.Hour, real: 31 * 24 * time.Hour},
		{name: "monthly", expr: "@monthly", nominal: 28 * 24 * time.Hour, real: 28 * 24 * time.Hour},
		{name: "28th and 1st", expr: "0 23 1,28 * *", nominal: 24 * time.Hour, real: 24 * time.Hour},
		{name: "late then early", expr: "0 1,23 * * *", nominal: 2 * time.Hour, real: 2 * time.Hour},
		{name: "leap day", expr: "0 0 29 2 *", nominal: 1461 * 24 * time.Hour, real: 1461 * 24 * time.Hour},
		{name: "daily across spring forward", expr: "0 9 * * *", tz: "America/New_York", nominal: 24 * time.Hour, real: 23 * time.Hour},
		{name: "shifted 02:30", expr: "30 2 * * *", tz: "America/New_York", nominal: 24 * time.Hour, real: 23*time.Hour + 30*time.Minute},
		{name: "fold both", expr: "30 1 * * *", tz: "America/New_York", opts: Options{Fold: FoldBoth}, nominal: 24 * time.Hour, real: time.Hour},
		{name: "wildcard in fold", expr: "*/5 * * * *", tz: "Europe/Berlin", nominal: 5 * time.Minute, real: 5 * time.Minute},
		{name: "shift brings fires together", expr: "30,59 1,2 * * *", tz: "America/New_York", nominal: 29 * time.Minute, real: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := mustParse(t, tt.expr, tt.tz, tt.opts)
			require.Equal(t, tt.nominal, s.NominalMinInterval())
			require.Equal(t, tt.real, s.MinInterval(utc(t, "2027-01-01T00:00:00Z")))
		})
	}
}
