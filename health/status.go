package health

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Report is the design's /health document.
type Report struct {
	Status     string            `json:"status"` // healthy, degraded, unhealthy
	Timestamp  time.Time         `json:"timestamp"`
	Components map[string]string `json:"components"`
	Metrics    Metrics           `json:"metrics"`
}

// Metrics are the design's /health metrics.
type Metrics struct {
	ActiveJobs       int     `json:"active_jobs"`        // enabled schedules
	PendingRuns      int     `json:"pending_runs"`       // runs waiting for a worker
	FailedJobs24h    int     `json:"failed_jobs_24h"`    // FAILED runs in the last 24 h
	AvgExecutionTime float64 `json:"avg_execution_time"` // seconds, completed runs in the last hour
}

// ComponentsFunc reports the state of the process's own parts, e.g.
// {"scheduler": "running", "workers": "running"}. A value other than running,
// ready, operational, connected or disabled makes the status degraded.
type ComponentsFunc func() map[string]string

// Status serves GET /health. Metrics are cached briefly so that frequent
// probes do not scan the runs table.
type Status struct {
	Pool       *pgxpool.Pool
	Components ComponentsFunc
	Logger     *slog.Logger
	// CacheFor is how long metrics are reused (default 5s).
	CacheFor time.Duration
	// Metrics serves /metrics (Prometheus) when set.
	Metrics http.Handler
	// Token, when set, must be sent as "Authorization: Bearer TOKEN" to every
	// endpoint (status_token); others get 401.
	Token string

	mu       sync.Mutex
	cached   Metrics
	cachedAt time.Time
}

// Handler returns the status listener's mux: GET /health, GET /stats and,
// when Metrics is set, GET /metrics, each behind Token when it is set.
func (s *Status) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.serveHealth)
	mux.HandleFunc("GET /stats", s.serveStats)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics)
	}
	if s.Token == "" {
		return mux
	}
	want := []byte("Bearer " + s.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigil-status"`)
			http.Error(w, "status_token required: send Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Check builds the report.
func (s *Status) Check(ctx context.Context) Report {
	r := Report{Status: "healthy", Timestamp: time.Now().UTC(), Components: map[string]string{}}
	if s.Components != nil {
		for k, v := range s.Components() {
			r.Components[k] = v
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.Pool.Ping(ctx); err != nil {
		r.Components["database"] = "unreachable: " + err.Error()
		r.Status = "unhealthy"
		return r
	}
	r.Components["database"] = "connected"
	var riverReady bool
	if err := s.Pool.QueryRow(ctx, "SELECT to_regclass('river_job') IS NOT NULL").Scan(&riverReady); err == nil && riverReady {
		r.Components["job_store"] = "operational"
	} else {
		r.Components["job_store"] = "missing: run `vigil migrate up`"
		r.Status = "degraded"
	}
	m, err := s.metrics(ctx)
	if err != nil {
		s.Logger.Warn("health metrics", "error", err)
		r.Components["metrics"] = "error: " + err.Error()
		r.Status = "degraded"
	}
	r.Metrics = m
	for _, v := range r.Components {
		switch v {
		case "running", "ready", "operational", "connected", "disabled":
		default:
			if r.Status == "healthy" {
				r.Status = "degraded"
			}
		}
	}
	return r
}

func (s *Status) metrics(ctx context.Context) (Metrics, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cacheFor := s.CacheFor
	if cacheFor <= 0 {
		cacheFor = 5 * time.Second
	}
	if time.Since(s.cachedAt) < cacheFor {
		return s.cached, nil
	}
	q := dbsqlc.New()
	counts, err := q.ScheduleCounts(ctx, s.Pool)
	if err != nil {
		return Metrics{}, err
	}
	h, err := q.HealthMetrics(ctx, s.Pool)
	if err != nil {
		return Metrics{}, err
	}
	s.cached = Metrics{ActiveJobs: int(counts.Enabled), PendingRuns: int(h.PendingRuns),
		FailedJobs24h: int(h.FailedRuns24h), AvgExecutionTime: h.AvgExecutionS}
	s.cachedAt = time.Now()
	return s.cached, nil
}

func (s *Status) serveHealth(w http.ResponseWriter, req *http.Request) {
	r := s.Check(req.Context())
	w.Header().Set("Content-Type", "application/json")
	if r.Status == "unhealthy" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(r)
}
