package health

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Stats is the design's /stats document.
type Stats struct {
	JobCounts      JobCounts      `json:"job_counts"`
	ExecutionStats ExecutionStats `json:"execution_stats"`
	ErrorStats     ErrorStats     `json:"error_stats"`
}

// JobCounts counts schedules.
type JobCounts struct {
	TotalSchedules   int `json:"total_schedules"`
	EnabledSchedules int `json:"enabled_schedules"`
	ActiveJobs       int `json:"active_jobs"` // runs pending or running now
}

// ExecutionStats summarises the last 24 hours of runs.
type ExecutionStats struct {
	Runs24h     int     `json:"runs_24h"`
	SuccessRate float64 `json:"success_rate"` // completed / (completed + failed)
	AvgDuration float64 `json:"avg_duration"` // seconds
	MaxDuration float64 `json:"max_duration"` // seconds
}

// ErrorStats summarises failures of the last 24 hours.
type ErrorStats struct {
	FailedRuns24h int      `json:"failed_runs_24h"`
	CommonErrors  []string `json:"common_errors"` // "message: count"
}

// Stats computes the /stats document.
func (s *Status) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	q := dbsqlc.New()
	since := time.Now().Add(-24 * time.Hour)
	counts, err := q.ScheduleCounts(ctx, s.Pool)
	if err != nil {
		return st, fmt.Errorf("count schedules: %w", err)
	}
	exec, err := q.RunExecutionStats(ctx, s.Pool, since)
	if err != nil {
		return st, fmt.Errorf("run statistics: %w", err)
	}
	var active int
	if err := s.Pool.QueryRow(ctx, "SELECT count(*) FROM job_schedule_runs WHERE status IN ('PENDING', 'RUNNING')").Scan(&active); err != nil {
		return st, fmt.Errorf("count active runs: %w", err)
	}
	errs, err := q.RunCommonErrors(ctx, s.Pool, dbsqlc.RunCommonErrorsParams{Since: since, MaxRows: 5})
	if err != nil {
		return st, fmt.Errorf("common errors: %w", err)
	}
	st.JobCounts = JobCounts{TotalSchedules: int(counts.Total), EnabledSchedules: int(counts.Enabled), ActiveJobs: active}
	st.ExecutionStats = ExecutionStats{Runs24h: int(exec.Runs), AvgDuration: exec.AvgDurationS, MaxDuration: exec.MaxDurationS}
	if done := exec.Completed + exec.Failed; done > 0 {
		st.ExecutionStats.SuccessRate = float64(exec.Completed) / float64(done)
	}
	st.ErrorStats = ErrorStats{FailedRuns24h: int(exec.Failed), CommonErrors: make([]string, 0, len(errs))}
	for _, e := range errs {
		st.ErrorStats.CommonErrors = append(st.ErrorStats.CommonErrors, fmt.Sprintf("%s: %d", e.Message, e.Runs))
	}
	return st, nil
}

func (s *Status) serveStats(w http.ResponseWriter, req *http.Request) {
	st, err := s.Stats(req.Context())
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		s.Logger.Error("stats", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(st)
}
