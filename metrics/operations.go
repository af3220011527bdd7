package metrics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilhq/vigil/config"
)

// Operator alerting: what deploy/prometheus/vigil-alerts.yml alerts on beyond
// the job and notification counters. The database gauges are read at scrape
// time, so every process with a pool exports them.

// heartbeatHorizon is how far back heartbeats are exported: components
// silent for longer are no longer watched (incident_heartbeat_forget's default).
const heartbeatHorizon = 24 * time.Hour

var (
	queueOldestDesc = prometheus.NewDesc("vigil_queue_oldest_available_seconds",
		"Age of the oldest River job waiting available, by queue (0 when none waits).", []string{"queue"}, nil)
	heartbeatAgeDesc = prometheus.NewDesc("vigil_heartbeat_age_seconds",
		"Seconds since the latest msg_system_health row of each system/component (seen in the last 24 h).", []string{"system", "component"}, nil)
	heartbeatDownDesc = prometheus.NewDesc("vigil_heartbeat_down",
		"1 when the latest heartbeat of a system/component says DOWN, else 0.", []string{"system", "component"}, nil)
	runningOldestDesc = prometheus.NewDesc("vigil_run_running_oldest_seconds",
		"How long the oldest RUNNING run of each job type has run (0 when none runs).", []string{"job_type"}, nil)
	overdueDesc = prometheus.NewDesc("vigil_schedules_overdue_seconds",
		"How far in the past the oldest next_run_at of an enabled schedule is (0 when none is due): the scheduler's lag.", nil, nil)
	incidentsOpenDesc = prometheus.NewDesc("vigil_incidents_open",
		"Open incidents by kind (the incident monitor's view).", []string{"kind"}, nil)
)

// incidentKinds are the kinds exported even when none is open, so rules can
// tell 0 from absent (incidents.Kinds; a test keeps the two equal).
var incidentKinds = []string{"job_failed", "queue_backlog", "heartbeat_stale", "slow_job", "fire_lag", "channel_failing"}

func (m *Metrics) registerOperations(pool *pgxpool.Pool) {
	m.jobMaxRuntime = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vigil_job_max_runtime_seconds",
		Help: "Configured max_runtime of each job type (set by the scheduler role's incident monitor).",
	}, []string{"job_type"})
	m.Registry.MustRegister(m.jobMaxRuntime)
	if pool != nil {
		m.Registry.MustRegister(&opsCollector{pool: pool})
	}
}

// SetJobMaxRuntime records the max_runtime of a job type.
func (m *Metrics) SetJobMaxRuntime(jobType string, d time.Duration) {
	if m != nil {
		m.jobMaxRuntime.WithLabelValues(jobType).Set(d.Seconds())
	}
}

// opsCollector reads the operator-alerting gauges at scrape time.
type opsCollector struct{ pool *pgxpool.Pool }

func (c *opsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueOldestDesc, heartbeatAgeDesc, heartbeatDownDesc, runningOldestDesc, overdueDesc, incidentsOpenDesc} {
		ch <- d
	}
}

func (c *opsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	rows, err := c.pool.Query(ctx, `SELECT queue, COALESCE(extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE state = 'available')), 0)::float8
		FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY queue`)
	if err == nil {
		for rows.Next() {
			var q string
			var v float64
			if rows.Scan(&q, &v) == nil {
				gauge(queueOldestDesc, v, q)
			}
		}
		rows.Close()
	}
	rows, err = c.pool.Query(ctx, `SELECT DISTINCT ON (system, component) system, component,
		extract(epoch FROM now() - checked_at)::float8, status = 'DOWN'
		FROM msg_system_health WHERE checked_at > now() - $1::interval
		ORDER BY system, component, checked_at DESC`, heartbeatHorizon.String())
	if err == nil {
		for rows.Next() {
			var sys, comp string
			var age float64
			var down bool
			if rows.Scan(&sys, &comp, &age, &down) == nil {
				gauge(heartbeatAgeDesc, age, sys, comp)
				gauge(heartbeatDownDesc, b2f(down), sys, comp)
			}
		}
		rows.Close()
	}
	rows, err = c.pool.Query(ctx, `SELECT t.job_type, COALESCE((SELECT extract(epoch FROM now() - min(r.started_at))
		FROM job_schedule_runs r WHERE r.status = 'RUNNING' AND r.job_type = t.job_type), 0)::float8
		FROM unnest($1::text[]) AS t(job_type)`, config.AllJobTypes())
	if err == nil {
		for rows.Next() {
			var jt string
			var v float64
			if rows.Scan(&jt, &v) == nil {
				gauge(runningOldestDesc, v, jt)
			}
		}
		rows.Close()
	}
	var overdue float64
	if c.pool.QueryRow(ctx, `SELECT COALESCE(extract(epoch FROM now() - min(next_run_at)), 0)::float8
		FROM job_schedules WHERE enabled AND next_run_at < now() AND wait_reason IS NULL`).Scan(&overdue) == nil {
		gauge(overdueDesc, max(overdue, 0))
	}
	open := map[string]float64{}
	rows, err = c.pool.Query(ctx, `SELECT kind, count(*)::float8 FROM incidents WHERE resolved_at IS NULL GROUP BY kind`)
	if err == nil {
		for rows.Next() {
			var k string
			var n float64
			if rows.Scan(&k, &n) == nil {
				open[k] = n
			}
		}
		rows.Close()
		for _, k := range incidentKinds {
			gauge(incidentsOpenDesc, open[k], k)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
