package db_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbtest"
)

var quiet = slog.New(slog.DiscardHandler)

// The operator queries from the design must run verbatim.
var designQueries = []string{
	`SELECT id, name, job_type, cron, enabled, next_run_at FROM job_schedules WHERE enabled = true;`,
	`SELECT run_id, job_type, status, started_at, finished_at, error FROM job_schedule_runs ORDER BY started_at DESC LIMIT 20;`,
	`SELECT * FROM job_schedule_runs WHERE status = 'FAILED' AND started_at > NOW() - INTERVAL '24 hours';`,
	`DELETE FROM job_schedule_runs WHERE started_at < NOW() - INTERVAL '30 days';`,
	`UPDATE job_schedule_runs SET status = 'FAILED', error = 'Service restart cleanup' WHERE status = 'RUNNING' AND started_at < NOW() - INTERVAL '1 hour';`,
}

func TestMigrateUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.NewEmpty(t)

	st, err := db.Status(ctx, d.Pool)
	require.NoError(t, err)
	require.False(t, st.Current())
	require.Zero(t, st.VigilCurrent)
	require.Zero(t, st.RiverCurrent)

	require.NoError(t, db.MigrateUp(ctx, d.Pool, quiet))
	require.NoError(t, db.MigrateUp(ctx, d.Pool, quiet), "migrate up is idempotent")
	st, err = db.Status(ctx, d.Pool)
	require.NoError(t, err)
	require.True(t, st.Current(), "%+v", st)
	for _, q := range designQueries {
		_, err := d.Pool.Exec(ctx, q)
		require.NoError(t, err, q)
	}

	require.NoError(t, db.MigrateDown(ctx, d.Pool, true, quiet))
	st, err = db.Status(ctx, d.Pool)
	require.NoError(t, err)
	require.Zero(t, st.VigilCurrent)
	require.Zero(t, st.RiverCurrent)
	var exists bool
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT to_regclass('job_schedules') IS NOT NULL OR to_regclass('river_job') IS NOT NULL").Scan(&exists))
	require.False(t, exists, "down --all removes every table")

	require.NoError(t, db.MigrateUp(ctx, d.Pool, quiet))
	st, err = db.Status(ctx, d.Pool)
	require.NoError(t, err)
	require.True(t, st.Current())
}

func TestMigrateDownOneStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	require.NoError(t, db.MigrateDown(ctx, d.Pool, false, quiet))
	st, err := db.Status(ctx, d.Pool)
	require.NoError(t, err)
	require.Less(t, st.VigilCurrent, st.VigilLatest)
	require.Equal(t, st.RiverLatest, st.RiverCurrent, "one step down leaves River alone")
	require.NoError(t, db.MigrateUp(ctx, d.Pool, quiet))
}

func insertUser(t *testing.T, ctx context.Context, d *dbtest.DB) int64 {
	t.Helper()
	var id int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name) VALUES ('u') RETURNING id").Scan(&id))
	return id
}

func TestScheduleTriggers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	uid := insertUser(t, ctx, d)

	conn, err := pgx.Connect(ctx, d.URL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "LISTEN vigil_job_schedules")
	require.NoError(t, err)

	var id int
	err = d.Pool.QueryRow(ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, cron, next_run_at)
		VALUES ($1, 'n', 'report', 'AAPL', '* * * * *', now()) RETURNING id`, uid).Scan(&id)
	require.NoError(t, err)
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := conn.WaitForNotification(waitCtx)
	require.NoError(t, err, "an insert notifies the schedulers")
	require.Equal(t, "INSERT", n.Payload)

	// Editing the cron bumps the revision and clears next_run_at for re-planning.
	_, err = d.Pool.Exec(ctx, "UPDATE job_schedules SET cron = '*/5 * * * *' WHERE id = $1", id)
	require.NoError(t, err)
	n, err = conn.WaitForNotification(waitCtx)
	require.NoError(t, err, "an update notifies the schedulers")
	require.Equal(t, "UPDATE", n.Payload)
	var rev int
	var next *time.Time
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT revision, next_run_at FROM job_schedules WHERE id = $1", id).Scan(&rev, &next))
	require.Equal(t, 2, rev)
	require.Nil(t, next)

	// The scheduler's own writes do not wake the others.
	tx, err := d.Pool.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SET LOCAL vigil.scheduler = 'on'")
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "UPDATE job_schedules SET next_run_at = now() WHERE id = $1", id)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	shortCtx, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	_, err = conn.WaitForNotification(shortCtx)
	require.Error(t, err, "no notification for the scheduler's own update")
}

func TestConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	uid := insertUser(t, ctx, d)

	_, err := d.Pool.Exec(ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, cron) VALUES ($1, 'n', 'lottery', 'x', '* * * * *')`, uid)
	require.ErrorContains(t, err, "job_schedules_job_type_check")

	_, err = d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, status) VALUES ('report', 'DONE')`)
	require.ErrorContains(t, err, "job_schedule_runs_status_check")

	at := time.Now().UTC().Truncate(time.Second)
	_, err = d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for) VALUES ('report', 1, $1)`, at)
	require.NoError(t, err)
	_, err = d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, job_id, scheduled_for) VALUES ('report', 1, $1)`, at)
	require.ErrorIs(t, db.Translate(err), db.ErrConflict, "one run per (schedule, fire time)")
}
