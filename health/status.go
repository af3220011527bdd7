package health

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Report statuses.
const (
	ReportHealthy   = "healthy"
	ReportDegraded  = "degraded"
	ReportUnhealthy = "unhealthy" // GET /health answers 503
)

// Report is the design's /health document, with every check in full under
// checks.
type Report struct {
	Status    string    `json:"status"` // healthy, degraded, unhealthy
	Timestamp time.Time `json:"timestamp"`
	// Components has the design's one word per component: its Ready word
	// ("running", "connected", "operational", "ready") when healthy,
	// "disabled" when this process does not run it, "unknown" when it
	// cannot tell yet, else "degraded: why" or "down: why".
	Components map[string]string `json:"components"`
	// Checks are the components' checks in the design's
	// service_health_check shape (disabled components have none).
	Checks  map[string]Check `json:"checks"`
	Metrics Metrics          `json:"metrics"`
}

// Metrics are the design's /health metrics. They agree with /stats: the
// same counts and the same Window.
type Metrics struct {
	ActiveJobs       int     `json:"active_jobs"`        // enabled schedules (/stats job_counts.active_jobs)
	PendingRuns      int     `json:"pending_runs"`       // runs waiting for a worker
	FailedJobs24h    int     `json:"failed_jobs_24h"`    // FAILED runs of the Window (/stats failed_runs_24h)
	AvgExecutionTime float64 `json:"avg_execution_time"` // seconds, completed runs of the Window (/stats avg_duration)
}

// Component is one part of a process for /health.
type Component struct {
	Probe Probe
	// Ready is the component's word when healthy (default "running").
	Ready string
	// Critical makes the process unhealthy (503) when the component is
	// DOWN: the process cannot do its work without it (its River client,
	// its scheduler). A failing dependency outside the process (Telegram,
	// a webhook receiver, the market-data provider) only degrades it.
	Critical bool
}

// Status serves GET /health and GET /stats. The database and job store are
// always checked; Components adds the process's own parts. Metrics are
// cached briefly so that frequent probes do not scan the runs table.
type Status struct {
	Pool *pgxpool.Pool
	// Components are this process's parts by name (scheduler, river_client,
	// workers, alert_evaluator, telegram, webhook, market_data, ...).
	Components map[string]Component
	// Disabled names parts this process does not run; they show
	// "disabled" and are not checked.
	Disabled []string
	Logger   *slog.Logger
	// CacheFor is how long metrics are reused (default 5s).
	CacheFor time.Duration
	// ProbeTimeout bounds each check (default 3s).
	ProbeTimeout time.Duration
	// Metrics serves /metrics (Prometheus) when set.
	Metrics http.Handler
	// Token, when set, must be sent as "Authorization: Bearer TOKEN" to every
	// endpoint (status_token); others get 401.
	Token string
	// NowFunc is the clock (nil: time.Now).
	NowFunc func() time.Time

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

func (s *Status) now() time.Time {
	if s.NowFunc != nil {
		return s.NowFunc()
	}
	return time.Now()
}

func (s *Status) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// components are every checked component: database and job_store, then
// s.Components.
func (s *Status) components() map[string]Component {
	all := map[string]Component{
		"database":  {Probe: DatabaseProbe(s.Pool), Ready: "connected", Critical: true},
		"job_store": {Probe: JobStoreProbe(s.Pool), Ready: "operational", Critical: true},
	}
	maps.Copy(all, s.Components)
	return all
}

// Check builds the report: every component checked at once, then the
// metrics unless the database is down.
func (s *Status) Check(ctx context.Context) Report {
	comps := s.components()
	probes := make(map[string]Probe, len(comps))
	for name, c := range comps {
		probes[name] = c.Probe
	}
	timeout := s.ProbeTimeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	r := Report{Status: ReportHealthy, Timestamp: s.now().UTC(), Components: map[string]string{},
		Checks: Evaluate(ctx, probes, timeout)}
	for _, name := range s.Disabled {
		if _, ok := comps[name]; !ok {
			r.Components[name] = "disabled"
		}
	}
	for name, c := range r.Checks {
		r.Components[name] = word(c, comps[name].Ready)
		switch {
		case c.Status == Down && comps[name].Critical:
			r.Status = ReportUnhealthy
		case (c.Status == Down || c.Status == Degraded) && r.Status == ReportHealthy:
			r.Status = ReportDegraded
		}
	}
	if r.Checks["database"].Status == Down {
		return r
	}
	mctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m, err := s.metrics(mctx)
	if err != nil {
		s.logger().Warn("health metrics", "error", err)
		r.Components["metrics"] = "error: " + err.Error()
		if r.Status == ReportHealthy {
			r.Status = ReportDegraded
		}
	}
	r.Metrics = m
	return r
}

// word is a check as /health's one-word component state.
func word(c Check, ready string) string {
	if ready == "" {
		ready = "running"
	}
	switch c.Status {
	case Healthy:
		return ready
	case Unknown:
		return "unknown"
	}
	w := strings.ToLower(c.Status)
	if msg := c.Message(); msg != "" {
		w += ": " + msg
	}
	return w
}

func (s *Status) metrics(ctx context.Context) (Metrics, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cacheFor := s.CacheFor
	if cacheFor <= 0 {
		cacheFor = 5 * time.Second
	}
	now := s.now()
	if !s.cachedAt.IsZero() && now.Sub(s.cachedAt) < cacheFor {
		return s.cached, nil
	}
	f, err := s.figures(ctx, now)
	if err != nil {
		return Metrics{}, err
	}
	s.cached = Metrics{ActiveJobs: int(f.counts.Enabled), PendingRuns: int(f.pending),
		FailedJobs24h: int(f.exec.Failed), AvgExecutionTime: f.exec.AvgDurationS}
	s.cachedAt = now
	return s.cached, nil
}

func (s *Status) serveHealth(w http.ResponseWriter, req *http.Request) {
	r := s.Check(req.Context())
	w.Header().Set("Content-Type", "application/json")
	if r.Status == ReportUnhealthy {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(r)
}
