package health

import (
	"context"
	"testing"
	"time"

	"github.com/vigilhq/vigil/db/dbtest"
)

// benchDB is a database with 100 schedules and 20,000 runs of the last two
// days.
func benchDB(b *testing.B) *dbtest.DB {
	b.Helper()
	d := dbtest.New(b)
	_, err := d.Pool.Exec(context.Background(), `INSERT INTO users (id, name) VALUES (1, 'u');
		INSERT INTO job_schedules (user_id, name, job_type, target, cron)
			SELECT 1, 's' || i, 'report', 'x', '* * * * *' FROM generate_series(1, 100) i;
		INSERT INTO job_schedule_runs (job_type, status, enqueued_at, started_at, finished_at, error)
			SELECT 'report', CASE WHEN i % 50 = 0 THEN 'FAILED' WHEN i % 97 = 0 THEN 'PENDING' ELSE 'COMPLETED' END,
				now() - (i || ' seconds')::interval * 8, now() - (i || ' seconds')::interval * 8,
				now() - (i || ' seconds')::interval * 8 + interval '2 seconds',
				CASE WHEN i % 50 = 0 THEN 'Timeout' END
			FROM generate_series(1, 20000) i;
		ANALYZE`)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkStatusCheck is one GET /health without the metrics cache: every
// check plus the 24 h figures over 20,000 runs.
func BenchmarkStatusCheck(b *testing.B) {
	d := benchDB(b)
	s := &Status{Pool: d.Pool, CacheFor: time.Nanosecond}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if r := s.Check(ctx); r.Status != ReportHealthy {
			b.Fatal(r.Components)
		}
	}
}

// BenchmarkHeartbeatBeat is one heartbeat row: the database and job store
// checks and the insert.
func BenchmarkHeartbeatBeat(b *testing.B) {
	d := dbtest.New(b)
	h := &Heartbeat{Pool: d.Pool, System: "worker", Component: "bench", Interval: time.Second,
		Probes: map[string]Probe{"database": DatabaseProbe(d.Pool), "job_store": JobStoreProbe(d.Pool)}}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.Beat(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
