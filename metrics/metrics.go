// Package metrics defines Vigil's Prometheus metrics. A *Metrics is created
// once per process and passed to the parts that observe; every method is safe
// on a nil *Metrics, so tests and tools can run without metrics.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the process's collectors.
type Metrics struct {
	Registry *prometheus.Registry

	jobDuration   *prometheus.HistogramVec
	fireLag       prometheus.Histogram
	busyWorkers   *prometheus.GaugeVec
	maxWorkers    *prometheus.GaugeVec
	notifications *prometheus.CounterVec
	fires         *prometheus.CounterVec
	// jobMaxRuntime is each job type's max_runtime (operations.go).
	jobMaxRuntime *prometheus.GaugeVec
}

// New registers Vigil's collectors (and Go/process collectors) on a fresh
// registry. With a pool, queue depth and runs by status are read from
// PostgreSQL at scrape time.
func New(pool *pgxpool.Pool) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_job_duration_seconds",
			Help:    "Duration of job attempts by kind and outcome (completed, retry, failed, cancelled, snoozed).",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 30, 120, 600},
		}, []string{"kind", "outcome"}),
		fireLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vigil_fire_lag_seconds",
			Help:    "Time from a fire's scheduled time to its job's start.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2, 5, 10, 30, 60},
		}),
		busyWorkers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_workers_busy",
			Help: "Jobs being worked by this process, by kind.",
		}, []string{"kind"}),
		maxWorkers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_workers_max",
			Help: "Worker slots of this process by queue (utilisation = busy / max).",
		}, []string{"queue"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_notifications_total",
			Help: "Notification delivery attempts by channel and outcome (sent, recorded, retrying, failed).",
		}, []string{"channel", "outcome"}),
		fires: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_scheduler_fires_total",
			Help: "Fires decided by this scheduler, by outcome (run, skipped reason).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.jobDuration, m.fireLag, m.busyWorkers, m.maxWorkers, m.notifications, m.fires,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		reg.MustRegister(&dbCollector{pool: pool})
	}
	m.registerOperations(pool)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// ObserveJob records one job attempt.
func (m *Metrics) ObserveJob(kind, outcome string, d time.Duration) {
	if m != nil {
		m.jobDuration.WithLabelValues(kind, outcome).Observe(d.Seconds())
	}
}

// ObserveFireLag records the lag of one fire.
func (m *Metrics) ObserveFireLag(d time.Duration) {
	if m != nil {
		m.fireLag.Observe(d.Seconds())
	}
}

// WorkerBusy adds delta to the busy workers of kind.
func (m *Metrics) WorkerBusy(kind string, delta float64) {
	if m != nil {
		m.busyWorkers.WithLabelValues(kind).Add(delta)
	}
}

// SetMaxWorkers records the worker slots of a queue.
func (m *Metrics) SetMaxWorkers(queue string, n int) {
	if m != nil {
		m.maxWorkers.WithLabelValues(queue).Set(float64(n))
	}
}

// Notification records a delivery attempt's outcome.
func (m *Metrics) Notification(channel, outcome string) {
	if m != nil {
		m.notifications.WithLabelValues(channel, outcome).Inc()
	}
}

// Fires records n fires decided with an outcome ("run" or a skip reason).
func (m *Metrics) Fires(outcome string, n int) {
	if m != nil && n > 0 {
		m.fires.WithLabelValues(outcome).Add(float64(n))
	}
}

// dbCollector reads queue depth and runs by status at scrape time.
type dbCollector struct{ pool *pgxpool.Pool }

var (
	queueDepthDesc = prometheus.NewDesc("vigil_queue_depth", "River jobs waiting to run, by queue and state.", []string{"queue", "state"}, nil)
	runsDesc       = prometheus.NewDesc("vigil_runs", "job_schedule_runs rows enqueued in the last 24 hours, by status.", []string{"status"}, nil)
)

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- runsDesc
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := c.pool.Query(ctx, `SELECT queue, state::text, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY 1, 2`)
	if err == nil {
		for rows.Next() {
			var q, s string
			var n float64
			if rows.Scan(&q, &s, &n) == nil {
				ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, n, q, s)
			}
		}
		rows.Close()
	}
	rows, err = c.pool.Query(ctx, `SELECT status, count(*) FROM job_schedule_runs
		WHERE enqueued_at > now() - interval '24 hours' GROUP BY 1`)
	if err == nil {
		for rows.Next() {
			var s string
			var n float64
			if rows.Scan(&s, &n) == nil {
				ch <- prometheus.MustNewConstMetric(runsDesc, prometheus.GaugeValue, n, s)
			}
		}
		rows.Close()
	}
}
