package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPreview(t *testing.T) {
	t.Parallel()

	s := mustParse(t, "0 9 * * MON", "Europe/Berlin", Options{})
	fires := s.Preview(utc(t, "2027-03-20T00:00:00Z"), 3)
	require.Len(t, fires, 3)
	require.Equal(t, []string{"2027-03-22T08:00:00Z", "2027-03-29T07:00:00Z", "2027-04-05T07:00:00Z"},
		fmtUTC([]time.Time{fires[0].At, fires[1].At, fires[2].At}))
	require.Equal(t, "2027-03-29 09:00:00", fires[1].Nominal)
	require.Equal(t, "2027-03-29 09:00:00 CEST", fires[1].Local.Format("2006-01-02 15:04:05 MST"))

	require.Nil(t, s.Preview(utc(t, "2027-03-20T00:00:00Z"), 0))
	require.Nil(t, s.Preview(utc(t, "2027-03-20T00:00:00Z"), -1))
}

func TestBetween(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		expr     string
		from, to string
		limit    int
		want     []string
	}{
		{name: "half-open range", expr: "0 * * * *", from: "2027-01-01T00:00:00Z", to: "2027-01-01T03:00:00Z", limit: 10,
			want: []string{"2027-01-01T01:00:00Z", "2027-01-01T02:00:00Z", "2027-01-01T03:00:00Z"}},
		{name: "limit", expr: "0 * * * *", from: "2027-01-01T00:00:00Z", to: "2027-01-02T00:00:00Z", limit: 2,
			want: []string{"2027-01-01T01:00:00Z", "2027-01-01T02:00:00Z"}},
		{name: "none in range", expr: "0 9 * * *", from: "2027-01-01T10:00:00Z", to: "2027-01-01T11:00:00Z", limit: 10},
		{name: "zero limit", expr: "0 * * * *", from: "2027-01-01T00:00:00Z", to: "2027-01-02T00:00:00Z", limit: 0},
		{name: "empty range", expr: "0 * * * *", from: "2027-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", limit: 10},
		{name: "reversed range", expr: "0 * * * *", from: "2027-01-02T00:00:00Z", to: "2027-01-01T00:00:00Z", limit: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := mustParse(t, tt.expr, "", Options{})
			got := s.Between(utc(t, tt.from), utc(t, tt.to), tt.limit)
			if tt.want == nil {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tt.want, fmtUTC(got))
		})
	}
}

func TestBetweenPerSecondDay(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		tz        string
		from, to  string
		want      int
		gapHour02 bool // no fire may read 02:xx local
	}{
		{name: "UTC day", from: "2027-01-01T00:00:00Z", to: "2027-01-02T00:00:00Z", want: 86400},
		{name: "New York spring day has 23 hours", tz: "America/New_York",
			from: "2027-03-14T05:00:00Z", to: "2027-03-15T04:00:00Z", want: 23 * 3600, gapHour02: true},
		{name: "New York fall day has 25 hours", tz: "America/New_York",
			from: "2027-11-07T04:00:00Z", to: "2027-11-08T05:00:00Z", want: 25 * 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := mustParse(t, "* * * * * *", tt.tz, Options{})
			got := s.Between(utc(t, tt.from), utc(t, tt.to), 1<<20)
			require.Len(t, got, tt.want)
			for i := 1; i < len(got); i++ {
				require.Equal(t, time.Second, got[i].Sub(got[i-1]))
			}
			if tt.gapHour02 {
				for _, at := range got {
					require.NotEqual(t, 2, at.In(s.Location()).Hour())
				}
			}
		})
	}
}
