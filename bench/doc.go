// Package bench runs the benchmark workloads of WORKLOAD.md (`vigil bench`):
// scenarios S1–S4 against a real PostgreSQL server, with the scheduler and
// worker roles in separate OS processes (`vigil bench node`, RunNode).
//
// Run creates its own database vigil_bench_<random> on the given server,
// migrates it, loads the schedules, starts the nodes, measures a window and
// drops the database again, so it never touches real data. Output is JSON
// lines: a machine line first, progress lines, and the result as the last line.
//
// The schedules fire the data_processing job type, worked by a probe worker
// that inserts one row per job into bench_results through a batching writer.
// RunChaos (`vigil chaos`, `make chaos`) runs the reliability suite on the
// same harness: kill9, pg_restart, telegram_outage, failover and soak, one
// JSON line each (ChaosResult).
//
// bench is wired by cmd/ and imports jobs, db, config and schemas; nothing
// imports bench.
package bench
