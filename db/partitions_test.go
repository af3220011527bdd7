package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
)

func partitionNames(t *testing.T, ctx context.Context, d *dbtest.DB) map[string]bool {
	t.Helper()
	parts, err := dbsqlc.New().RunPartitionsList(ctx, d.Pool)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, p := range parts {
		require.Equal(t, 24*time.Hour, p.ToAt.Sub(p.FromAt), p.PartitionName)
		require.Equal(t, fmt.Sprintf("job_schedule_runs_p%s", p.FromAt.UTC().Format("20060102")), p.PartitionName)
		out[p.PartitionName] = true
	}
	return out
}

func partName(t time.Time) string { return "job_schedule_runs_p" + t.UTC().Format("20060102") }

// Migration 00022 on a database with runs: every run is kept with its id and
// columns, a run without a fire time gets its enqueue time, artifacts keep
// their run, the ids are bigint past int4, and each day with runs has its
// partition.
func TestMigratePartitionsKeepsRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	require.NoError(t, db.MigrateDown(ctx, d.Pool, false, quiet))
	var version int64
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&version))
	require.Less(t, version, int64(22))
	var kind string
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT relkind::text FROM pg_class WHERE relname = 'job_schedule_runs'").Scan(&kind))
	require.Equal(t, "r", kind, "one step down is the unpartitioned table")

	uid := insertUser(t, ctx, d)
	var sid int64
	require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, cron)
		VALUES ($1, 's', 'report', 'x', '0 * * * *') RETURNING id`, uid).Scan(&sid))
	now := time.Now().UTC().Truncate(time.Second)
	fires := []time.Time{now, now.Add(-3 * 24 * time.Hour), now.Add(-10 * 24 * time.Hour)}
	type run struct {
		id     int64
		status string
		at     time.Time
	}
	var runs []run
	for i, at := range fires {
		var id int64
		status := []string{"COMPLETED", "FAILED", "PENDING"}[i]
		require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for, error)
			VALUES ('report', $1, $2, $3, $4, 'e') RETURNING id`, sid, uid, status, at).Scan(&id))
		runs = append(runs, run{id, status, at})
	}
	enq := now.Add(-5 * 24 * time.Hour)
	var adhoc int64
	require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO job_schedule_runs (job_type, user_id, status, enqueued_at, trigger)
		VALUES ('report', $1, 'COMPLETED', $2, 'adhoc') RETURNING id`, uid, enq).Scan(&adhoc))
	_, err := d.Pool.Exec(ctx, `INSERT INTO report_artifacts (run_id, name, content_type, size_bytes, sha256, data)
		VALUES ($1, 'c.png', 'image/png', 1, 'x', '\x00')`, runs[1].id)
	require.NoError(t, err)

	require.NoError(t, db.MigrateUp(ctx, d.Pool, quiet))
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT relkind::text FROM pg_class WHERE relname = 'job_schedule_runs'").Scan(&kind))
	require.Equal(t, "p", kind, "partitioned")

	q := dbsqlc.New()
	for _, r := range runs {
		got, err := q.RunGetByID(ctx, d.Pool, r.id)
		require.NoError(t, err, "run %d kept", r.id)
		require.Equal(t, r.status, got.Status)
		require.True(t, r.at.Equal(got.ScheduledFor), "scheduled_for kept")
		require.Equal(t, sid, *got.JobID)
		require.Equal(t, "e", *got.Error)
	}
	got, err := q.RunGetByID(ctx, d.Pool, adhoc)
	require.NoError(t, err)
	require.True(t, enq.Equal(got.ScheduledFor), "a run without a fire time gets its enqueued_at: %s", got.ScheduledFor)
	arts, err := q.ArtifactList(ctx, d.Pool, runs[1].id)
	require.NoError(t, err)
	require.Len(t, arts, 1, "the artifact keeps its run")

	names := partitionNames(t, ctx, d)
	for _, at := range append(fires, enq) {
		require.True(t, names[partName(at)], "partition of %s", at)
	}
	for i := -1; i <= db.RunPartitionsAhead; i++ {
		require.True(t, names[partName(now.AddDate(0, 0, i))], "partition %d days ahead", i)
	}

	// The next id continues the sequence, and ids go past int4.
	var next int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO job_schedule_runs (job_type) VALUES ('report') RETURNING id").Scan(&next))
	require.Greater(t, next, adhoc)
	_, err = d.Pool.Exec(ctx, "SELECT setval(pg_get_serial_sequence('job_schedule_runs', 'id'), $1)", int64(math.MaxInt32))
	require.NoError(t, err)
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO job_schedule_runs (job_type) VALUES ('report') RETURNING id").Scan(&next))
	require.Equal(t, int64(math.MaxInt32)+1, next, "run ids do not wrap at int4")
	reserved, err := q.RunReserveIDs(ctx, d.Pool, 2)
	require.NoError(t, err)
	require.Equal(t, []int64{int64(math.MaxInt32) + 2, int64(math.MaxInt32) + 3}, reserved)
	got, err = q.RunGetByID(ctx, d.Pool, next)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), got.ScheduledFor, time.Minute, "a run written without scheduled_for gets now()")

	for _, qs := range designQueries {
		_, err := d.Pool.Exec(ctx, qs)
		require.NoError(t, err, qs)
	}
}

func TestRunPartitionsAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Now()
	names := partitionNames(t, ctx, d)
	for i := -1; i <= db.RunPartitionsAhead; i++ {
		require.True(t, names[partName(now.AddDate(0, 0, i))], "partition %d days ahead", i)
	}
	n, err := db.EnsureRunPartitionsAhead(ctx, d.Pool, now)
	require.NoError(t, err)
	require.Zero(t, n, "idempotent")

	// Ten days on, the window (day 9 to day 17) has no partition yet.
	n, err = db.EnsureRunPartitionsAhead(ctx, d.Pool, now.AddDate(0, 0, 10))
	require.NoError(t, err)
	require.Equal(t, 2+db.RunPartitionsAhead, n)
	names = partitionNames(t, ctx, d)
	require.True(t, names[partName(now.AddDate(0, 0, 10+db.RunPartitionsAhead))])

	_, err = db.EnsureRunPartitions(ctx, d.Pool, now, now.AddDate(-11, 0, 0))
	require.ErrorContains(t, err, "before from_day")
	_, err = db.EnsureRunPartitions(ctx, d.Pool, now.AddDate(-11, 0, 0), now)
	require.ErrorContains(t, err, "at most 3660")
}

// A run for a day with no partition fails with a clear error, whatever
// inserts it; once the day's partition exists it is accepted.
func TestRunOutsidePartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	for _, at := range []time.Time{time.Now().AddDate(0, 0, 60), time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)} {
		_, err := d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for) VALUES ('report', 1, $1)`, at)
		require.Error(t, err)
		require.True(t, db.IsNoRunPartition(err), "%v", err)
		require.ErrorIs(t, db.Translate(err), db.ErrNoRunPartition)
		require.ErrorContains(t, err, `no partition of relation "job_schedule_runs" found for row`)

		n, err := db.EnsureRunPartitions(ctx, d.Pool, at, at)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for) VALUES ('report', 1, $1)`, at)
		require.NoError(t, err)
	}
}

// The exactly-once key (job_id, scheduled_for) holds the partition key: a
// fire is unique in its day's partition, and the same schedule fires once
// per time on every day.
func TestFireKeyAcrossPartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Now().UTC().Truncate(time.Second)
	for i := range 3 {
		at := now.AddDate(0, 0, i)
		_, err := d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for) VALUES ('report', 7, $1)`, at)
		require.NoError(t, err, "day %d", i)
		_, err = d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for) VALUES ('report', 7, $1)`, at)
		require.ErrorIs(t, db.Translate(err), db.ErrConflict, "day %d: one run per (schedule, fire time)", i)
		tag, err := d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for) VALUES ('report', 7, $1)
			ON CONFLICT (job_id, scheduled_for) DO NOTHING`, at)
		require.NoError(t, err)
		require.Zero(t, tag.RowsAffected())
	}
	var n int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(DISTINCT tableoid) FROM job_schedule_runs WHERE job_id = 7").Scan(&n))
	require.Equal(t, 3, n, "one partition per day")
}

// An update naming runs by (id, scheduled_for), the ledger's shape, is pruned
// at run time to the partitions of those runs: the others are never executed.
func TestRunUpdatePrunedToPartition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Now().UTC().Truncate(time.Second)
	_, err := db.EnsureRunPartitions(ctx, d.Pool, now.AddDate(0, 0, -5), now)
	require.NoError(t, err)
	var ids []int64
	var fors []time.Time
	for i := range 6 {
		at := now.AddDate(0, 0, -i)
		var id int64
		require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for)
			VALUES ('report', 1, $1) RETURNING id`, at).Scan(&id))
		if i == 2 {
			ids, fors = append(ids, id), append(fors, at)
		}
	}
	tx, err := d.Pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	var raw []byte
	require.NoError(t, tx.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON)
		UPDATE job_schedule_runs r SET status = 'COMPLETED'
		FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::timestamptz[]) AS scheduled_for) AS u
		WHERE r.id = u.id AND r.scheduled_for = u.scheduled_for`, ids, fors).Scan(&raw))
	var plan []struct{ Plan planNode }
	require.NoError(t, json.Unmarshal(raw, &plan))
	scanned := map[string]bool{}
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.Relation != "" && n.Relation != "job_schedule_runs" && n.Loops > 0 { // the parent is the update target
			scanned[n.Relation] = true
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plan[0].Plan)
	require.Equal(t, map[string]bool{partName(fors[0]): true}, scanned, "%s", raw)
}

type planNode struct {
	Relation string     `json:"Relation Name"`
	Loops    int        `json:"Actual Loops"`
	Plans    []planNode `json:"Plans"`
}
