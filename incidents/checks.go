package incidents

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// maxFailureClasses caps the job_failed groups one check reads.
const maxFailureClasses = 500

// observation is one problem a check sees now.
type observation struct {
	kind, subject string
	// count is the new incident's count; add is what an existing one's
	// count grows by (job_failed: failures after its last_seen; others: 1).
	count, add int64
	// seen is the incident's last_seen (job_failed: the last failure).
	seen time.Time
	// summary says what is wrong, for people.
	summary string
	details map[string]any
}

// check runs one kind's query.
type check func(ctx context.Context, q dbsqlc.DBTX, now time.Time) ([]observation, error)

// checks returns the check of every kind.
func (m *Monitor) checks() map[string]check {
	return map[string]check{
		KindJobFailed:      m.checkJobFailed,
		KindQueueBacklog:   m.checkQueueBacklog,
		KindHeartbeatStale: m.checkHeartbeats,
		KindSlowJob:        m.checkSlowJobs,
		KindFireLag:        m.checkFireLag,
		KindChannelFailing: m.checkChannels,
	}
}

func (m *Monitor) checkJobFailed(ctx context.Context, q dbsqlc.DBTX, now time.Time) ([]observation, error) {
	window := m.cfg.IncidentResolveAfter.D()
	rows, err := m.q.IncidentCheckFailedJobs(ctx, q, dbsqlc.IncidentCheckFailedJobsParams{
		Since: now.Add(-window), Now: now, MaxRows: maxFailureClasses})
	if err != nil {
		return nil, fmt.Errorf("failed runs: %w", err)
	}
	out := make([]observation, 0, len(rows))
	for _, r := range rows {
		class := strings.TrimPrefix(r.Subject, r.JobType+": ")
		out = append(out, observation{
			kind: KindJobFailed, subject: r.Subject, count: r.Failures, add: r.NewFailures, seen: r.LastFailedAt,
			summary: fmt.Sprintf("%s runs are failing with %q: %d failed in the last %s (%d schedules); latest, run %d: %s",
				r.JobType, class, r.Failures, short(window), r.Schedules, r.LastRunID, clip(r.LastError, 300)),
			details: map[string]any{"job_type": r.JobType, "error_class": class, "failures_in_window": r.Failures,
				"schedules": r.Schedules, "first_failed_at": r.FirstFailedAt, "last_failed_at": r.LastFailedAt,
				"last_run_id": r.LastRunID, "last_error": clip(r.LastError, 1000)},
		})
	}
	return out, nil
}

func (m *Monitor) checkQueueBacklog(ctx context.Context, q dbsqlc.DBTX, now time.Time) ([]observation, error) {
	age := m.cfg.IncidentQueueBacklogAge.D()
	rows, err := m.q.IncidentCheckQueueBacklog(ctx, q, now.Add(-age))
	if err != nil {
		return nil, fmt.Errorf("queue backlog: %w", err)
	}
	out := make([]observation, 0, len(rows))
	for _, r := range rows {
		wait := now.Sub(r.Oldest)
		out = append(out, observation{
			kind: KindQueueBacklog, subject: r.Queue, count: 1, add: 1, seen: now,
			summary: fmt.Sprintf("queue %s is backed up: %d jobs have waited available for more than %s (the oldest %s)",
				r.Queue, r.Jobs, short(age), short(wait)),
			details: map[string]any{"queue": r.Queue, "jobs_waiting": r.Jobs, "oldest_available_at": r.Oldest,
				"oldest_wait_seconds": int64(wait.Seconds()), "threshold_seconds": int64(age.Seconds())},
		})
	}
	return out, nil
}

func (m *Monitor) checkHeartbeats(ctx context.Context, q dbsqlc.DBTX, now time.Time) ([]observation, error) {
	interval := m.cfg.HealthCheckInterval.D()
	staleAfter := 3 * interval
	rows, err := m.q.IncidentCheckHeartbeats(ctx, q, now.Add(-m.cfg.IncidentHeartbeatForget.D()))
	if err != nil {
		return nil, fmt.Errorf("heartbeats: %w", err)
	}
	var out []observation
	for _, r := range rows {
		silent := now.Sub(r.CheckedAt)
		stale := silent > staleAfter
		if !stale && r.Status != "DOWN" {
			continue
		}
		subject := r.System
		if r.Component != "" {
			subject += "/" + r.Component
		}
		summary := fmt.Sprintf("%s is DOWN: no heartbeat for %s (expected every %s)", subject, short(silent), short(interval))
		if !stale {
			summary = fmt.Sprintf("%s reports DOWN", subject)
			if r.ErrorMessage != nil && *r.ErrorMessage != "" {
				summary += ": " + clip(*r.ErrorMessage, 300)
			}
		}
		out = append(out, observation{
			kind: KindHeartbeatStale, subject: subject, count: 1, add: 1, seen: now, summary: summary,
			details: map[string]any{"system": r.System, "component": r.Component, "status": r.Status, "stale": stale,
				"last_heartbeat_at": r.CheckedAt, "silent_seconds": int64(silent.Seconds()),
				"error_message": deref(r.ErrorMessage)},
		})
	}
	return out, nil
}

// slowThreshold is how long a run of jobType may run before it is slow.
func (m *Monitor) slowThreshold(jobType string) time.Duration {
	d := m.cfg.Job(jobType).MaxRuntime.D() * time.Duration(m.cfg.IncidentSlowJobPercent) / 100
	if after := m.cfg.IncidentSlowJobAfter.D(); after > 0 && (d <= 0 || after < d) {
		d = after
	}
	return d
}

func (m *Monitor) checkSlowJobs(ctx context.Context, q dbsqlc.DBTX, now time.Time) ([]observation, error) {
	types := config.AllJobTypes()
	before := make([]time.Time, len(types))
	for i, t := range types {
		before[i] = now.Add(-m.slowThreshold(t))
	}
	rows, err := m.q.IncidentCheckSlowRuns(ctx, q, dbsqlc.IncidentCheckSlowRunsParams{JobTypes: types, StartedBefore: before})
	if err != nil {
		return nil, fmt.Errorf("slow runs: %w", err)
	}
	out := make([]observation, 0, len(rows))
	for _, r := range rows {
		threshold, longest := m.slowThreshold(r.JobType), now.Sub(r.OldestStartedAt)
		maxRuntime := m.cfg.Job(r.JobType).MaxRuntime.D()
		out = append(out, observation{
			kind: KindSlowJob, subject: r.JobType, count: 1, add: 1, seen: now,
			summary: fmt.Sprintf("%s jobs are slow: %d runs running for more than %s (max_runtime %s); run %d for %s",
				r.JobType, r.Runs, short(threshold), short(maxRuntime), r.OldestRunID, short(longest)),
			details: map[string]any{"job_type": r.JobType, "runs": r.Runs, "threshold_seconds": int64(threshold.Seconds()),
				"max_runtime_seconds": int64(maxRuntime.Seconds()), "oldest_run_id": r.OldestRunID,
				"oldest_started_at": r.OldestStartedAt, "longest_seconds": int64(longest.Seconds())},
		})
	}
	return out, nil
}

// fireLagSubject is the subject of the fire_lag incident: the scheduler
// (every scheduler node shares the due schedules).
const fireLagSubject = "scheduler"

func (m *Monitor) checkFireLag(ctx context.Context, q dbsqlc.DBTX, now time.Time) ([]observation, error) {
	lag := m.cfg.IncidentFireLag.D()
	rows, err := m.q.IncidentCheckOverdueSchedules(ctx, q, now.Add(-lag))
	if err != nil {
		return nil, fmt.Errorf("overdue schedules: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	var total int64
	oldest := rows[0]
	byType := map[string]int64{}
	for _, r := range rows {
		total += r.Schedules
		byType[r.JobType] = r.Schedules
		if r.OldestDue.Before(oldest.OldestDue) {
			oldest = r
		}
	}
	behind := now.Sub(oldest.OldestDue)
	return []observation{{
		kind: KindFireLag, subject: fireLagSubject, count: 1, add: 1, seen: now,
		summary: fmt.Sprintf("the scheduler is behind: %d enabled schedules are due for more than %s (the oldest, schedule %d, for %s)",
			total, short(lag), oldest.OldestScheduleID, short(behind)),
		details: map[string]any{"schedules": total, "by_job_type": byType, "oldest_schedule_id": oldest.OldestScheduleID,
			"oldest_due_at": oldest.OldestDue, "behind_seconds": int64(behind.Seconds()), "threshold_seconds": int64(lag.Seconds())},
	}}, nil
}

func (m *Monitor) checkChannels(ctx context.Context, q dbsqlc.DBTX, now time.Time) ([]observation, error) {
	window := m.cfg.IncidentChannelWindow.D()
	rows, err := m.q.IncidentCheckFailingChannels(ctx, q, dbsqlc.IncidentCheckFailingChannelsParams{
		Since: now.Add(-window), Now: now, MinFailures: int64(m.cfg.IncidentChannelFailures)})
	if err != nil {
		return nil, fmt.Errorf("failing channels: %w", err)
	}
	out := make([]observation, 0, len(rows))
	for _, r := range rows {
		out = append(out, observation{
			kind: KindChannelFailing, subject: r.Channel, count: 1, add: 1, seen: now,
			summary: fmt.Sprintf("notification channel %s is failing: %d deliveries failed and %d are being retried in the last %s (%d users); last error: %s",
				r.Channel, r.Failed, r.Retrying, short(window), r.Users, clip(r.LastError, 300)),
			details: map[string]any{"channel": r.Channel, "failed": r.Failed, "retrying": r.Retrying, "users": r.Users,
				"last_failure_at": r.LastFailureAt, "last_error": clip(r.LastError, 1000), "window_seconds": int64(window.Seconds())},
		})
	}
	return out, nil
}

// short formats a duration to the second.
func short(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// clip cuts s to n runes.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
