package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schedules"
)

// previewFires is how many next fires the detail page lists.
const previewFires = 10

type runView struct {
	dbsqlc.JobScheduleRun
	// Lag is how late the run started after its fire; Duration how long it ran.
	Lag, Duration string
}

func toRunView(r dbsqlc.JobScheduleRun) runView {
	v := runView{JobScheduleRun: r}
	if r.StartedAt != nil {
		v.Lag = fmtDuration(r.StartedAt.Sub(r.ScheduledFor))
	}
	if r.StartedAt != nil && r.FinishedAt != nil {
		v.Duration = fmtDuration(r.FinishedAt.Sub(*r.StartedAt))
	}
	return v
}

type scheduleData struct {
	S              dbsqlc.JobSchedule
	ETag           string
	Status, Reason string
	Fires          []schedule.Fire
	PreviewError   string
	Runs           []runView
	Notice         string
	Now            time.Time
	Alert          *alertView
}

// scheduleID reads the {id} of the path; false (after a 404 page) when it
// is not a schedule id.
func (c *Console) scheduleID(w http.ResponseWriter, r *http.Request, s *session) (int32, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 32)
	if err != nil || id < 1 {
		c.notFound(w, r, s, fmt.Sprintf("schedule %q not found", r.PathValue("id")))
		return 0, false
	}
	return int32(id), true
}

// schedule reads the path's schedule as the session's user may see it, or
// answers (404 page, refusal) and returns ok false.
func (c *Console) schedule(w http.ResponseWriter, r *http.Request, s *session) (int32, dbsqlc.JobSchedule, bool) {
	id, ok := c.scheduleID(w, r, s)
	if !ok {
		return 0, dbsqlc.JobSchedule{}, false
	}
	row, err := c.svc.Get(r.Context(), c.pool, s.scheduleActor(), id)
	if err != nil {
		c.actionError(w, r, s, err)
		return 0, dbsqlc.JobSchedule{}, false
	}
	return id, row, true
}

// notices are the confirmations shown after an action (?done=...).
var notices = map[string]string{
	"paused": "Paused.", "resumed": "Resumed: planned from now.", "saved": "Saved.", "triggered": "Triggered: the run is queued.",
}

func (c *Console) schedulePage(w http.ResponseWriter, r *http.Request, s *session) {
	id, row, ok := c.schedule(w, r, s)
	if !ok {
		return
	}
	ctx := r.Context()
	d := scheduleData{S: row, ETag: schedules.ETag(row), Now: c.now(), Notice: notices[r.URL.Query().Get("done")]}
	if run := r.URL.Query().Get("run"); d.Notice != "" && run != "" {
		if n, err := strconv.Atoi(run); err == nil {
			d.Notice = strings.TrimSuffix(d.Notice, ".") + fmt.Sprintf(" (run %d).", n)
		}
	}
	d.Status, d.Reason = status(row.Enabled, row.PausedNote, row.DisabledReason, row.WaitReason)
	if sch, err := schedules.ParseStored(row); err != nil {
		d.PreviewError = err.Error()
	} else {
		d.Fires = sch.Preview(c.now(), previewFires)
	}
	sid := int64(id)
	runs, err := c.q.RunListScoped(ctx, c.pool, dbsqlc.RunListScopedParams{UserID: s.UserID, IsAdmin: s.IsAdmin,
		ScheduleID: &sid, MaxRows: 50})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	for _, run := range runs {
		d.Runs = append(d.Runs, toRunView(run))
	}
	if row.JobType == "alert" {
		if d.Alert, err = c.alertView(ctx, s, row, runs); err != nil {
			c.fail(w, r, s, err)
			return
		}
	}
	c.render(w, r, s, http.StatusOK, "schedules_detail", row.Name, d)
}

// inTx runs f in a transaction.
func (c *Console) inTx(r *http.Request, f func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(r.Context(), c.pool, f)
}

func (c *Console) pausePost(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := c.scheduleID(w, r, s)
	if !ok {
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if len(note) > 500 {
		c.badRequest(w, r, s, "note", "at most 500 characters")
		return
	}
	if note == "" {
		note = "paused in the console by " + s.Name
	}
	err := c.inTx(r, func(tx pgx.Tx) error {
		_, err := c.svc.Pause(r.Context(), tx, s.scheduleActor(), id, note)
		return err
	})
	if err != nil {
		c.actionError(w, r, s, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s/schedules/%d?done=paused", Prefix, id), http.StatusSeeOther)
}

func (c *Console) resumePost(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := c.scheduleID(w, r, s)
	if !ok {
		return
	}
	err := c.inTx(r, func(tx pgx.Tx) error {
		_, err := c.svc.Resume(r.Context(), tx, s.scheduleActor(), id)
		return err
	})
	if err != nil {
		c.actionError(w, r, s, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s/schedules/%d?done=resumed", Prefix, id), http.StatusSeeOther)
}

func (c *Console) triggerPost(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := c.scheduleID(w, r, s)
	if !ok {
		return
	}
	force, err := checkbox(r, "force")
	if err != nil {
		c.badRequest(w, r, s, "force", err.Error())
		return
	}
	var runID int64
	err = c.inTx(r, func(tx pgx.Tx) error {
		var err error
		runID, err = c.svc.Trigger(r.Context(), tx, s.scheduleActor(), id, force)
		return err
	})
	if err != nil {
		c.actionError(w, r, s, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s/schedules/%d?done=triggered&run=%d", Prefix, id, runID), http.StatusSeeOther)
}

// checkbox reads an HTML checkbox: absent or "on"/"true"/"1".
func checkbox(r *http.Request, name string) (bool, error) {
	switch v := r.PostFormValue(name); v {
	case "":
		return false, nil
	case "on", "true", "1":
		return true, nil
	default:
		return false, fmt.Errorf("must be on or absent, not %q", v)
	}
}
