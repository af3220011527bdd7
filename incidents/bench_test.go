package incidents_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/incidents"
	"github.com/vigilhq/vigil/jobs"
)

// BenchmarkCheck is one round of every check on a busy database: 10,000
// failed runs in the window (20 error classes over 5 job types, every one an
// open incident after the first round), 100,000 completed runs, 1,000
// running runs, 200 components beating, 5,000 failed deliveries.
func BenchmarkCheck(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	cfg := config.Default()
	cfg.IncidentQueueBacklogAge = config.Duration(1000 * time.Hour)
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: cfg})
	require.NoError(b, err)
	now := time.Now()
	for _, sql := range []string{
		`INSERT INTO users (name, is_admin, status) SELECT 'admin' || g, true, 'verified' FROM generate_series(1, 3) g`,
		`INSERT INTO job_schedule_runs (job_type, status, scheduled_for, started_at, finished_at, error)
		 SELECT (ARRAY['alert','report','screener','backup','data_processing'])[1 + g % 5], 'FAILED', $1::timestamptz - g * interval '50 ms',
		        $1::timestamptz - g * interval '50 ms', $1::timestamptz - g * interval '50 ms',
		        'error kind ' || chr(97 + (g / 5) % 4) || ' after ' || g || 'ms on "x' || g || '"'
		 FROM generate_series(1, 10000) g`,
		`INSERT INTO job_schedule_runs (job_type, status, scheduled_for, started_at, finished_at)
		 SELECT 'alert', 'COMPLETED', $1::timestamptz - g * interval '1 s', $1::timestamptz - g * interval '1 s', $1::timestamptz - g * interval '1 s'
		 FROM generate_series(1, 100000) g`,
		`INSERT INTO job_schedule_runs (job_type, status, scheduled_for, started_at)
		 SELECT 'alert', 'RUNNING', $1::timestamptz - interval '1 s', $1::timestamptz - (g % 400) * interval '1 s' FROM generate_series(1, 1000) g`,
		`INSERT INTO msg_system_health (system, component, status, checked_at)
		 SELECT 'worker', 'host-' || (g % 200), 'HEALTHY', $1::timestamptz - (g / 200) * interval '30 s' FROM generate_series(1, 20000) g`,
		`INSERT INTO notifications (channel, status, message, updated_at)
		 SELECT 'telegram', 'failed', 'x', $1::timestamptz - g * interval '100 ms' FROM generate_series(1, 5000) g`,
		`ANALYZE`,
	} {
		args := []any{now}
		if sql == "ANALYZE" || sql[:12] == "INSERT INTO " && sql[12:17] == "users" {
			args = nil
		}
		_, err := d.Pool.Exec(ctx, sql, args...)
		require.NoError(b, err)
	}
	mon := incidents.New(incidents.Options{Pool: d.Pool, Client: client.Client, Config: cfg, Logger: testLogger()})
	res, err := mon.Check(ctx, now)
	require.NoError(b, err)
	b.Logf("first round opened %d incidents", len(res.Opened))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		res, err := mon.Check(ctx, now.Add(time.Duration(i)*time.Millisecond))
		if err != nil || len(res.Failed) > 0 || len(res.Opened) > 0 {
			b.Fatalf("check: %v %v opened %d", err, res.Failed, len(res.Opened))
		}
	}
}
