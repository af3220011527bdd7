package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedules"
)

type backfillData struct {
	S        dbsqlc.JobSchedule
	From, To string
	Errors   map[string]string
	General  string
	// Fires is the dry-run list (DryRun) or what the backfill did.
	Fires    []schedules.BackfillFire
	DryRun   bool
	Done     bool
	Enqueued int
}

// parseInstant reads a datetime-local value (taken as UTC) or RFC 3339.
func parseInstant(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (c *Console) backfillPage(w http.ResponseWriter, r *http.Request, s *session) {
	_, row, ok := c.schedule(w, r, s)
	if !ok {
		return
	}
	now := c.now().UTC()
	d := backfillData{S: row, From: now.Add(-time.Hour).Format("2006-01-02T15:04"), To: now.Format("2006-01-02T15:04"),
		Errors: map[string]string{}}
	c.render(w, r, s, http.StatusOK, "schedules_backfill", "Backfill "+row.Name, d)
}

// backfillPost lists the fires of the range (action preview, a dry run) or
// runs them (action run).
func (c *Console) backfillPost(w http.ResponseWriter, r *http.Request, s *session) {
	id, row, ok := c.schedule(w, r, s)
	if !ok {
		return
	}
	ctx := r.Context()
	d := backfillData{S: row, From: r.PostFormValue("from"), To: r.PostFormValue("to"), Errors: map[string]string{}}
	action := r.PostFormValue("action")
	if action != "preview" && action != "run" {
		d.Errors["action"] = "action: must be preview or run"
	}
	d.DryRun = action != "run"
	from, okFrom := parseInstant(d.From)
	if !okFrom {
		d.Errors["from"] = "from: a date and time such as 2026-12-04T09:30 (UTC)"
	}
	to, okTo := parseInstant(d.To)
	if !okTo {
		d.Errors["to"] = "to: a date and time such as 2026-12-04T10:30 (UTC)"
	}
	if len(d.Errors) > 0 {
		c.render(w, r, s, http.StatusUnprocessableEntity, "schedules_backfill", "Backfill "+row.Name, d)
		return
	}
	err := c.inTx(r, func(tx pgx.Tx) error {
		var err error
		d.Fires, err = c.svc.Backfill(ctx, tx, s.scheduleActor(), id, from, to, d.DryRun)
		return err
	})
	if err != nil {
		fields, general, status, ok := c.refusal(w, r, s, err)
		if !ok {
			return
		}
		d.Errors, d.General = fields, general
		c.render(w, r, s, status, "schedules_backfill", "Backfill "+row.Name, d)
		return
	}
	d.Done = !d.DryRun
	for _, f := range d.Fires {
		if f.Enqueued {
			d.Enqueued++
		}
	}
	c.render(w, r, s, http.StatusOK, "schedules_backfill", "Backfill "+row.Name, d)
}
