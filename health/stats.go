package health

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Window is the period of the run figures of /health (failed_jobs_24h,
// avg_execution_time) and /stats (execution_stats, error_stats): runs
// enqueued in the last 24 hours, read by one query so that the two agree.
const Window = 24 * time.Hour

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
	// ActiveJobs is the enabled schedules, as in /health's metrics (the
	// design's "SchedulerService started with 15 active schedules").
	ActiveJobs int `json:"active_jobs"`
	// PendingRuns is the runs waiting for a worker now, as in /health.
	PendingRuns int `json:"pending_runs"`
}

// ExecutionStats summarises the runs of the Window.
type ExecutionStats struct {
	Runs24h     int     `json:"runs_24h"`
	SuccessRate float64 `json:"success_rate"` // completed / (completed + failed)
	AvgDuration float64 `json:"avg_duration"` // seconds, completed runs
	MaxDuration float64 `json:"max_duration"` // seconds, completed runs
}

// ErrorStats summarises the failures of the Window.
type ErrorStats struct {
	FailedRuns24h int      `json:"failed_runs_24h"`
	CommonErrors  []string `json:"common_errors"` // "message: count"
}

// figures are what /health and /stats both report, read once.
type figures struct {
	counts  dbsqlc.ScheduleCountsRow
	exec    dbsqlc.RunExecutionStatsRow
	pending int32
}

// figures reads the schedule counts, the pending runs and the Window's run
// statistics as of now.
func (s *Status) figures(ctx context.Context, now time.Time) (figures, error) {
	var f figures
	q := dbsqlc.New()
	var err error
	if f.counts, err = q.ScheduleCounts(ctx, s.Pool); err != nil {
		return f, fmt.Errorf("count schedules: %w", err)
	}
	if f.pending, err = q.RunCountPending(ctx, s.Pool); err != nil {
		return f, fmt.Errorf("count pending runs: %w", err)
	}
	if f.exec, err = q.RunExecutionStats(ctx, s.Pool, now.Add(-Window)); err != nil {
		return f, fmt.Errorf("run statistics: %w", err)
	}
	return f, nil
}

// Stats computes the /stats document.
func (s *Status) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	now := s.now()
	f, err := s.figures(ctx, now)
	if err != nil {
		return st, err
	}
	errs, err := dbsqlc.New().RunCommonErrors(ctx, s.Pool, dbsqlc.RunCommonErrorsParams{Since: now.Add(-Window), MaxRows: 5})
	if err != nil {
		return st, fmt.Errorf("common errors: %w", err)
	}
	st.JobCounts = JobCounts{TotalSchedules: int(f.counts.Total), EnabledSchedules: int(f.counts.Enabled),
		ActiveJobs: int(f.counts.Enabled), PendingRuns: int(f.pending)}
	st.ExecutionStats = ExecutionStats{Runs24h: int(f.exec.Runs), AvgDuration: f.exec.AvgDurationS, MaxDuration: f.exec.MaxDurationS}
	if done := f.exec.Completed + f.exec.Failed; done > 0 {
		st.ExecutionStats.SuccessRate = float64(f.exec.Completed) / float64(done)
	}
	st.ErrorStats = ErrorStats{FailedRuns24h: int(f.exec.Failed), CommonErrors: make([]string, 0, len(errs))}
	for _, e := range errs {
		st.ErrorStats.CommonErrors = append(st.ErrorStats.CommonErrors, fmt.Sprintf("%s: %d", e.Message, e.Runs))
	}
	return st, nil
}

func (s *Status) serveStats(w http.ResponseWriter, req *http.Request) {
	st, err := s.Stats(req.Context())
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		s.logger().Error("stats", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(st)
}
