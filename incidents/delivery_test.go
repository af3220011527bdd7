package incidents_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/incidents"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/screener"
)

// TestMessagesAreDelivered: incident messages go through the notification
// workers like any other notification: each admin's delivery log gets one
// urgent system message when the incident opens and one when it resolves.
func TestMessagesAreDelivered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// A worker as vigil builds it for the default config (synthetic market
	// data and fundamentals); only the notification worker has work here.
	sources := marketdata.NewSources(marketdata.ProviderOptions{}, store.NewBarStore(b.pool), b.cfg.DataCacheTTL.D(), testLogger())
	market, err := sources.Manager("synthetic")
	require.NoError(t, err)
	funds := fundamentals.NewManager(&fundamentals.Synthetic{Lookup: screener.Lookup()},
		store.NewFundamentalsStore(b.pool), b.cfg.FundamentalsCacheTTL.D(), testLogger())
	worker, err := jobs.NewClient(jobs.Deps{Pool: b.pool, Config: b.cfg, Logger: testLogger(), Work: true,
		Sources: sources, Market: market, Fundamentals: funds})
	require.NoError(t, err)
	require.NoError(t, worker.Start(b.ctx))
	t.Cleanup(func() { _ = worker.Shutdown(context.Background(), time.Second) })

	now := time.Now()
	b.failRun("data_processing", "binance: 418 I'm a teapot", now.Add(-time.Second))
	res, err := b.mon.Check(b.ctx, now)
	require.NoError(t, err)
	require.Len(t, res.Opened, 1)
	res, err = b.mon.Check(b.ctx, now.Add(b.cfg.IncidentResolveAfter.D()))
	require.NoError(t, err)
	require.Len(t, res.Resolved, 1)

	delivered := func() int {
		return b.count(`SELECT count(*) FROM notifications WHERE status = 'recorded' AND notification_type = 'system'
			AND priority = 'urgent' AND user_id = ANY($1)`, b.admins)
	}
	require.Eventually(t, func() bool { return delivered() == 2*len(b.admins) }, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, 2*len(b.admins), b.count("SELECT count(*) FROM notifications"), "only the admins got something")
	for _, a := range b.admins {
		require.Equal(t, 1, b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND message LIKE '%opened (job_failed): data_processing: binance: # I''m a teapot%'`, a))
		require.Equal(t, 1, b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND message LIKE '%resolved (job_failed)%1 failed runs%'`, a))
	}
}

// TestRun: the monitor's loop checks every incident_check_interval until
// its context ends.
func TestRun(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.Config) { c.IncidentCheckInterval = config.Duration(20 * time.Millisecond) })
	mon := incidents.New(incidents.Options{Pool: b.pool, Client: b.client.Client, Config: b.cfg, Logger: testLogger()})
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan struct{})
	go func() { mon.Run(ctx); close(done) }()

	b.failRun("backup", "pg_dump: connection refused", time.Now())
	require.Eventually(t, func() bool { return len(b.incidents(incidents.KindJobFailed)) == 1 }, 20*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		return b.incidents(incidents.KindJobFailed)[0].Count == 1 &&
			b.count("SELECT count(*) FROM audit_log WHERE action = 'incident.open'") == 1
	}, 20*time.Second, 10*time.Millisecond)
	cancel()
	<-done
	require.Len(t, b.messages(), len(b.admins))
}

// TestMetrics: /metrics exports what the Prometheus rules read, including
// open incidents by kind (every kind, 0 when none is open).
func TestMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := metrics.New(b.pool)
	mon := incidents.New(incidents.Options{Pool: b.pool, Client: b.client.Client, Config: b.cfg, Metrics: m})
	now := time.Now()
	b.failRun("report", "boom", now.Add(-time.Second))
	b.beat("worker", "host-a", "DOWN", now.Add(-time.Minute))
	b.runningRun("alert", now.Add(-2*time.Minute))
	b.dueSchedule(now.Add(-10 * time.Minute))
	res, err := mon.Check(b.ctx, now)
	require.NoError(t, err)
	require.Len(t, res.Opened, 3, "job_failed, heartbeat_stale and fire_lag")

	families, err := m.Registry.Gather()
	require.NoError(t, err)
	values := map[string]map[string]float64{} // metric -> its kind, job_type, queue or system -> value
	for _, f := range families {
		for _, s := range f.GetMetric() {
			label := ""
			for _, l := range s.GetLabel() {
				switch l.GetName() {
				case "kind", "job_type", "queue", "system":
					label = l.GetValue()
				}
			}
			if values[f.GetName()] == nil {
				values[f.GetName()] = map[string]float64{}
			}
			values[f.GetName()][label] = s.GetGauge().GetValue()
		}
	}
	require.Len(t, values["vigil_incidents_open"], len(incidents.Kinds()), "one series per kind")
	for _, kind := range incidents.Kinds() {
		want := 0.0
		if kind == incidents.KindJobFailed || kind == incidents.KindHeartbeatStale || kind == incidents.KindFireLag {
			want = 1
		}
		require.Equal(t, want, values["vigil_incidents_open"][kind], kind)
	}
	require.Equal(t, 300.0, values["vigil_job_max_runtime_seconds"]["report"])
	require.Equal(t, 1.0, values["vigil_heartbeat_down"]["worker"])
	require.GreaterOrEqual(t, values["vigil_heartbeat_age_seconds"]["worker"], 60.0)
	require.GreaterOrEqual(t, values["vigil_run_running_oldest_seconds"]["alert"], 120.0)
	require.Zero(t, values["vigil_run_running_oldest_seconds"]["report"])
	require.GreaterOrEqual(t, values["vigil_schedules_overdue_seconds"][""], 600.0)
	require.Contains(t, values["vigil_queue_oldest_available_seconds"], "notification", "the incident messages wait there")
}
