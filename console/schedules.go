package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// pageSize is how many rows a list page shows.
const pageSize = 25

var (
	scheduleStatuses = []string{"enabled", "waiting", "paused", "disabled"}
	scheduleSorts    = []string{"id", "name", "-name", "next", "-next", "type", "-type", "-id"}
)

// scheduleRow is one line of the schedules page.
type scheduleRow struct {
	dbsqlc.ConsoleScheduleListRow
	Status, Reason string
	Strip          []stripCell
}

type stripCell struct {
	RunID  int64
	Status string
}

type schedulesData struct {
	Rows     []scheduleRow
	Total    int
	Page     int
	Pages    int
	Query    url.Values
	PrevPage url.Values
	NextPage url.Values
	SortBy   map[string]url.Values
	Types    []string
	Statuses []string
	Users    []dbsqlc.ConsoleUserListRow
	Now      time.Time
}

// status is a schedule's state in a word and why.
func status(enabled bool, paused, disabled, wait *string) (string, string) {
	switch {
	case enabled && wait != nil:
		return "waiting", *wait
	case enabled:
		return "enabled", ""
	case disabled != nil:
		return "disabled", *disabled
	}
	return "paused", deref(paused)
}

// listQuery reads and checks the filters of a list page: an unknown value
// is a 400 naming the parameter.
type listQuery struct {
	v   url.Values
	bad string // "param: problem"
}

func (l *listQuery) oneOf(name string, allowed []string) *string {
	s := strings.TrimSpace(l.v.Get(name))
	if s == "" {
		return nil
	}
	if !slices.Contains(allowed, s) && l.bad == "" {
		l.bad = name + ": must be one of " + strings.Join(allowed, ", ")
	}
	return &s
}

func (l *listQuery) positive(name string) int64 {
	s := strings.TrimSpace(l.v.Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if (err != nil || n < 1) && l.bad == "" {
		l.bad = name + ": must be a whole number of at least 1"
		return 0
	}
	return n
}

func (l *listQuery) text(name string, max int) *string {
	s := strings.TrimSpace(l.v.Get(name))
	if s == "" {
		return nil
	}
	if len(s) > max && l.bad == "" {
		l.bad = name + ": at most " + strconv.Itoa(max) + " characters"
	}
	return &s
}

// owner reads the admins' owner filter; a non-admin asking for another
// user's rows is refused.
func (l *listQuery) owner(s *session) *int64 {
	id := l.positive("owner")
	if id == 0 {
		return nil
	}
	if !s.IsAdmin && id != s.UserID && l.bad == "" {
		l.bad = "owner: only admins see other users' rows"
	}
	return &id
}

func (l *listQuery) err() (string, string, bool) {
	if l.bad == "" {
		return "", "", false
	}
	field, msg, _ := strings.Cut(l.bad, ": ")
	return field, msg, true
}

// with returns the query with key set to value (removed when "").
func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

func (c *Console) schedulesPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	lq := &listQuery{v: r.URL.Query()}
	jobType := lq.oneOf("type", config.AllJobTypes())
	st := lq.oneOf("status", scheduleStatuses)
	text := lq.text("q", 200)
	sort := lq.oneOf("sort", scheduleSorts)
	page := int(lq.positive("page"))
	owner := lq.owner(s)
	if field, msg, bad := lq.err(); bad {
		c.badRequest(w, r, s, field, msg)
		return
	}
	if page == 0 {
		page = 1
	}
	sortBy := "-id"
	if sort != nil {
		sortBy = *sort
	}
	var ownerID *int32
	if owner != nil {
		o := int32(*owner)
		ownerID = &o
	}
	uid, all := s.scheduleActor().UserID, s.IsAdmin
	total, err := c.q.ConsoleScheduleCount(ctx, c.pool, dbsqlc.ConsoleScheduleCountParams{UserID: int32(uid), AllUsers: all,
		OwnerID: ownerID, JobType: jobType, Status: st, Text: text})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	rows, err := c.q.ConsoleScheduleList(ctx, c.pool, dbsqlc.ConsoleScheduleListParams{UserID: int32(uid), AllUsers: all,
		OwnerID: ownerID, JobType: jobType, Status: st, Text: text, Sort: sortBy,
		MaxRows: pageSize, Skip: int32((page - 1) * pageSize)})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	q := r.URL.Query()
	d := schedulesData{Total: int(total), Page: page, Pages: max(1, (int(total)+pageSize-1)/pageSize), Query: q,
		Types: config.AllJobTypes(), Statuses: scheduleStatuses, Now: c.now(), SortBy: map[string]url.Values{}}
	for _, k := range []string{"name", "type", "next", "id"} {
		next := k
		if sortBy == k {
			next = "-" + k
		}
		d.SortBy[k] = with(q, "sort", next, "page", "")
	}
	if page > 1 {
		d.PrevPage = with(q, "page", strconv.Itoa(page-1))
	}
	if page < d.Pages {
		d.NextPage = with(q, "page", strconv.Itoa(page+1))
	}
	if s.IsAdmin {
		if d.Users, err = c.q.ConsoleUserList(ctx, c.pool); err != nil {
			c.fail(w, r, s, err)
			return
		}
	}
	for _, row := range rows {
		sr := scheduleRow{ConsoleScheduleListRow: row}
		sr.Status, sr.Reason = status(row.Enabled, row.PausedNote, row.DisabledReason, row.WaitReason)
		for i, st := range row.StripStatuses {
			sr.Strip = append(sr.Strip, stripCell{RunID: row.StripIds[i], Status: st})
		}
		d.Rows = append(d.Rows, sr)
	}
	c.render(w, r, s, http.StatusOK, "schedules", "Schedules", d)
}
