package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"time"
)

// Machine is the first output line's payload.
type Machine struct {
	Cores    int    `json:"cores"`
	Go       string `json:"go"`
	Postgres string `json:"postgres"`
}

// Result is a scenario's outcome, the last output line. The keys up to
// Saturated are WORKLOAD.md's contract and always present; the others are
// extras, some per scenario.
type Result struct {
	Scenario   string   `json:"scenario"`
	N          int      `json:"n"`
	DurationS  float64  `json:"duration_s"`
	FiresPerS  float64  `json:"fires_per_s"`
	LagP50Ms   *float64 `json:"lag_p50_ms"`
	LagP99Ms   *float64 `json:"lag_p99_ms"`
	LagMaxMs   *float64 `json:"lag_max_ms"`
	Missed     int64    `json:"missed"`
	Duplicates int64    `json:"duplicates"`
	Lost       int64    `json:"lost"`
	Skipped    int64    `json:"skipped"`
	RSSMiB     float64  `json:"rss_mib"`
	Saturated  bool     `json:"saturated"`
	// Pooler is the PgBouncer the schedulers' transactions went through.
	Pooler string `json:"pooler,omitempty"`

	// SaturatedBecause says which bound was broken.
	SaturatedBecause []string `json:"saturated_because,omitempty"`
	// LagBoundMs is the p99 lag above which the scenario is saturated: one
	// period of the cron (S1, S3: 1 s; S2: 60 s); S4 has none.
	LagBoundMs *float64 `json:"lag_bound_ms,omitempty"`
	// Expected fires in the window, Recorded distinct fires with a run row
	// (SKIPPED included only in S4).
	Expected int64 `json:"expected"`
	Recorded int64 `json:"recorded"`
	// NotStarted runs in the window had not started when measured; their
	// lag counts as measurement time − fire time.
	NotStarted int64 `json:"not_started"`
	// DuplicateJobs are River data_processing jobs beyond one per run;
	// DuplicateResults are bench_results rows beyond one per run (retries).
	DuplicateJobs    int64 `json:"duplicate_jobs"`
	DuplicateResults int64 `json:"duplicate_results"`
	// NoResult counts COMPLETED runs without a bench_results row (must be 0).
	NoResult        int64            `json:"no_result"`
	SkippedByReason map[string]int64 `json:"skipped_by_reason,omitempty"`
	WindowStart     time.Time        `json:"window_start"`
	WindowEnd       time.Time        `json:"window_end"`
	SchedulerNodes  int              `json:"scheduler_nodes"`
	WorkerNodes     int              `json:"worker_nodes"`
	WorkerRSSMiB    float64          `json:"worker_rss_mib"`

	// S1, S2, S3: CPU of the scheduler process(es) over the window, percent
	// of one core.
	SchedulerCPUPct *float64 `json:"scheduler_cpu_pct,omitempty"`
	WorkerCPUPct    *float64 `json:"worker_cpu_pct,omitempty"`
	// S2: seconds to create the schedules (one INSERT ... SELECT), and the
	// number stored in total (Options.Stored).
	CreateS *float64 `json:"create_s,omitempty"`
	Stored  int      `json:"stored,omitempty"`
	// HourlyFires (S2 with --stored and --spread) is how many of the
	// expected fires in the window belong to the hourly schedules.
	HourlyFires *int64 `json:"hourly_fires,omitempty"`
	// S3: scheduler processes, and how many were SIGKILLed and replaced.
	Nodes  int  `json:"nodes,omitempty"`
	Killed *int `json:"killed,omitempty"`
	// S4: runs started more than the misfire grace after their fire, and
	// the downtime.
	RunsLate *int64  `json:"runs_late,omitempty"`
	DownS    float64 `json:"down_s,omitempty"`

	// A1: alert evaluations per second (workers' span: first start to last
	// finish of the wave), notifications enqueued per second, p99 evaluation
	// latency (finished_at - scheduled_for, ms), River's own no-op
	// throughput measured in the same run and the ratio to it.
	EvalsPerS         *float64 `json:"evals_per_s,omitempty"`
	NotificationsPerS *float64 `json:"notifications_per_s,omitempty"`
	EvalP99Ms         *float64 `json:"eval_p99_ms,omitempty"`
	RiverNoopPerS     *float64 `json:"river_noop_per_s,omitempty"`
	RatioToRiver      *float64 `json:"ratio_to_river,omitempty"`
	Symbols           int      `json:"symbols,omitempty"`
	AlertJobs         int64    `json:"alert_jobs,omitempty"`
	Notifications     int64    `json:"notifications,omitempty"`

	// Database is the bench database when it was kept.
	Database string `json:"database,omitempty"`
}

// summary turns the measured stats into a Result's common fields.
// skippedRecorded says whether SKIPPED runs count as recorded fires (S4).
// lagBound is the p99 lag beyond which the scenario did not keep up (0: no
// bound).
func summary(r *Result, st runStats, expected int64, window time.Duration, skippedRecorded bool, lagBound time.Duration) {
	r.DurationS = round(window.Seconds(), 3)
	r.Expected = expected
	r.Recorded = st.FiresRun
	if skippedRecorded {
		r.Recorded = st.Fires
	}
	r.Missed = max(expected-r.Recorded, 0)
	r.Lost = max(expected-st.Fires, 0)
	r.Duplicates = st.Rows - st.Fires
	r.DuplicateJobs = st.Jobs - st.JobRuns
	r.DuplicateResults = st.Results - st.ResultRuns
	r.NoResult = st.NoResult
	r.Skipped = st.Skipped
	if len(st.SkippedBy) > 0 {
		r.SkippedByReason = st.SkippedBy
	}
	r.NotStarted = st.NotStarted
	if window > 0 {
		r.FiresPerS = round(float64(st.FiresRun-st.NotStarted)/window.Seconds(), 1)
	}
	r.LagP50Ms, r.LagP99Ms, r.LagMaxMs = ms(st.LagP50), ms(st.LagP99), ms(st.LagMax)
	var why []string
	if lagBound > 0 {
		b := float64(lagBound.Milliseconds())
		r.LagBoundMs = &b
		if r.LagP99Ms != nil && *r.LagP99Ms > b {
			why = append(why, fmt.Sprintf("lag p99 %.0f ms > %.0f ms", *r.LagP99Ms, b))
		}
	}
	if r.Missed > 0 {
		why = append(why, fmt.Sprintf("%d fires missed", r.Missed))
	}
	if r.NotStarted > 0 {
		why = append(why, fmt.Sprintf("%d runs not started", r.NotStarted))
	}
	if expected > 0 && r.Recorded == 0 {
		why = append(why, "no fires recorded")
	}
	r.SaturatedBecause = why
	r.Saturated = len(why) > 0
}

// ms turns seconds into rounded milliseconds.
func ms(s *float64) *float64 {
	if s == nil {
		return nil
	}
	v := round(*s*1000, 1)
	return &v
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func mib(kib int64) float64 { return round(float64(kib)/1024, 1) }

// writeLine writes v as one JSON line.
func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func machine(pgVersion string) map[string]Machine {
	return map[string]Machine{"machine": {Cores: runtime.NumCPU(), Go: runtime.Version(), Postgres: pgVersion}}
}
