package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

func TestHealthReport(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	_, err := d.Pool.Exec(ctx, `INSERT INTO users (id, name) VALUES (1, 'u');
		INSERT INTO job_schedules (user_id, name, job_type, target, cron) VALUES (1, 'a', 'report', 'x', '* * * * *'), (1, 'b', 'report', 'x', '* * * * *');
		UPDATE job_schedules SET enabled = false WHERE name = 'b';
		INSERT INTO job_schedule_runs (job_type, status, started_at, finished_at) VALUES
			('report', 'PENDING', NULL, NULL), ('report', 'FAILED', now() - interval '1 hour', now()),
			('report', 'FAILED', now() - interval '2 days', now()), ('report', 'COMPLETED', now() - interval '3 seconds', now() - interval '1 second')`)
	require.NoError(t, err)

	s := &Status{Pool: d.Pool, Logger: slog.New(slog.DiscardHandler),
		Components: func() map[string]string { return map[string]string{"scheduler": "running"} }}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/health")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var r Report
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	require.Equal(t, "healthy", r.Status)
	require.Equal(t, "connected", r.Components["database"])
	require.Equal(t, "running", r.Components["scheduler"])
	require.Equal(t, 1, r.Metrics.ActiveJobs)
	require.Equal(t, 1, r.Metrics.PendingRuns)
	require.Equal(t, 1, r.Metrics.FailedJobs24h)
	require.InDelta(t, 2.0, r.Metrics.AvgExecutionTime, 0.01)

	s2 := &Status{Pool: d.Pool, Logger: slog.New(slog.DiscardHandler),
		Components: func() map[string]string { return map[string]string{"scheduler": "stopped"} }}
	require.Equal(t, "degraded", s2.Check(ctx).Status, "a stopped component degrades the status")
}

func TestHeartbeatWritesRows(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	h := &Heartbeat{Pool: d.Pool, System: "scheduler", Component: "test", Interval: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
		Check: func(context.Context) (string, string, map[string]any) {
			return "DEGRADED", "slow", map[string]any{"k": 1}
		}}
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	require.Eventually(t, func() bool {
		var n int
		_ = d.Pool.QueryRow(context.Background(), "SELECT count(*) FROM msg_system_health WHERE system = 'scheduler' AND status = 'DEGRADED' AND error_message = 'slow'").Scan(&n)
		return n >= 2
	}, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done
}

func TestStats(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	_, err := d.Pool.Exec(ctx, `INSERT INTO users (id, name) VALUES (1, 'u');
		INSERT INTO job_schedules (user_id, name, job_type, target, cron) VALUES (1, 'a', 'report', 'x', '* * * * *');
		INSERT INTO job_schedule_runs (job_type, status, started_at, finished_at, error) VALUES
			('report', 'RUNNING', now(), NULL, NULL),
			('report', 'COMPLETED', now() - interval '10 seconds', now() - interval '6 seconds', NULL),
			('report', 'COMPLETED', now() - interval '10 seconds', now() - interval '8 seconds', NULL),
			('report', 'FAILED', now(), now(), 'Data unavailable'), ('report', 'FAILED', now(), now(), 'Data unavailable'),
			('report', 'FAILED', now(), now(), 'Timeout')`)
	require.NoError(t, err)
	s := &Status{Pool: d.Pool, Logger: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var st Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	require.Equal(t, JobCounts{TotalSchedules: 1, EnabledSchedules: 1, ActiveJobs: 1}, st.JobCounts)
	require.Equal(t, 6, st.ExecutionStats.Runs24h)
	require.InDelta(t, 0.4, st.ExecutionStats.SuccessRate, 1e-9)
	require.InDelta(t, 3.0, st.ExecutionStats.AvgDuration, 0.01)
	require.InDelta(t, 4.0, st.ExecutionStats.MaxDuration, 0.01)
	require.Equal(t, 3, st.ErrorStats.FailedRuns24h)
	require.Equal(t, []string{"Data unavailable: 2", "Timeout: 1"}, st.ErrorStats.CommonErrors)
}
