package api

import (
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilhq/vigil/metrics"
)

// requestMetrics counts API requests by operation and status. A nil
// *requestMetrics (no Metrics in Options) observes nothing.
type requestMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newRequestMetrics(m *metrics.Metrics, log *slog.Logger) *requestMetrics {
	if m == nil || m.Registry == nil {
		return nil
	}
	rm := &requestMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_api_requests_total",
			Help: "API requests by method, route (the operation's path template) and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_api_request_duration_seconds",
			Help:    "API request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	rm.requests = register(m.Registry, rm.requests, log)
	rm.duration = register(m.Registry, rm.duration, log)
	return rm
}

// register registers c, or returns the collector already registered under
// its name (several servers may share one registry).
func register[C prometheus.Collector](reg *prometheus.Registry, c C, log *slog.Logger) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		log.Warn("register api metrics", "error", err)
	}
	return c
}

func (m *requestMetrics) middleware(ctx huma.Context, next func(huma.Context)) {
	if m == nil {
		next(ctx)
		return
	}
	start := time.Now()
	next(ctx)
	route := ctx.Operation().Path
	m.duration.WithLabelValues(ctx.Method(), route).Observe(time.Since(start).Seconds())
	m.requests.WithLabelValues(ctx.Method(), route, strconv.Itoa(ctx.Status())).Inc()
}
