package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/vigilhq/vigil/config"
)

// componentOf is the log component of a job kind's worker: the design's
// alert_evaluator for alerts, the kind otherwise.
func componentOf(kind string) string {
	switch kind {
	case config.JobAlert:
		return "alert_evaluator"
	case config.JobNotification:
		return "notify"
	}
	return kind
}

// jobName is the design's name of a run in log lines: the job type and the
// schedule id ("alert_123"), or the run id for a run without a schedule
// ("report_run45").
func jobName(kind string, ref RunRef) string {
	if ref.ScheduleID != 0 {
		return kind + "_" + strconv.FormatInt(ref.ScheduleID, 10)
	}
	return kind + "_run" + strconv.FormatInt(ref.RunID, 10)
}

// seconds is d in seconds, to the millisecond.
func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// formatSeconds writes seconds as the design's "2.3s".
func formatSeconds(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) + "s" }

// logRunOutcome writes the design's line for one run's attempt: INFO "Job
// alert_123 executed successfully in 2.3s", ERROR "Job screener_456
// failed: …" when it will not be retried, WARN when it will be (or was
// cancelled). component is added unless "" (log carries it already).
// Fields: job_id (the schedule id), run_id, user_id, river_job_id,
// job_type, attempt and the group context (execution_time in seconds, plus
// extra). Nothing is built when the level is off.
func logRunOutcome(ctx context.Context, log *slog.Logger, component, kind string, ref RunRef, riverJobID int64, attempt int,
	status, msg string, took time.Duration, extra ...any) {
	var level slog.Level
	switch {
	case status == StatusCompleted:
		level = slog.LevelInfo
	case status == StatusFailed:
		level = slog.LevelError
	case status == StatusCancelled, status == StatusPending && msg != "":
		level = slog.LevelWarn
	default:
		return // snoozed
	}
	if !log.Enabled(ctx, level) {
		return
	}
	name := jobName(kind, ref)
	secs := seconds(took)
	var text string
	switch status {
	case StatusCompleted:
		text = fmt.Sprintf("Job %s executed successfully in %s", name, formatSeconds(secs))
	case StatusFailed:
		text = fmt.Sprintf("Job %s failed: %s", name, msg)
	case StatusCancelled:
		text = fmt.Sprintf("Job %s cancelled: %s", name, msg)
	default:
		text = fmt.Sprintf("Job %s failed, will retry: %s", name, msg)
	}
	attrs := make([]any, 0, 16)
	if component != "" {
		attrs = append(attrs, "component", component)
	}
	attrs = append(attrs, "job_id", ref.ScheduleID, "run_id", ref.RunID, "user_id", ref.UserID,
		"river_job_id", riverJobID, "job_type", kind, "attempt", attempt,
		slog.Group("context", append([]any{"execution_time", secs}, extra...)...))
	log.Log(ctx, level, text, attrs...)
}

// riverJobIDs renames River's "job_id" attribute (River's job id) to
// "river_job_id" in River's own log lines, so that job_id means the
// schedule id in every line Vigil writes (the design's structured logs).
type riverJobIDs struct{ slog.Handler }

// Handle renames the attribute in r.
func (h riverJobIDs) Handle(ctx context.Context, r slog.Record) error {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == "job_id"
		return !found
	})
	if !found {
		return h.Handler.Handle(ctx, r)
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(renameJobID(a))
		return true
	})
	return h.Handler.Handle(ctx, nr)
}

// WithAttrs renames the attribute in attrs.
func (h riverJobIDs) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = renameJobID(a)
	}
	return riverJobIDs{h.Handler.WithAttrs(out)}
}

// WithGroup keeps renaming inside the group.
func (h riverJobIDs) WithGroup(name string) slog.Handler {
	return riverJobIDs{h.Handler.WithGroup(name)}
}

func renameJobID(a slog.Attr) slog.Attr {
	if a.Key == "job_id" {
		a.Key = "river_job_id"
	}
	return a
}
