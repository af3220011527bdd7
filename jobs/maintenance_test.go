package jobs

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Retention drops whole day partitions that ended before now − run_retention
// (with their runs' artifacts), keeps every later day and an expired day
// that still holds an unfinished run, and creates the days ahead.
func TestRetentionDropsOldPartitions(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	now := time.Now().UTC()
	retention := 30 * 24 * time.Hour
	// Runs on each of the last 40 days (noon), one PENDING 35 days ago.
	_, err := db.EnsureRunPartitions(b.ctx, b.pool, now.AddDate(0, 0, -40), now)
	require.NoError(t, err)
	day := func(ago int) time.Time { return now.Truncate(24*time.Hour).AddDate(0, 0, -ago).Add(12 * time.Hour) }
	ids := map[int]int64{}
	for ago := 0; ago <= 40; ago++ {
		status := StatusCompleted
		if ago == 35 {
			status = StatusPending
		}
		var id int64
		require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for)
			VALUES ('report', 1, $1, $2, $3) RETURNING id`, b.userID, status, day(ago)).Scan(&id))
		ids[ago] = id
	}
	q := dbsqlc.New()
	for _, ago := range []int{2, 38} {
		require.NoError(t, q.ArtifactInsert(b.ctx, b.pool, dbsqlc.ArtifactInsertParams{RunID: ids[ago], Name: "c.png",
			ContentType: "image/png", SizeBytes: 1, Sha256: "x", Data: []byte{0}}))
	}

	w := &RunRetentionWorker{Pool: b.pool, Config: b.cfg, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now }}
	w.Config.RunRetention = config.Duration(retention)
	require.NoError(t, w.Work(b.ctx, nil))

	res, err := ApplyRunRetention(b.ctx, b.pool, slog.New(slog.DiscardHandler), now, retention)
	require.NoError(t, err)
	require.Empty(t, res.PartitionsDropped, "a second pass finds nothing more to drop")
	require.Equal(t, []string{"job_schedule_runs_p" + day(35).Format("20060102")}, res.PartitionsKept,
		"the day with an unfinished run is kept")

	before := now.Add(-retention)
	for ago, id := range ids {
		_, err := q.RunGetByID(b.ctx, b.pool, id)
		partitionEnd := day(ago).Truncate(24*time.Hour).AddDate(0, 0, 1)
		if partitionEnd.After(before) || ago == 35 {
			require.NoError(t, err, "run of %d days ago kept", ago)
		} else {
			require.ErrorIs(t, db.Translate(err), db.ErrNotFound, "run of %d days ago dropped", ago)
		}
	}
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM job_schedule_runs WHERE scheduled_for < now() - interval '31 days'`),
		"only the unfinished run is older than the retention plus a day")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM report_artifacts`), "the dropped run's artifact went with it")
	arts, err := q.ArtifactList(b.ctx, b.pool, ids[2])
	require.NoError(t, err)
	require.Len(t, arts, 1)

	parts, err := q.RunPartitionsList(b.ctx, b.pool)
	require.NoError(t, err)
	last := parts[len(parts)-1]
	require.Equal(t, now.Truncate(24*time.Hour).AddDate(0, 0, db.RunPartitionsAhead+1), last.ToAt.UTC(), "partitions a week ahead")
	first := parts[0]
	require.Equal(t, day(35).Truncate(24*time.Hour), first.FromAt.UTC(), "older days are gone, their tables dropped")
	require.Equal(t, day(30).Truncate(24*time.Hour), parts[1].FromAt.UTC(), "then the first day inside the retention")
}
