package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzSpan keeps fuzzed reference instants within years 1900-2300, where
// they are meaningful; out-of-range instants are covered by unit tests.
var (
	fuzzBase = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	fuzzSpan = int64(400 * 365 * 24 * 3600)
)

func fuzzInstant(seconds int64) time.Time {
	offset := seconds % fuzzSpan
	if offset < 0 {
		offset += fuzzSpan
	}
	return fuzzBase.Add(time.Duration(offset) * time.Second)
}

func FuzzParse(f *testing.F) {
	seeds := []struct {
		expr, tz string
		at       int64
	}{
		{"30 2 * * *", "America/New_York", 3_970_000_000},
		{"0 2,3 * * *", "Europe/Berlin", 3_980_000_000},
		{"*/15 * * * *", "Australia/Lord_Howe", 0},
		{"* * * * * *", "", 12345},
		{"0 0 29 2 *", "UTC", 6_000_000_000},
		{"0 9 * * MON-FRI", "Asia/Kolkata", 1},
		{"@weekly", "America/Santiago", 99},
		{"0 0 30 2 *", "", 0},
		{"61 * * * *", "", 0},
		{"CRON_TZ=UTC * * * * *", "", 0},
		{"@every 1h", "", 0},
		{"5/15 1-3,*/7 ? JAN-MAR 0-7", "Pacific/Apia", 3_500_000_000},
		{"0 12 * * *", "Pacific/Apia", 3_530_000_000},
		{"1,,2 * * * *", "Mars/Base", 0},
	}
	for _, s := range seeds {
		f.Add(s.expr, s.tz, s.at)
	}
	f.Fuzz(func(t *testing.T, expr, tz string, at int64) {
		s, err := Parse(expr, tz, Options{})
		if err != nil {
			var perr *Error
			require.True(t, errors.As(err, &perr), "error %v is not *Error", err)
			require.NotEmpty(t, perr.Problem)
			return
		}
		after := fuzzInstant(at)
		next := s.Next(after)
		require.True(t, next.IsZero() || next.After(after), "Next(%s) = %s", after, next)

		fires := s.Preview(after, 5)
		prev := after
		for _, fire := range fires {
			require.True(t, fire.At.After(prev), "preview not increasing: %s then %s", prev, fire.At)
			prev = fire.At
		}
		if len(fires) > 0 {
			require.Equal(t, next, fires[0].At)
		}
	})
}

func FuzzNext(f *testing.F) {
	exprs := []string{"30 2 * * *", "0 2,3 * * *", "30 1 * * *", "*/30 * * * *", "* 2 * * *", "0 */2 * * *", "@daily", "59 1 * * 0", "*/10 2 * * * *"}
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia"}
	f.Add(uint8(0), uint8(1), int64(3_970_000_000), false, false)
	f.Add(uint8(2), uint8(1), int64(3_990_000_000), true, true)
	f.Add(uint8(3), uint8(2), int64(3_980_000_000), false, true)
	f.Add(uint8(6), uint8(5), int64(3_530_000_000), true, false)
	f.Fuzz(func(t *testing.T, e, z uint8, at int64, skip, both bool) {
		opts := Options{}
		if skip {
			opts.Gap = GapSkip
		}
		if both {
			opts.Fold = FoldBoth
		}
		s := mustParse(t, exprs[int(e)%len(exprs)], zones[int(z)%len(zones)], opts)
		after := fuzzInstant(at)
		next := s.Next(after)
		require.True(t, next.After(after))
		// Nothing fires in between, and Between agrees.
		require.Equal(t, next, s.Next(next.Add(-time.Nanosecond)))
		if mid := after.Add(next.Sub(after) / 2); mid.After(after) {
			require.Equal(t, next, s.Next(mid))
		}
		require.Equal(t, []time.Time{next}, s.Between(after, next, 10))
		require.True(t, s.Next(next).After(next))
	})
}
