package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNextStrictlyAfter(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		expr  string
		after string
		want  string
	}{
		{name: "exactly on a fire", expr: "0 9 * * *", after: "2027-01-01T09:00:00Z", want: "2027-01-02T09:00:00Z"},
		{name: "just before a fire", expr: "0 9 * * *", after: "2027-01-01T08:59:59Z", want: "2027-01-01T09:00:00Z"},
		{name: "per second on a fire", expr: "* * * * * *", after: "2027-01-01T09:00:00Z", want: "2027-01-01T09:00:01Z"},
		{name: "year end", expr: "0 0 1 1 *", after: "2027-12-31T23:59:59Z", want: "2028-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := mustParse(t, tt.expr, "", Options{})
			require.Equal(t, utc(t, tt.want), s.Next(utc(t, tt.after)))
		})
	}
}

func TestNextSubSecondAfter(t *testing.T) {
	t.Parallel()

	s := mustParse(t, "* * * * * *", "", Options{})
	after := utc(t, "2027-01-01T09:00:00Z").Add(500 * time.Millisecond)
	require.Equal(t, utc(t, "2027-01-01T09:00:01Z"), s.Next(after))
}

func TestNextAfterInAnyLocation(t *testing.T) {
	t.Parallel()

	s := mustParse(t, "0 9 * * *", "Europe/Berlin", Options{})
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	after := utc(t, "2027-01-01T00:00:00Z")
	require.Equal(t, s.Next(after), s.Next(after.In(tokyo)))
	require.Equal(t, utc(t, "2027-01-01T08:00:00Z"), s.Next(after.In(tokyo)))
}

func TestNextOutOfRange(t *testing.T) {
	t.Parallel()

	s := mustParse(t, "* * * * *", "", Options{})
	require.True(t, s.Next(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero())
	require.True(t, s.Next(time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero())
	_, ok := s.NextFire(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	require.False(t, ok)
	require.Equal(t, utc(t, "0001-01-01T00:01:00Z"), s.Next(time.Time{}))
}

// TestNextChain calls Next with its own result across whole years in zones
// with transitions and checks the chain never stalls or repeats, and that
// Between agrees with it.
func TestNextChain(t *testing.T) {
	t.Parallel()

	exprs := []string{"30 2 * * *", "0 2,3 * * *", "30 1 * * *", "*/30 * * * *", "0 */2 * * *", "0 0 * * *", "15 30 2 * * *"}
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"}
	policies := []Options{{}, {Gap: GapSkip, Fold: FoldBoth}}
	for _, tz := range zones {
		for _, expr := range exprs {
			for _, opts := range policies {
				t.Run(tz+"/"+expr+"/"+string(opts.Gap), func(t *testing.T) {
					t.Parallel()

					s := mustParse(t, expr, tz, opts)
					from, to := utc(t, "2027-01-01T00:00:00Z"), utc(t, "2028-01-01T00:00:00Z")
					var chain []time.Time
					for at := s.Next(from); !at.After(to); at = s.Next(at) {
						require.False(t, at.IsZero())
						if n := len(chain); n > 0 {
							require.True(t, at.After(chain[n-1]), "%s after %s", at, chain[n-1])
						}
						chain = append(chain, at)
					}
					require.Equal(t, chain, s.Between(from, to, 1<<20))
				})
			}
		}
	}
}

func TestNextFromZeroTimeInZone(t *testing.T) {
	t.Parallel()

	s := mustParse(t, "0 9 * * *", "America/New_York", Options{})
	next := s.Next(time.Time{})
	require.False(t, next.IsZero())
	require.Equal(t, 9, next.In(s.Location()).Hour())
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()

	s := mustParse(t, "*/30 1,2 * * *", "America/New_York", Options{Fold: FoldBoth})
	from := utc(t, "2027-03-01T00:00:00Z")
	want := s.Between(from, from.AddDate(1, 0, 0), 1<<20)
	done := make(chan []time.Time)
	for range 4 {
		go func() { done <- s.Between(from, from.AddDate(1, 0, 0), 1<<20) }()
	}
	for range 4 {
		require.Equal(t, want, <-done)
	}
}
