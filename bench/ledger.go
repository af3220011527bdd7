package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db"
)

// S5 is the ledger at a month of load: job_schedule_runs with Days days of
// runs (N a day, scaled down from 86 million at 1,000 fires/s), one day's
// retention by dropping its partition against the old batched DELETE on an
// unpartitioned copy of the same rows, and the design's operator queries
// before and after.
const S5 = "S5"

// Shape of S5's data and measurements.
const (
	ledgerSchedules   = 1000 // distinct job_id values
	ledgerDeleteBatch = 5000 // the old retention's batch (RunRetentionWorker's default)
	ledgerQueryRuns   = 50   // executions of each operator query per measurement
	ledgerNoopJobs    = 10000
	// ledgerUnpartitioned is the copy with the pre-00022 layout: one table,
	// primary key (id), the same secondary indexes.
	ledgerUnpartitioned = "bench_runs_unpartitioned"
)

// LedgerResult is S5's result line.
type LedgerResult struct {
	Scenario  string  `json:"scenario"`
	N         int     `json:"n"` // runs per day
	Days      int     `json:"days"`
	Rows      int64   `json:"rows"`
	DurationS float64 `json:"duration_s"`
	Saturated bool    `json:"saturated"`
	// LoadS is the time to write the runs into the partitioned table, CopyS
	// to copy them into the unpartitioned one (both with their indexes).
	LoadS      float64 `json:"load_s"`
	CopyS      float64 `json:"copy_s"`
	Partitions int     `json:"partitions"`
	// TableMiB are the two tables' sizes with indexes, before retention.
	PartitionedMiB   float64 `json:"partitioned_mib"`
	UnpartitionedMiB float64 `json:"unpartitioned_mib"`
	// Drop is retention by dropping the oldest day's partition
	// (vigil_runs_drop_partitions); Delete the old batched DELETE of the same
	// rows on the unpartitioned copy, and Vacuum the VACUUM its dead rows
	// then need.
	Drop   RetentionCost `json:"drop"`
	Delete RetentionCost `json:"delete"`
	Vacuum RetentionCost `json:"vacuum"`
	// DeleteOverDrop are Delete's time and WAL over Drop's (same run).
	DeleteOverDropTime float64 `json:"delete_over_drop_time"`
	DeleteOverDropWAL  float64 `json:"delete_over_drop_wal"`
	// Queries are p50/p99 (ms) of the operator queries on each table before
	// and after retention.
	Queries []QueryTiming `json:"queries"`
	// RiverNoopPerS is River's no-op throughput on this database in the same
	// run: a yardstick of how loaded the (shared) machine was.
	RiverNoopPerS float64 `json:"river_noop_per_s"`
}

// RetentionCost is one retention method's cost.
type RetentionCost struct {
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
	// WALBytes is the WAL this session wrote (EXPLAIN (ANALYZE, WAL));
	// WALBytesServer the pg_current_wal_lsn() difference, which includes
	// whatever else the server wrote meanwhile.
	WALBytes       int64 `json:"wal_bytes"`
	WALBytesServer int64 `json:"wal_bytes_server"`
	Statements     int   `json:"statements"`
}

// QueryTiming is one operator query's latency on one table.
type QueryTiming struct {
	Query       string  `json:"query"`
	Table       string  `json:"table"`
	BeforeP50Ms float64 `json:"before_p50_ms"`
	BeforeP99Ms float64 `json:"before_p99_ms"`
	AfterP50Ms  float64 `json:"after_p50_ms"`
	AfterP99Ms  float64 `json:"after_p99_ms"`
}

// ledgerQueries are the design's operator queries (section 17.3) and the
// runs of one schedule as the API lists them; %s is the table.
var ledgerQueries = []struct{ name, sql string }{
	{"recent_20", `SELECT run_id, job_type, status, started_at, finished_at, error FROM %s ORDER BY started_at DESC LIMIT 20`},
	{"failed_24h", `SELECT * FROM %s WHERE status = 'FAILED' AND started_at > NOW() - INTERVAL '24 hours'`},
	{"schedule_runs", `SELECT * FROM %s WHERE job_id = $1 ORDER BY id DESC LIMIT 50`},
}

// ledgerScale runs S5 and writes its result line.
func (h *harness) ledgerScale(ctx context.Context) error {
	res, err := h.s5(ctx)
	if err != nil {
		return fmt.Errorf("bench %s: %w", S5, err)
	}
	h.log.Info("bench done", "scenario", S5)
	return writeLine(h.o.Out, res)
}

func (h *harness) s5(ctx context.Context) (LedgerResult, error) {
	start := time.Now()
	o := h.o
	res := LedgerResult{Scenario: S5, N: o.N, Days: o.Days}
	pool := h.db.pool

	// Days full UTC days before today, and today up to now at the same rate.
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -o.Days)
	if _, err := db.EnsureRunPartitions(ctx, pool, first, now.AddDate(0, 0, db.RunPartitionsAhead)); err != nil {
		return res, err
	}
	t0 := time.Now()
	for d := range o.Days + 1 {
		from := first.AddDate(0, 0, d)
		rows := o.N
		if from.Equal(today) {
			rows = int(float64(o.N) * now.Sub(today).Seconds() / 86400)
		}
		if rows == 0 {
			continue
		}
		if err := loadDay(ctx, pool, from, rows, o.N); err != nil {
			return res, err
		}
		h.log.Info("S5 loaded day", "day", from.Format(time.DateOnly), "rows", rows)
	}
	res.LoadS = round(time.Since(t0).Seconds(), 2)
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM job_schedule_runs`).Scan(&res.Rows); err != nil {
		return res, fmt.Errorf("count runs: %w", err)
	}

	t0 = time.Now()
	if err := copyUnpartitioned(ctx, pool); err != nil {
		return res, err
	}
	res.CopyS = round(time.Since(t0).Seconds(), 2)
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE job_schedule_runs`); err != nil {
		return res, fmt.Errorf("vacuum runs: %w", err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE `+ledgerUnpartitioned); err != nil {
		return res, fmt.Errorf("vacuum copy: %w", err)
	}
	var err error
	if res.PartitionedMiB, err = tableMiB(ctx, pool, "job_schedule_runs"); err != nil {
		return res, err
	}
	if res.UnpartitionedMiB, err = tableMiB(ctx, pool, ledgerUnpartitioned); err != nil {
		return res, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*)::int FROM vigil_runs_partitions()`).Scan(&res.Partitions); err != nil {
		return res, fmt.Errorf("count partitions: %w", err)
	}

	tables := []string{"job_schedule_runs", ledgerUnpartitioned}
	before := map[string][2]float64{}
	for _, t := range tables {
		for _, q := range ledgerQueries {
			p50, p99, err := timeQuery(ctx, pool, fmt.Sprintf(q.sql, t), q.name == "schedule_runs")
			if err != nil {
				return res, err
			}
			before[q.name+"/"+t] = [2]float64{p50, p99}
		}
	}

	// One day's retention: the oldest full day.
	cutoff := first.AddDate(0, 0, 1)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	checkpoint(ctx, conn)
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM job_schedule_runs WHERE scheduled_for < $1`, cutoff).Scan(&res.Drop.Rows); err != nil {
		return res, fmt.Errorf("count expired runs: %w", err)
	}
	lsn0, err := walLSN(ctx, conn)
	if err != nil {
		return res, err
	}
	t0 = time.Now()
	wal, err := explainWAL(ctx, conn, `SELECT * FROM vigil_runs_drop_partitions($1)`, cutoff)
	if err != nil {
		return res, fmt.Errorf("drop partition: %w", err)
	}
	res.Drop.Seconds = round(time.Since(t0).Seconds(), 4)
	lsn1, err := walLSN(ctx, conn)
	if err != nil {
		return res, err
	}
	res.Drop.WALBytes, res.Drop.WALBytesServer, res.Drop.Statements = wal, lsn1-lsn0, 1

	checkpoint(ctx, conn)
	lsn0, err = walLSN(ctx, conn)
	if err != nil {
		return res, err
	}
	t0 = time.Now()
	for {
		n, wal, err := explainDelete(ctx, conn, cutoff)
		if err != nil {
			return res, err
		}
		res.Delete.Rows += n
		res.Delete.WALBytes += wal
		res.Delete.Statements++
		if n < ledgerDeleteBatch {
			break
		}
	}
	res.Delete.Seconds = round(time.Since(t0).Seconds(), 4)
	lsn1, err = walLSN(ctx, conn)
	if err != nil {
		return res, err
	}
	res.Delete.WALBytesServer = lsn1 - lsn0
	if res.Delete.Rows != res.Drop.Rows {
		return res, fmt.Errorf("the DELETE removed %d runs, the partition held %d", res.Delete.Rows, res.Drop.Rows)
	}

	// The dead rows left by the DELETE are VACUUM's work (autovacuum's, in
	// production); the dropped partition left none.
	lsn0, err = walLSN(ctx, conn)
	if err != nil {
		return res, err
	}
	t0 = time.Now()
	if _, err := conn.Exec(ctx, `VACUUM `+ledgerUnpartitioned); err != nil {
		return res, fmt.Errorf("vacuum after delete: %w", err)
	}
	res.Vacuum.Seconds = round(time.Since(t0).Seconds(), 4)
	lsn1, err = walLSN(ctx, conn)
	if err != nil {
		return res, err
	}
	res.Vacuum.WALBytesServer, res.Vacuum.Rows, res.Vacuum.Statements = lsn1-lsn0, res.Delete.Rows, 1
	if res.Drop.Seconds > 0 {
		res.DeleteOverDropTime = round(res.Delete.Seconds/res.Drop.Seconds, 1)
	}
	if res.Drop.WALBytes > 0 {
		res.DeleteOverDropWAL = round(float64(res.Delete.WALBytes)/float64(res.Drop.WALBytes), 1)
	}

	for _, t := range tables {
		for _, q := range ledgerQueries {
			p50, p99, err := timeQuery(ctx, pool, fmt.Sprintf(q.sql, t), q.name == "schedule_runs")
			if err != nil {
				return res, err
			}
			b := before[q.name+"/"+t]
			res.Queries = append(res.Queries, QueryTiming{Query: q.name, Table: t, BeforeP50Ms: b[0], BeforeP99Ms: b[1],
				AfterP50Ms: p50, AfterP99Ms: p99})
		}
	}

	noop, err := h.riverNoop(ctx, ledgerNoopJobs)
	if err != nil {
		return res, err
	}
	res.RiverNoopPerS = round(noop, 1)
	res.DurationS = round(time.Since(start).Seconds(), 1)
	return res, nil
}

// loadDay writes rows runs spread over the UTC day from: one fire every
// 86400/perDay seconds, round-robin over ledgerSchedules schedules; 1% FAILED,
// 1% SKIPPED (overlap), the rest COMPLETED a few hundred ms after their fire.
func loadDay(ctx context.Context, pool *pgxpool.Pool, from time.Time, rows, perDay int) error {
	const chunk = 100000
	step := 86400.0 / float64(perDay)
	for lo := 1; lo <= rows; lo += chunk {
		hi := min(lo+chunk-1, rows)
		_, err := pool.Exec(ctx, `
INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for, enqueued_at, started_at,
    finished_at, job_snapshot, result, error, worker_id, river_job_id, attempt, schedule_revision, trigger, skip_reason)
SELECT 'data_processing', g % $4 + 1, g % 50 + 1,
       CASE g % 100 WHEN 0 THEN 'FAILED' WHEN 1 THEN 'SKIPPED' ELSE 'COMPLETED' END,
       f, f,
       CASE WHEN g % 100 = 1 THEN NULL ELSE f + (g % 500) * interval '1 millisecond' END,
       f + (g % 500 + 20) * interval '1 millisecond',
       '{"symbols":["AAPL"]}'::jsonb,
       CASE WHEN g % 100 > 1 THEN '{"rows":1}'::jsonb END,
       CASE WHEN g % 100 = 0 THEN 'fetch AAPL: upstream 503' END,
       'bench-worker', CASE WHEN g % 100 = 1 THEN NULL ELSE g END,
       CASE WHEN g % 100 = 1 THEN 0 ELSE 1 END, 1, 'cron',
       CASE WHEN g % 100 = 1 THEN 'overlap' END
FROM (SELECT g, $1::timestamptz + (g - 1) * $5::float8 * interval '1 second' AS f
      FROM generate_series($2::int, $3::int) AS g) AS s`, from, lo, hi, ledgerSchedules, step)
		if err != nil {
			return fmt.Errorf("load runs of %s: %w", from.Format(time.DateOnly), err)
		}
	}
	return nil
}

// copyUnpartitioned makes the pre-00022 table (primary key id, the same
// secondary indexes) holding the same runs, in id order.
func copyUnpartitioned(ctx context.Context, pool *pgxpool.Pool) error {
	t := ledgerUnpartitioned
	stmts := []string{
		`CREATE TABLE ` + t + ` (LIKE job_schedule_runs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
		`INSERT INTO ` + t + ` SELECT * FROM job_schedule_runs ORDER BY id`,
		`ALTER TABLE ` + t + ` ADD PRIMARY KEY (id)`,
		`ALTER TABLE ` + t + ` ADD UNIQUE (job_id, scheduled_for)`,
		`CREATE INDEX ON ` + t + ` (status, started_at)`,
		`CREATE INDEX ON ` + t + ` (started_at)`,
		`CREATE INDEX ON ` + t + ` (enqueued_at)`,
		`CREATE INDEX ON ` + t + ` (job_id, river_job_id) WHERE status IN ('PENDING', 'RUNNING')`,
		`CREATE INDEX ON ` + t + ` (user_id, id)`,
		`CREATE INDEX ON ` + t + ` (user_id) WHERE trigger = 'adhoc' AND status IN ('PENDING', 'RUNNING')`,
		`CREATE INDEX ON ` + t + ` (finished_at) WHERE status = 'FAILED'`,
	}
	for _, s := range stmts {
		if _, err := pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("unpartitioned copy: %s: %w", s, err)
		}
	}
	return nil
}

// timeQuery runs sql ledgerQueryRuns times (with a random schedule id as $1
// when withSchedule) and returns p50 and p99 in ms.
func timeQuery(ctx context.Context, pool *pgxpool.Pool, sql string, withSchedule bool) (float64, float64, error) {
	var ms []float64
	for range ledgerQueryRuns {
		var args []any
		if withSchedule {
			args = append(args, rand.IntN(ledgerSchedules)+1)
		}
		t0 := time.Now()
		rows, err := pool.Query(ctx, sql, args...)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", sql, err)
		}
		for rows.Next() {
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", sql, err)
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
	}
	slices.Sort(ms)
	return round(quantile(ms, 0.5), 2), round(quantile(ms, 0.99), 2), nil
}

// quantile of sorted values (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func tableMiB(ctx context.Context, pool *pgxpool.Pool, table string) (float64, error) {
	var b int64
	// pg_partition_tree lists a partitioned table's partitions; a plain
	// table is its own size.
	err := pool.QueryRow(ctx, `SELECT COALESCE(NULLIF((SELECT sum(pg_total_relation_size(relid))
		FROM pg_partition_tree($1::regclass)), 0), pg_total_relation_size($1::regclass))::bigint`, table).Scan(&b)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", table, err)
	}
	return round(float64(b)/(1<<20), 1), nil
}

// checkpoint starts each measurement after a checkpoint, so that both pay
// their full-page writes (needs superuser; skipped otherwise).
func checkpoint(ctx context.Context, conn *pgxpool.Conn) {
	_, _ = conn.Exec(ctx, `CHECKPOINT`)
}

func walLSN(ctx context.Context, conn *pgxpool.Conn) (int64, error) {
	var lsn int64
	if err := conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&lsn); err != nil {
		return 0, fmt.Errorf("read wal position: %w", err)
	}
	return lsn, nil
}

// explainWAL runs sql under EXPLAIN (ANALYZE, WAL) and returns the WAL bytes
// it wrote.
func explainWAL(ctx context.Context, conn *pgxpool.Conn, sql string, args ...any) (int64, error) {
	plan, err := explainPlan(ctx, conn, sql, args...)
	if err != nil {
		return 0, err
	}
	return plan.WALBytes, nil
}

type explained struct {
	WALBytes   int64 `json:"WAL Bytes"`
	ActualRows int64 `json:"Actual Rows"`
	Plans      []explained
}

func explainPlan(ctx context.Context, conn *pgxpool.Conn, sql string, args ...any) (explained, error) {
	var raw []byte
	if err := conn.QueryRow(ctx, `EXPLAIN (ANALYZE, WAL, TIMING OFF, FORMAT JSON) `+sql, args...).Scan(&raw); err != nil {
		return explained{}, err
	}
	var out []struct{ Plan explained }
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		return explained{}, fmt.Errorf("read plan of %s: %v", sql, err)
	}
	return out[0].Plan, nil
}

// explainDelete is one batch of the old retention (RunDeleteOlderThan before
// migration 00022) on the unpartitioned copy: the rows it deleted and its WAL.
func explainDelete(ctx context.Context, conn *pgxpool.Conn, before time.Time) (int64, int64, error) {
	var n int64
	var wal int64
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var raw []byte
		err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, WAL, TIMING OFF, FORMAT JSON)
DELETE FROM `+ledgerUnpartitioned+` WHERE id IN (
    SELECT id FROM `+ledgerUnpartitioned+`
    WHERE enqueued_at < $1 AND status NOT IN ('PENDING', 'RUNNING')
    LIMIT $2)`, before, ledgerDeleteBatch).Scan(&raw)
		if err != nil {
			return err
		}
		var out []struct{ Plan explained }
		if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
			return fmt.Errorf("read delete plan: %v", err)
		}
		wal = out[0].Plan.WALBytes
		// The Delete node's child returns the rows it deletes.
		if len(out[0].Plan.Plans) > 0 {
			n = out[0].Plan.Plans[0].ActualRows
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("batched delete: %w", err)
	}
	return n, wal, nil
}
