package jobs

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
)

// QueueMaintenance is the queue of Vigil's own upkeep jobs.
const QueueMaintenance = "maintenance"

// RunRef identifies the job_schedule_runs row a job executes.
type RunRef struct {
	// RunID is job_schedule_runs.id.
	RunID int64 `json:"run_id"`
	// ScheduleID is job_schedules.id; 0 for ad-hoc runs with no schedule.
	ScheduleID int64 `json:"schedule_id,omitempty"`
	// ScheduledFor is the fire time the run is for.
	ScheduledFor time.Time `json:"scheduled_for"`
	// Revision is the schedule's revision when it fired.
	Revision int32 `json:"revision,omitempty"`
	// UserID owns the schedule.
	UserID int64 `json:"user_id,omitempty"`
	// Overlap is the schedule's overlap policy; buffer_one and buffer_all make
	// the job wait while another run of the schedule is running.
	Overlap string `json:"overlap,omitempty"`
}

// Fire is what the enqueuer hands to a job type's args builder: one run of one
// schedule.
type Fire struct {
	Run    RunRef
	Target string
	Params json.RawMessage
	// Jitter delays the job's start past the fire time.
	Jitter time.Duration
}

// argsBuilder turns fires of one job type into River job args. Alerts group
// several fires into one job (same symbol, timeframe and fire time).
type argsBuilder func(fires []Fire) ([]argsWithRuns, error)

type argsWithRuns struct {
	args   river.JobArgs
	runs   []RunRef
	jitter time.Duration
}

// runRefsOf extracts the run references from encoded job args of any Vigil
// kind, so the tracking middleware need not know each type.
func runRefsOf(encoded []byte) ([]RunRef, error) {
	var probe struct {
		Run    *RunRef `json:"run"`
		Alerts []struct {
			Run RunRef `json:"run"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(encoded, &probe); err != nil {
		return nil, fmt.Errorf("decode run reference: %w", err)
	}
	var refs []RunRef
	if probe.Run != nil && probe.Run.RunID != 0 {
		refs = append(refs, *probe.Run)
	}
	for _, a := range probe.Alerts {
		if a.Run.RunID != 0 {
			refs = append(refs, a.Run)
		}
	}
	return refs, nil
}

// builderFor returns the args builder of a job type.
func builderFor(kind string) (argsBuilder, bool) {
	switch kind {
	case config.JobReport:
		return singleRunBuilder(func(f Fire) river.JobArgs { return ReportArgs{Run: f.Run, Target: f.Target, Params: f.Params} }), true
	case config.JobScreener:
		return singleRunBuilder(func(f Fire) river.JobArgs { return ScreenerArgs{Run: f.Run, Target: f.Target, Params: f.Params} }), true
	case config.JobDataProcessing:
		return singleRunBuilder(func(f Fire) river.JobArgs {
			return DataProcessingArgs{Run: f.Run, Target: f.Target, Params: f.Params}
		}), true
	case config.JobBackup:
		return singleRunBuilder(func(f Fire) river.JobArgs { return BackupArgs{Run: f.Run, Target: f.Target, Params: f.Params} }), true
	case config.JobAlert:
		return buildAlertArgs, true
	case config.JobNotification:
		return buildNotifyArgs, true
	}
	return nil, false
}

// InsertOpts are the insert options of a job type from config: its own queue
// and max attempts = retry_attempts + 1.
func InsertOpts(cfg config.Config, jobType string) *river.InsertOpts {
	return &river.InsertOpts{Queue: jobType, MaxAttempts: cfg.Job(jobType).RetryAttempts + 1}
}
