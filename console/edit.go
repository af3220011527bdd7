package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedules"
)

// editForm is the edit form's fields as typed, kept to show again beside
// their errors.
type editForm struct {
	ID                                                int32
	ETag                                              string
	Name, JobType, Target, TaskParams, Cron, Timezone string
	Enabled, PauseOnFailure                           bool
	MisfireGraceTime, Catchup, MaxCatchup, Overlap    string
	MaxInstances, DstGap, DstFold, JitterSeconds      string
	RemainingRuns                                     string
	Errors                                            map[string]string
	General                                           string
}

func optInt(p *int32) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(int(*p))
}

func formOf(r dbsqlc.JobSchedule) editForm {
	return editForm{ID: r.ID, ETag: schedules.ETag(r), Name: r.Name, JobType: r.JobType, Target: r.Target,
		TaskParams: prettyJSON(r.TaskParams), Cron: r.Cron, Timezone: r.Timezone, Enabled: r.Enabled,
		PauseOnFailure: r.PauseOnFailure, MisfireGraceTime: optInt(r.MisfireGraceTime), Catchup: deref(r.Catchup),
		MaxCatchup: optInt(r.MaxCatchup), Overlap: deref(r.Overlap), MaxInstances: optInt(r.MaxInstances),
		DstGap: r.DstGap, DstFold: r.DstFold, JitterSeconds: strconv.Itoa(int(r.JitterSeconds)),
		RemainingRuns: optInt(r.RemainingRuns), Errors: map[string]string{}}
}

func (c *Console) editPage(w http.ResponseWriter, r *http.Request, s *session) {
	_, row, ok := c.schedule(w, r, s)
	if !ok {
		return
	}
	c.render(w, r, s, http.StatusOK, "schedules_edit", "Edit "+row.Name, formOf(row))
}

// readForm reads the posted form into an editForm and a Definition; a
// number that does not parse is an error beside its field.
func readForm(r *http.Request, id int32) (editForm, schedules.Definition) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := editForm{ID: id, ETag: r.PostFormValue("etag"), Name: v("name"), JobType: v("job_type"), Target: v("target"),
		TaskParams: r.PostFormValue("task_params"), Cron: v("cron"), Timezone: v("timezone"),
		Enabled: r.PostFormValue("enabled") != "", PauseOnFailure: r.PostFormValue("pause_on_failure") != "",
		MisfireGraceTime: v("misfire_grace_time"), Catchup: v("catchup"), MaxCatchup: v("max_catchup"),
		Overlap: v("overlap"), MaxInstances: v("max_instances"), DstGap: v("dst_gap"), DstFold: v("dst_fold"),
		JitterSeconds: v("jitter_seconds"), RemainingRuns: v("remaining_runs"), Errors: map[string]string{}}
	enabled := f.Enabled
	d := schedules.Definition{Name: f.Name, JobType: f.JobType, Target: f.Target, Cron: f.Cron, Timezone: f.Timezone,
		Enabled: &enabled, DstGap: f.DstGap, DstFold: f.DstFold, PauseOnFailure: f.PauseOnFailure}
	if strings.TrimSpace(f.TaskParams) != "" {
		d.TaskParams = json.RawMessage(f.TaskParams)
	}
	num := func(field, s string, min int) *int32 {
		if s == "" {
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < int64(min) {
			f.Errors[field] = fmt.Sprintf("%s: must be a whole number of at least %d", field, min)
			return nil
		}
		v := int32(n)
		return &v
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	d.MisfireGraceTime = num("misfire_grace_time", f.MisfireGraceTime, 0)
	d.MaxCatchup = num("max_catchup", f.MaxCatchup, 1)
	d.MaxInstances = num("max_instances", f.MaxInstances, 1)
	d.RemainingRuns = num("remaining_runs", f.RemainingRuns, 0)
	if j := num("jitter_seconds", f.JitterSeconds, 0); j != nil {
		d.JitterSeconds = *j
	}
	d.Catchup, d.Overlap = opt(f.Catchup), opt(f.Overlap)
	checkEnum := func(field string, p *string, allowed ...string) {
		if p != nil && !contains(allowed, *p) {
			f.Errors[field] = field + ": must be one of " + strings.Join(allowed, ", ")
		}
	}
	checkEnum("catchup", d.Catchup, "skip", "coalesce", "latest", "all")
	checkEnum("overlap", d.Overlap, "skip", "buffer_one", "buffer_all", "cancel_other", "allow_all")
	if f.DstGap != "" {
		checkEnum("dst_gap", &f.DstGap, "shift", "skip")
	}
	if f.DstFold != "" {
		checkEnum("dst_fold", &f.DstFold, "first", "both")
	}
	if d.JitterSeconds > 86400 {
		f.Errors["jitter_seconds"] = "jitter_seconds: at most 86400"
	}
	if f.Name == "" {
		f.Errors["name"] = "name: required"
	}
	if f.Cron == "" {
		f.Errors["cron"] = "cron: required"
	}
	return f, d
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (c *Console) editPost(w http.ResponseWriter, r *http.Request, s *session) {
	// Another user's schedule is a 404 page before the form is looked at.
	id, _, ok := c.schedule(w, r, s)
	if !ok {
		return
	}
	f, d := readForm(r, id)
	if len(f.Errors) > 0 {
		c.render(w, r, s, http.StatusUnprocessableEntity, "schedules_edit", "Edit "+f.Name, f)
		return
	}
	err := c.inTx(r, func(tx pgx.Tx) error {
		_, err := c.svc.Replace(r.Context(), tx, s.scheduleActor(), id, f.ETag, d)
		return err
	})
	if err != nil {
		fields, general, status, ok := c.refusal(w, r, s, err)
		if !ok {
			return
		}
		f.Errors, f.General = fields, general
		for k, m := range fields {
			if !contains(formFields, k) {
				// A field the form has no box for: say it at the top.
				f.General = strings.TrimPrefix(f.General+"; "+m, "; ")
				delete(f.Errors, k)
			}
		}
		c.render(w, r, s, status, "schedules_edit", "Edit "+f.Name, f)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s/schedules/%d?done=saved", Prefix, id), http.StatusSeeOther)
}

// formFields are the fields the edit form has a box for.
var formFields = []string{"name", "job_type", "target", "task_params", "cron", "timezone", "enabled",
	"misfire_grace_time", "catchup", "max_catchup", "overlap", "max_instances", "dst_gap", "dst_fold",
	"jitter_seconds", "remaining_runs", "pause_on_failure"}
