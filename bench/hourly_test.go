package bench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

// TestHourlySpread checks S2's spread hourly schedules against the scheduler's
// own cron parser: every row's next_run_at is its cron's first fire at or
// after the start, and hourlySpreadFires counts exactly the fires the crons
// have in a window.
func TestHourlySpread(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t).Pool
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO users (name, status, is_admin) VALUES ('bench', 'verified', true)`)
	require.NoError(t, err)

	const n = 7300 // two full hours of slots and 100 more
	from := time.Date(2026, 3, 8, 6, 59, 30, 0, time.UTC)
	first, last, err := insertHourlySpread(ctx, pool, n, from)
	require.NoError(t, err)
	require.EqualValues(t, n-1, last-first)

	rows, err := pool.Query(ctx, `SELECT cron, next_run_at FROM job_schedules WHERE id BETWEEN $1 AND $2`, first, last)
	require.NoError(t, err)
	defer rows.Close()
	windows := [][2]time.Time{
		{from, from.Add(10 * time.Minute)},
		{from.Add(time.Hour - time.Minute), from.Add(time.Hour + time.Minute)},
		{from.Add(250 * time.Millisecond), from.Add(61 * time.Second)},
	}
	want := make([]int64, len(windows))
	count := 0
	for rows.Next() {
		var cron string
		var next time.Time
		require.NoError(t, rows.Scan(&cron, &next))
		s, err := cronEvery(cron)
		require.NoError(t, err)
		require.True(t, fireAtOrAfter(s, from).Equal(next), "%s: next_run_at %v, cron says %v", cron, next, fireAtOrAfter(s, from))
		require.Equal(t, time.Hour, period(s, from), cron)
		for i, w := range windows {
			want[i] += firesIn(s, w[0], w[1])
		}
		count++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, n, count)
	for i, w := range windows {
		require.Equal(t, want[i], hourlySpreadFires(n, w[0], w[1]), "window %v–%v", w[0], w[1])
	}

	// The per-minute spread schedules start at their own second too.
	minute := time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)
	first, last, err = insertSchedules(ctx, pool, scheduleSet{N: 120, Cron: "* * * * *", NextRunAt: minute, Spread: true})
	require.NoError(t, err)
	rows, err = pool.Query(ctx, `SELECT cron, next_run_at FROM job_schedules WHERE id BETWEEN $1 AND $2`, first, last)
	require.NoError(t, err)
	seconds := map[int]int{}
	for rows.Next() {
		var cron string
		var next time.Time
		require.NoError(t, rows.Scan(&cron, &next))
		s, err := cronEvery(cron)
		require.NoError(t, err)
		require.True(t, fireAtOrAfter(s, minute).Equal(next), "%s: next_run_at %v, cron says %v", cron, next, fireAtOrAfter(s, minute))
		seconds[next.Second()]++
	}
	require.NoError(t, rows.Err())
	require.Len(t, seconds, 60) // two at every second of the minute, no burst at :00
	require.Equal(t, 2, seconds[0])

	// 900,000 hourly schedules: 250 fire every second, 15,000 every minute.
	require.EqualValues(t, 15000, hourlySpreadFires(900000, from, from.Add(time.Minute)))
	require.EqualValues(t, 900000, hourlySpreadFires(900000, from, from.Add(time.Hour)))
}
