package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

var runStatuses = []string{"PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "SKIPPED"}

type runsData struct {
	Runs     []runView
	Query    url.Values
	NextPage url.Values
	Types    []string
	Statuses []string
	Users    []dbsqlc.ConsoleUserListRow
}

func (c *Console) runsPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	lq := &listQuery{v: r.URL.Query()}
	arg := dbsqlc.RunListScopedParams{UserID: s.UserID, IsAdmin: s.IsAdmin, MaxRows: pageSize + 1}
	arg.JobType = lq.oneOf("type", config.AllJobTypes())
	arg.Status = lq.oneOf("status", runStatuses)
	if id := lq.positive("schedule"); id > 0 {
		arg.ScheduleID = &id
	}
	arg.OwnerID = lq.owner(s)
	if b := lq.positive("before"); b > 0 {
		v := int64(b)
		arg.BeforeID = &v
	}
	for _, k := range []string{"from", "to"} {
		v := lq.v.Get(k)
		if v == "" {
			continue
		}
		t, ok := parseInstant(v)
		if !ok && lq.bad == "" {
			lq.bad = k + ": a date and time such as 2026-12-04T09:30 (UTC) or RFC 3339"
		}
		if k == "from" {
			arg.FromAt = &t
		} else {
			arg.ToAt = &t
		}
	}
	if field, msg, bad := lq.err(); bad {
		c.badRequest(w, r, s, field, msg)
		return
	}
	rows, err := c.q.RunListScoped(ctx, c.pool, arg)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	q := r.URL.Query()
	d := runsData{Query: q, Types: config.AllJobTypes(), Statuses: runStatuses}
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		d.NextPage = with(q, "before", strconv.Itoa(int(rows[len(rows)-1].ID)))
	}
	for _, row := range rows {
		d.Runs = append(d.Runs, toRunView(row))
	}
	if s.IsAdmin {
		if d.Users, err = c.q.ConsoleUserList(ctx, c.pool); err != nil {
			c.fail(w, r, s, err)
			return
		}
	}
	c.render(w, r, s, http.StatusOK, "runs", "Runs", d)
}

type attemptError struct {
	At      string `json:"at"`
	Attempt int    `json:"attempt"`
	Error   string `json:"error"`
}

type runData struct {
	Run       runView
	Job       *dbsqlc.ConsoleRiverJobRow
	Attempts  []attemptError
	Artifacts []dbsqlc.ArtifactListRow
}

// runID reads the {id} of the path.
func (c *Console) runID(w http.ResponseWriter, r *http.Request, s *session) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		c.notFound(w, r, s, fmt.Sprintf("run %q not found", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// scopedRun loads a run the user may see; false after a 404 page.
func (c *Console) scopedRun(w http.ResponseWriter, r *http.Request, s *session) (dbsqlc.JobScheduleRun, bool) {
	id, ok := c.runID(w, r, s)
	if !ok {
		return dbsqlc.JobScheduleRun{}, false
	}
	run, err := c.q.RunGetScoped(r.Context(), c.pool, dbsqlc.RunGetScopedParams{ID: id, UserID: s.UserID, IsAdmin: s.IsAdmin})
	if errors.Is(err, pgx.ErrNoRows) {
		c.notFound(w, r, s, fmt.Sprintf("run %d not found", id))
		return run, false
	}
	if err != nil {
		c.fail(w, r, s, err)
		return run, false
	}
	return run, true
}

func (c *Console) runPage(w http.ResponseWriter, r *http.Request, s *session) {
	run, ok := c.scopedRun(w, r, s)
	if !ok {
		return
	}
	ctx := r.Context()
	d := runData{Run: toRunView(run)}
	if run.RiverJobID != nil {
		job, err := c.q.ConsoleRiverJob(ctx, c.pool, *run.RiverJobID)
		switch {
		case errors.Is(err, pgx.ErrNoRows): // cleaned up by River
		case err != nil:
			c.fail(w, r, s, err)
			return
		default:
			d.Job = &job
			for _, raw := range job.Errors {
				var e attemptError
				if json.Unmarshal(raw, &e) == nil {
					d.Attempts = append(d.Attempts, e)
				}
			}
		}
	}
	arts, err := c.q.ArtifactList(ctx, c.pool, run.ID)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d.Artifacts = arts
	c.render(w, r, s, http.StatusOK, "runs_detail", fmt.Sprintf("Run %d", run.ID), d)
}

var artifactName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// artifact serves a file of a run the user may see (report charts show
// inline on the run's page).
func (c *Console) artifact(w http.ResponseWriter, r *http.Request, s *session) {
	run, ok := c.scopedRun(w, r, s)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if !artifactName.MatchString(name) {
		c.notFound(w, r, s, fmt.Sprintf("run %d has no file %q", run.ID, name))
		return
	}
	a, err := c.q.ArtifactGet(r.Context(), c.pool, dbsqlc.ArtifactGetParams{RunID: run.ID, Name: name})
	if errors.Is(err, pgx.ErrNoRows) {
		c.notFound(w, r, s, fmt.Sprintf("run %d has no file %q", run.ID, name))
		return
	}
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, a.Name))
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write(a.Data)
}
