package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

// The scheduler role runs the incident monitor: a failed run opens an
// incident, the admin's message is queued, and /metrics shows it open.
func TestSchedulerRunsIncidentMonitor(t *testing.T) {
	d := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := freePort(t)
	t.Setenv("DATABASE_URL", d.URL)
	t.Setenv("SCHEDULER_STARTUP_DELAY", "0")
	t.Setenv("SCHEDULER_SHUTDOWN_TIMEOUT", "2s")
	t.Setenv("VIGIL_INCIDENT_CHECK_INTERVAL", "100ms")
	var admin int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, is_admin, status) VALUES ('ops', true, 'verified') RETURNING id").Scan(&admin))
	_, err := d.Pool.Exec(ctx, `INSERT INTO job_schedule_runs (job_type, status, scheduled_for, started_at, finished_at, error)
		VALUES ('report', 'FAILED', now(), now(), now(), 'render: out of memory after 512 MB')`)
	require.NoError(t, err)

	var errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"scheduler", "--status-addr", addr}, &bytes.Buffer{}, &errOut) }()
	require.Eventually(t, func() bool {
		var n int
		_ = d.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notification' AND (args->>'user_id')::bigint = $1
			AND args->>'notification_type' = 'system' AND args->>'message' LIKE '%opened (job_failed): report: render: out of memory after #%'`, admin).Scan(&n)
		return n == 1
	}, 30*time.Second, 50*time.Millisecond, "the admin's open message is queued")
	var incidents int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM incidents WHERE kind = 'job_failed' AND resolved_at IS NULL").Scan(&incidents))
	require.Equal(t, 1, incidents)

	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `vigil_incidents_open{kind="job_failed"} 1`)
	require.Contains(t, string(body), `vigil_job_max_runtime_seconds{job_type="report"} 300`)

	cancel()
	require.Equal(t, 0, <-done, errOut.String())
	require.True(t, strings.Contains(errOut.String(), "incident monitor started"), errOut.String())
}
