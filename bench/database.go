package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db"
)

// benchParams are the task_params of every bench schedule (they pass the
// data_processing schema).
const benchParams = `{"data_source":"synthetic","symbols":["AAPL"],"operations":["fetch"]}`

// withDatabase returns dbURL (a URL or a key=value DSN) naming database name.
func withDatabase(dbURL, name string) (string, error) {
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		u, err := url.Parse(dbURL)
		if err != nil {
			return "", fmt.Errorf("parse database url: %w", err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	if _, err := pgx.ParseConfig(dbURL); err != nil {
		return "", fmt.Errorf("parse database dsn: %w", err)
	}
	// In a key=value DSN a later key wins.
	return strings.TrimSpace(dbURL) + " dbname=" + name, nil
}

// adminConn connects to the server of serverURL: its own database, or the
// postgres maintenance database when that does not exist.
func adminConn(ctx context.Context, serverURL string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err == nil {
		return conn, nil
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" {
		return nil, db.Explain(err)
	}
	maint, err2 := withDatabase(serverURL, "postgres")
	if err2 != nil {
		return nil, err2
	}
	conn, err = pgx.Connect(ctx, maint)
	if err != nil {
		return nil, db.Explain(err)
	}
	return conn, nil
}

// benchDB is the bench's own database.
type benchDB struct {
	name, url, serverURL string
	pool                 *pgxpool.Pool
	pgVersion            string
}

// createDB creates and migrates vigil_bench_<random> and the bench tables.
func createDB(ctx context.Context, serverURL string, log *slog.Logger) (*benchDB, error) {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	d := &benchDB{name: "vigil_bench_" + hex.EncodeToString(b), serverURL: serverURL}
	admin, err := adminConn(ctx, serverURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&d.pgVersion); err != nil {
		return nil, fmt.Errorf("read server version: %w", err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{d.name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create bench database %s: %w", d.name, err)
	}
	if d.url, err = withDatabase(serverURL, d.name); err != nil {
		return d, err
	}
	if d.pool, err = db.Open(ctx, d.url, 4); err != nil {
		return d, err
	}
	if err := db.MigrateUp(ctx, d.pool, log); err != nil {
		return d, fmt.Errorf("migrate bench database: %w", err)
	}
	if _, err := d.pool.Exec(ctx, benchTablesSQL); err != nil {
		return d, fmt.Errorf("create bench tables: %w", err)
	}
	return d, nil
}

// drop drops the database, whoever is still connected.
func (d *benchDB) drop(ctx context.Context) error {
	if d.pool != nil {
		d.pool.Close()
	}
	admin, err := adminConn(ctx, d.serverURL)
	if err != nil {
		return err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop bench database %s: %w", d.name, err)
	}
	return nil
}

// The bench's own tables: the probe's results (WORKLOAD's "results table")
// and the nodes that started (their readiness).
const benchTablesSQL = `
CREATE TABLE bench_results (
    run_id        bigint NOT NULL,
    schedule_id   bigint NOT NULL,
    scheduled_for timestamptz NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE bench_nodes (
    id       bigserial PRIMARY KEY,
    role     text NOT NULL,
    pid      integer NOT NULL,
    ready_at timestamptz NOT NULL DEFAULT now()
);
-- An operator account: its thousands of rows are not bound by the per-user
-- quota or the per-second rule the scheduler applies to other owners.
INSERT INTO users (name, status, is_admin) VALUES ('bench', 'verified', true);`

// scheduleSet describes schedules to create with one INSERT ... SELECT.
type scheduleSet struct {
	N         int
	Cron      string
	NextRunAt time.Time
	Grace     *int32 // misfire_grace_time; nil = the config default
	// Spread gives per-minute schedules a second of the minute each
	// ("<g mod 60> * * * * *"): still one fire a minute per schedule, but
	// spread over the minute instead of all at second 0. NextRunAt must then
	// be a minute boundary: each row's first fire is NextRunAt + its second
	// (not all at NextRunAt, which made the window's first minute one burst).
	Spread bool
}

const insertSchedulesSQL = `
INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, timezone, next_run_at, misfire_grace_time)
SELECT (SELECT min(id) FROM users), 'bench-' || g, 'data_processing', 'AAPL', $1::jsonb,
       CASE WHEN $6::boolean THEN ((g % 60)::text || ' * * * * *') ELSE $2 END, 'UTC',
       $3::timestamptz + CASE WHEN $6::boolean THEN (g % 60) * interval '1 second' ELSE interval '0' END, $4
FROM generate_series(1, $5::int) AS g
RETURNING id`

// insertHourlySQL creates $1 hourly schedules, the g-th at second g mod 60
// of minute (g / 60) mod 60 of every hour, each with its own next_run_at: its
// first fire at or after $3.
const insertHourlySQL = `
INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, timezone, next_run_at)
SELECT (SELECT min(id) FROM users), 'bench-hourly-' || g, 'data_processing', 'AAPL', $2::jsonb,
       (g % 60)::text || ' ' || ((g / 60) % 60)::text || ' * * * *', 'UTC',
       f + CASE WHEN f < $3 THEN interval '1 hour' ELSE interval '0' END
FROM generate_series(1, $1::int) AS g,
     LATERAL (SELECT date_trunc('hour', $3::timestamptz) + ((g / 60) % 60) * interval '1 minute' + (g % 60) * interval '1 second' AS f) AS t
ORDER BY g
RETURNING id`

// insertHourlySpread creates n hourly schedules spread over the 3,600
// seconds of the hour (insertHourlySQL) and returns their first and last ids.
func insertHourlySpread(ctx context.Context, pool *pgxpool.Pool, n int, from time.Time) (first, last int64, err error) {
	err = pool.QueryRow(ctx, `WITH ins AS (`+insertHourlySQL+`) SELECT min(id), max(id) FROM ins`,
		n, benchParams, from).Scan(&first, &last)
	if err != nil {
		return 0, 0, fmt.Errorf("create %d hourly schedules: %w", n, err)
	}
	return first, last, nil
}

// hourlySpreadFires counts the fires in [from, to) of n schedules created by
// insertHourlySQL: the second of the hour at s fires the schedules g ≤ n
// with g mod 3600 = s.
func hourlySpreadFires(n int, from, to time.Time) int64 {
	perSlot := func(slot int) int64 { // g in [1, n] with g % 3600 == slot
		c := int64(n / 3600)
		if r := n % 3600; slot != 0 && slot <= r {
			c++
		}
		return c
	}
	var total int64
	for t := from.Truncate(time.Second); t.Before(to); t = t.Add(time.Second) {
		if t.Before(from) {
			continue
		}
		total += perSlot(t.Minute()*60 + t.Second())
	}
	return total
}

// insertSchedules creates the set and returns its first and last ids.
func insertSchedules(ctx context.Context, pool *pgxpool.Pool, s scheduleSet) (first, last int64, err error) {
	err = pool.QueryRow(ctx, `WITH ins AS (`+insertSchedulesSQL+`) SELECT min(id), max(id) FROM ins`,
		benchParams, s.Cron, s.NextRunAt, s.Grace, s.N, s.Spread).Scan(&first, &last)
	if err != nil {
		return 0, 0, fmt.Errorf("create %d schedules: %w", s.N, err)
	}
	return first, last, nil
}

// analyze refreshes the planner's statistics after a bulk load
// (PERFORMANCE-NOTES #5).
func analyze(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// lastNodeID is the id of the newest bench_nodes row (0 when none).
func lastNodeID(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var id int64
	if err := pool.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM bench_nodes`).Scan(&id); err != nil {
		return 0, fmt.Errorf("read bench nodes: %w", err)
	}
	return id, nil
}

// waitReady waits until count nodes registered after row afterID, failing
// early when one of nodes exits, and returns when they were ready (this
// process's clock).
func waitReady(ctx context.Context, pool *pgxpool.Pool, afterID int64, count int, timeout time.Duration, nodes []Node) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM bench_nodes WHERE id > $1`, afterID).Scan(&n); err != nil {
			return time.Time{}, fmt.Errorf("wait for %d nodes: %w", count, err)
		}
		if n >= count {
			return time.Now(), nil
		}
		for _, nd := range nodes {
			select {
			case <-nd.Done():
				return time.Time{}, fmt.Errorf("a bench node (pid %d) exited before it was ready", nd.PID())
			default:
			}
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("wait for %d nodes, %d ready: %w", count, n, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
