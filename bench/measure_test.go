package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFires(t *testing.T) {
	t.Parallel()
	sec, err := cronEvery(cronEverySecond)
	require.NoError(t, err)
	minute, err := cronEvery(cronEveryMinute)
	require.NoError(t, err)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return v
	}

	tests := []struct {
		name     string
		s        any
		from, to string
		want     int64
		last     string
	}{
		{"second, aligned", "s", "2026-03-01T12:00:00Z", "2026-03-01T12:00:30Z", 30, "2026-03-01T12:00:29Z"},
		{"second, unaligned", "s", "2026-03-01T12:00:00.5Z", "2026-03-01T12:00:03.5Z", 3, "2026-03-01T12:00:03Z"},
		{"second, empty", "s", "2026-03-01T12:00:00.1Z", "2026-03-01T12:00:00.9Z", 0, ""},
		{"minute, two minutes", "m", "2026-03-01T12:00:00Z", "2026-03-01T12:02:00Z", 2, "2026-03-01T12:01:00Z"},
		{"minute, across midnight", "m", "2026-03-01T23:59:00Z", "2026-03-02T00:01:30Z", 3, "2026-03-02T00:01:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := sec
			if tt.s == "m" {
				s = minute
			}
			from, to := at(tt.from), at(tt.to)
			require.Equal(t, tt.want, firesIn(s, from, to))
			last := lastFireBefore(s, from, to)
			if tt.last == "" {
				require.True(t, last.IsZero())
			} else {
				require.Equal(t, at(tt.last), last)
			}
		})
	}

	require.Equal(t, at("2026-03-01T12:00:00Z"), fireAtOrAfter(sec, at("2026-03-01T12:00:00Z")))
	require.Equal(t, at("2026-03-01T12:00:01Z"), fireAtOrAfter(sec, at("2026-03-01T12:00:00.001Z")))
	require.Equal(t, at("2026-03-01T12:01:00Z"), fireAtOrAfter(minute, at("2026-03-01T12:00:00.001Z")))
	require.Equal(t, time.Second, period(sec, at("2026-03-01T12:00:00.3Z")))
	require.Equal(t, time.Minute, period(minute, at("2026-03-01T12:00:10Z")))
}

func f64(v float64) *float64 { return &v }

func TestSummary(t *testing.T) {
	t.Parallel()

	t.Run("keeps up", func(t *testing.T) {
		t.Parallel()
		var r Result
		st := runStats{Rows: 3000, Fires: 3000, FiresRun: 3000, LagP50: f64(0.0123), LagP99: f64(0.4), LagMax: f64(0.9),
			Jobs: 3000, JobRuns: 3000, Results: 3000, ResultRuns: 3000, SkippedBy: map[string]int64{}}
		summary(&r, st, 3000, 30*time.Second, false, time.Second)
		require.False(t, r.Saturated, r.SaturatedBecause)
		require.Zero(t, r.Missed)
		require.Zero(t, r.Lost)
		require.Zero(t, r.Duplicates)
		require.InDelta(t, 100.0, r.FiresPerS, 1e-9)
		require.InDelta(t, 12.3, *r.LagP50Ms, 1e-9)
		require.InDelta(t, 400.0, *r.LagP99Ms, 1e-9)
		require.InDelta(t, 1000.0, *r.LagBoundMs, 1e-9)
		require.Nil(t, r.SkippedByReason)
	})

	t.Run("saturated", func(t *testing.T) {
		t.Parallel()
		var r Result
		st := runStats{Rows: 2950, Fires: 2950, FiresRun: 2900, Skipped: 50, SkippedBy: map[string]int64{"misfire": 50},
			NotStarted: 10, LagP99: f64(2.5), LagMax: f64(4), Jobs: 2901, JobRuns: 2900, Results: 2892, ResultRuns: 2890}
		summary(&r, st, 3000, 30*time.Second, false, time.Second)
		require.True(t, r.Saturated)
		require.Len(t, r.SaturatedBecause, 3)  // lag, missed, not started
		require.Equal(t, int64(100), r.Missed) // SKIPPED do not count as recorded
		require.Equal(t, int64(50), r.Lost)
		require.Equal(t, int64(50), r.Skipped)
		require.Equal(t, int64(1), r.DuplicateJobs)
		require.Equal(t, int64(2), r.DuplicateResults)
		require.Equal(t, map[string]int64{"misfire": 50}, r.SkippedByReason)
		require.InDelta(t, 2890.0/30, r.FiresPerS, 0.05)
	})

	t.Run("downtime counts skipped as recorded", func(t *testing.T) {
		t.Parallel()
		var r Result
		st := runStats{Rows: 700, Fires: 700, FiresRun: 400, Skipped: 300, SkippedBy: map[string]int64{"misfire": 300},
			LagP99: f64(200), Late: 3}
		summary(&r, st, 700, 7*time.Minute, true, 0)
		require.False(t, r.Saturated, r.SaturatedBecause) // no lag bound
		require.Zero(t, r.Missed)
		require.Zero(t, r.Lost)
		require.Nil(t, r.LagBoundMs)
	})

	t.Run("nothing recorded", func(t *testing.T) {
		t.Parallel()
		var r Result
		summary(&r, runStats{}, 10, time.Second, false, time.Second)
		require.True(t, r.Saturated)
		require.Nil(t, r.LagP50Ms)
		require.Equal(t, int64(10), r.Missed)
	})
}
