package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

// get fetches path from h and decodes the JSON body into out.
func get(t *testing.T, h http.Handler, path string, out any) int {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	return resp.StatusCode
}

func fixed(status, msg string) Component {
	return Component{Probe: func(context.Context) Check { return Fail(status, msg, map[string]any{"k": 1}) }}
}

func TestHealthReport(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	_, err := d.Pool.Exec(ctx, `INSERT INTO users (id, name) VALUES (1, 'u');
		INSERT INTO job_schedules (user_id, name, job_type, target, cron) VALUES (1, 'a', 'report', 'x', '* * * * *'), (1, 'b', 'report', 'x', '* * * * *');
		UPDATE job_schedules SET enabled = false WHERE name = 'b';
		INSERT INTO job_schedule_runs (job_type, status, started_at, finished_at) VALUES
			('report', 'PENDING', NULL, NULL), ('report', 'FAILED', now() - interval '1 hour', now()),
			('report', 'COMPLETED', now() - interval '3 seconds', now() - interval '1 second')`)
	require.NoError(t, err)

	s := &Status{Pool: d.Pool, Logger: slog.New(slog.DiscardHandler), Disabled: []string{"alert_evaluator", "scheduler"},
		Components: map[string]Component{"scheduler": {Probe: func(context.Context) Check { return OK(nil) }, Critical: true}}}
	var r Report
	require.Equal(t, http.StatusOK, get(t, s.Handler(), "/health", &r))
	require.Equal(t, ReportHealthy, r.Status)
	require.Equal(t, map[string]string{"database": "connected", "job_store": "operational", "scheduler": "running",
		"alert_evaluator": "disabled"}, r.Components, "a component run is checked even when also listed disabled")
	require.Equal(t, Healthy, r.Checks["database"].Status)
	require.NotNil(t, r.Checks["database"].ResponseTimeMs)
	require.Nil(t, r.Checks["database"].ErrorMessage)
	for _, k := range []string{"acquired_conns", "idle_conns", "total_conns", "max_conns"} {
		require.Contains(t, r.Checks["database"].Metadata, k)
	}
	require.EqualValues(t, 10, r.Checks["database"].Metadata["max_conns"])
	require.NotContains(t, r.Checks, "alert_evaluator", "a disabled component has no check")
	require.Equal(t, Metrics{ActiveJobs: 1, PendingRuns: 1, FailedJobs24h: 1, AvgExecutionTime: 2}, roundMetrics(r.Metrics))

	// The design's shape, key by key.
	var raw map[string]any
	get(t, s.Handler(), "/health", &raw)
	db := raw["checks"].(map[string]any)["database"].(map[string]any)
	require.ElementsMatch(t, []string{"status", "response_time_ms", "error_message", "metadata"}, keys(db))

	degraded := &Status{Pool: d.Pool, Components: map[string]Component{"webhook": fixed(Degraded, "last webhook delivery failed: 502"),
		"telegram": fixed(Down, "getMe: 401"), "market_data": fixed(Unknown, "no fetch yet")}}
	r = degraded.Check(ctx)
	require.Equal(t, ReportDegraded, r.Status, "a failing dependency that is not critical degrades, even DOWN")
	require.Equal(t, "degraded: last webhook delivery failed: 502", r.Components["webhook"])
	require.Equal(t, "down: getMe: 401", r.Components["telegram"])
	require.Equal(t, "unknown", r.Components["market_data"])

	unknownOnly := &Status{Pool: d.Pool, Components: map[string]Component{"webhook": fixed(Unknown, "no delivery yet")}}
	require.Equal(t, ReportHealthy, unknownOnly.Check(ctx).Status, "UNKNOWN does not degrade")

	critical := &Status{Pool: d.Pool, Components: map[string]Component{"river_client": {Critical: true,
		Probe: func(context.Context) Check { return Fail(Down, "the River client has stopped", nil) }}}}
	var cr Report
	require.Equal(t, http.StatusServiceUnavailable, get(t, critical.Handler(), "/health", &cr), "a critical part DOWN is a 503")
	require.Equal(t, ReportUnhealthy, cr.Status)
	require.Equal(t, "down: the River client has stopped", cr.Components["river_client"])
}

func roundMetrics(m Metrics) Metrics {
	m.AvgExecutionTime = float64(int(m.AvgExecutionTime*100+0.5)) / 100
	return m
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// /health answers 503, database "down: …" and no metrics when the database
// is gone: dropped under an open pool, a closed pool, or a server address
// where nothing listens.
func TestHealthWithoutDatabase(t *testing.T) {
	t.Parallel()
	dropped := dbtest.New(t)
	require.NoError(t, dbtest.Drop(context.Background(), dropped.Name))

	closed := dbtest.New(t)
	closed.Pool.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	nowhere, err := pgxpool.New(context.Background(), "postgres://root@"+addr+"/test?connect_timeout=2")
	require.NoError(t, err)
	t.Cleanup(nowhere.Close)

	for name, pool := range map[string]*pgxpool.Pool{"dropped": dropped.Pool, "closed": closed.Pool, "nothing listening": nowhere} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &Status{Pool: pool, Logger: slog.New(slog.DiscardHandler),
				Components: map[string]Component{"scheduler": {Probe: func(context.Context) Check { return OK(nil) }}}}
			var r Report
			require.Equal(t, http.StatusServiceUnavailable, get(t, s.Handler(), "/health", &r))
			require.Equal(t, ReportUnhealthy, r.Status)
			require.Equal(t, Down, r.Checks["database"].Status)
			require.Regexp(t, "^down: ping: ", r.Components["database"])
			require.Equal(t, Metrics{}, r.Metrics)
			require.Equal(t, "running", r.Components["scheduler"], "the other checks still ran")

			var st map[string]string
			require.Equal(t, http.StatusServiceUnavailable, get(t, s.Handler(), "/stats", &st))
			require.NotEmpty(t, st["error"])
		})
	}
}

// /health and /stats report the same figures: active_jobs is the enabled
// schedules in both, and failed runs and the average duration come from
// the same 24 h window (runs enqueued in it).
func TestHealthAndStatsAgree(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	_, err := d.Pool.Exec(ctx, `INSERT INTO users (id, name) VALUES (1, 'u');
		INSERT INTO job_schedules (user_id, name, job_type, target, cron) VALUES
			(1, 'a', 'report', 'x', '* * * * *'), (1, 'b', 'report', 'x', '* * * * *'), (1, 'c', 'report', 'x', '* * * * *');
		UPDATE job_schedules SET enabled = false WHERE name = 'c';
		INSERT INTO job_schedule_runs (job_type, status, enqueued_at, started_at, finished_at, error) VALUES
			('report', 'PENDING', now(), NULL, NULL, NULL),
			('report', 'RUNNING', now(), now(), NULL, NULL),
			-- in the window
			('report', 'FAILED', now() - interval '23 hours', now() - interval '23 hours', now() - interval '2 hours', 'Timeout'),
			('report', 'FAILED', now() - interval '1 hour', now() - interval '1 hour', now(), 'Timeout'),
			('report', 'COMPLETED', now() - interval '20 hours', now() - interval '20 hours', now() - interval '20 hours' + interval '4 seconds', NULL),
			('report', 'COMPLETED', now() - interval '2 minutes', now() - interval '2 minutes', now() - interval '2 minutes' + interval '2 seconds', NULL),
			-- before it: enqueued 25 hours ago, even if it finished since
			('report', 'FAILED', now() - interval '25 hours', now() - interval '23 hours', now() - interval '23 hours', 'Old'),
			('report', 'COMPLETED', now() - interval '25 hours', now() - interval '25 hours', now() - interval '24 hours', NULL)`)
	require.NoError(t, err)
	s := &Status{Pool: d.Pool}
	var h Report
	require.Equal(t, http.StatusOK, get(t, s.Handler(), "/health", &h))
	var st Stats
	require.Equal(t, http.StatusOK, get(t, s.Handler(), "/stats", &st))

	require.Equal(t, 2, h.Metrics.ActiveJobs)
	require.Equal(t, h.Metrics.ActiveJobs, st.JobCounts.ActiveJobs)
	require.Equal(t, st.JobCounts.EnabledSchedules, st.JobCounts.ActiveJobs)
	require.Equal(t, 1, h.Metrics.PendingRuns)
	require.Equal(t, h.Metrics.PendingRuns, st.JobCounts.PendingRuns)
	require.Equal(t, 2, h.Metrics.FailedJobs24h)
	require.Equal(t, h.Metrics.FailedJobs24h, st.ErrorStats.FailedRuns24h)
	require.InDelta(t, 3.0, h.Metrics.AvgExecutionTime, 0.01)
	require.Equal(t, h.Metrics.AvgExecutionTime, st.ExecutionStats.AvgDuration)
	require.Equal(t, 6, st.ExecutionStats.Runs24h)
	require.Equal(t, []string{"Timeout: 2"}, st.ErrorStats.CommonErrors)
}

func TestHeartbeatWritesChecks(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	h := &Heartbeat{Pool: d.Pool, System: "scheduler", Component: "host-a", Interval: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
		Probes: map[string]Probe{
			"database":  DatabaseProbe(d.Pool),
			"scheduler": func(context.Context) Check { return Fail(Degraded, "last scheduler tick failed: boom", nil) },
			"webhook":   func(context.Context) Check { return Fail(Unknown, "no webhook delivery yet", nil) },
		},
		Metadata: func() map[string]any { return map[string]any{"pid": 42} }}
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	require.Eventually(t, func() bool {
		var n int
		_ = d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM msg_system_health
			WHERE system = 'scheduler' AND component = 'host-a' AND status = 'DEGRADED'
			AND error_message = 'scheduler: last scheduler tick failed: boom'`).Scan(&n)
		return n >= 2
	}, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done

	var meta []byte
	require.NoError(t, d.Pool.QueryRow(context.Background(),
		"SELECT metadata FROM msg_system_health ORDER BY checked_at DESC LIMIT 1").Scan(&meta))
	var m struct {
		PID    int              `json:"pid"`
		Checks map[string]Check `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(meta, &m))
	require.Equal(t, 42, m.PID)
	require.Equal(t, Healthy, m.Checks["database"].Status)
	require.Contains(t, m.Checks["database"].Metadata, "max_conns")
	require.Equal(t, Degraded, m.Checks["scheduler"].Status)
	require.Equal(t, Unknown, m.Checks["webhook"].Status)
	require.Equal(t, "no webhook delivery yet", m.Checks["webhook"].Message())
}

// A heartbeat whose database is gone writes nothing and says why; readers
// then see the role go stale.
func TestHeartbeatWithoutDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	d.Pool.Close()
	h := &Heartbeat{Pool: d.Pool, System: "worker", Component: "host-a", Interval: time.Second,
		Probes: map[string]Probe{"database": DatabaseProbe(d.Pool)}}
	row, err := h.Beat(context.Background())
	require.ErrorContains(t, err, "insert heartbeat of worker/host-a")
	require.Equal(t, Down, row.Status)
	require.Contains(t, row.Message(), "database: ping: ")
}
