package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Another user's schedule is a 404 page on every page and action of the
// schedule, and nothing changes; an admin sees it.
func TestScheduleDetailAndActionsScopedToOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, bob, root := b.user("ann", false), b.user("bob", false), b.user("root", true)
	bobs := b.schedule(bob, "bob's ping", "*/5 * * * *")
	br := b.browser().login(ann)
	for _, p := range []string{"/console/schedules/%d", "/console/schedules/%d/edit", "/console/schedules/%d/backfill"} {
		pg := br.get(path(p, bobs))
		require.Equal(t, http.StatusNotFound, pg.status, p)
		contains(t, pg, `id="heading">Not found`)
		require.NotContains(t, pg.body, "bob&#39;s ping")
	}
	for _, a := range []struct {
		path string
		kv   []string
	}{
		{"/console/schedules/%d/pause", nil},
		{"/console/schedules/%d/resume", nil},
		{"/console/schedules/%d/trigger", nil},
		{"/console/schedules/%d/backfill", []string{"action", "run", "from", "2026-01-01T00:00", "to", "2026-01-02T00:00"}},
		{"/console/schedules/%d/edit", []string{"name", "mine now", "cron", "* * * * *", "job_type", "notification", "target", "demo", "timezone", "UTC"}},
	} {
		p := br.action(path(a.path, bobs), a.kv...)
		require.Equal(t, http.StatusNotFound, p.status, a.path)
	}
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND enabled AND name = 'bob''s ping' AND revision = 1", bobs))
	require.Zero(t, b.count("SELECT count(*) FROM job_schedule_runs WHERE job_id = $1", bobs))
	require.Zero(t, b.count("SELECT count(*) FROM audit_log WHERE action LIKE 'schedule.%' AND actor_user_id = $1", ann.id))

	p := b.browser().login(root).get(path("/console/schedules/%d", bobs))
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, "bob&#39;s ping", "every 5 minutes")
}

var previewRowRe = regexp.MustCompile(`(?s)<table class="list" id="preview">.*?<tbody>(.*?)</tbody>`)

// The detail page shows the columns, the next 10 fires with a DST-moved
// fire flagged, and the schedule's runs.
func TestScheduleDetailShowsPreviewAndRuns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	id := b.schedule(ann, "nightly", "30 2 * * *") // 02:30 New York: missing on the spring-forward day
	b.exec("INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for, skip_reason) VALUES ('notification', $1, $2, 'SKIPPED', now() - interval '1 day', 'overlap')", id, ann.id)
	p := b.browser().login(ann).get(path("/console/schedules/%d", id))
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, "nightly", "America/New_York", "every day at 02:30", "skipped: overlap", `id="state">enabled`)
	m := previewRowRe.FindStringSubmatch(p.body)
	require.NotNil(t, m)
	require.Equal(t, 10, strings.Count(m[1], "<tr>"), "the next 10 fires")

	// From just before the 2027 spring-forward (14 March), the first fire is moved.
	b.exec("UPDATE job_schedules SET cron = '30 2 14 3 *' WHERE id = $1", id)
	p = b.browser().login(ann).get(path("/console/schedules/%d", id))
	contains(t, p, "moved (gap)")
}

// Pause (with a note), resume and trigger go through the schedule service:
// the database changes, audit rows name the console, and the page says so.
func TestScheduleActions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	id := b.schedule(ann, "mine", "0 9 * * 1-5")
	br := b.browser().login(ann)

	p := br.action(path("/console/schedules/%d/pause", id), "note", "on holiday")
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, path("/console/schedules/%d?done=paused", id), p.header.Get("Location"))
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND NOT enabled AND paused_note = 'on holiday'", id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.pause' AND actor_user_id = $1 AND source = 'console' AND entity_id = $2::int::text", ann.id, id))
	page := br.get(p.header.Get("Location"))
	contains(t, page, `id="notice">Paused.`, `id="state">paused`, "on holiday", `id="resume"`)

	p = br.action(path("/console/schedules/%d/resume", id))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND enabled AND paused_note IS NULL", id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.resume' AND source = 'console' AND entity_id = $1::int::text", id))

	p = br.action(path("/console/schedules/%d/trigger", id))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	m := regexp.MustCompile(`done=triggered&run=(\d+)$`).FindStringSubmatch(p.header.Get("Location"))
	require.NotNil(t, m, p.header.Get("Location"))
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedule_runs WHERE id = $1::int AND job_id = $2 AND trigger = 'manual'", m[1], id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.trigger' AND source = 'console' AND entity_id = $1::int::text", id))
	page = br.get(p.header.Get("Location"))
	contains(t, page, "(run "+m[1]+").", `data-run-id="`+m[1]+`"`)
}

// Bad action input is a 400 naming the field; nothing changes.
func TestScheduleActionsRefuseBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	id := b.schedule(ann, "mine", "0 9 * * 1-5")
	br := b.browser().login(ann)
	p := br.action(path("/console/schedules/%d/pause", id), "note", strings.Repeat("x", 501))
	require.Equal(t, http.StatusBadRequest, p.status)
	contains(t, p, "note: at most 500 characters")
	p = br.action(path("/console/schedules/%d/trigger", id), "force", "yes please")
	require.Equal(t, http.StatusBadRequest, p.status)
	contains(t, p, "force: must be on or absent")
	for _, a := range []string{"pause", "resume", "trigger", "edit", "backfill"} {
		require.Equal(t, http.StatusNotFound, br.action("/console/schedules/abc/"+a).status, a)
		require.Equal(t, http.StatusNotFound, br.action("/console/schedules/99999/"+a).status, a)
	}
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND enabled", id))
	require.Zero(t, b.count("SELECT count(*) FROM job_schedule_runs WHERE job_id = $1", id))
}

var etagRe = regexp.MustCompile(`name="etag" value="([^"]+)"`)

// editForm is the schedule's edit form as the browser would post it back.
func (br *browser) editForm(id int32) url.Values {
	br.b.t.Helper()
	p := br.get(path("/console/schedules/%d/edit", id))
	require.Equal(br.b.t, http.StatusOK, p.status)
	m := etagRe.FindStringSubmatch(p.body)
	require.NotNil(br.b.t, m)
	return url.Values{"csrf": {br.csrf()}, "etag": {html.UnescapeString(m[1])}, "name": {"mine"}, "job_type": {"notification"}, "target": {"demo"},
		"cron": {"0 9 * * 1-5"}, "timezone": {"America/New_York"}, "enabled": {"on"}, "dst_gap": {"shift"}, "dst_fold": {"first"},
		"jitter_seconds": {"0"}, "task_params": {`{"user_id": ` + ownerOf(br.b, id) + `, "message": "hi", "priority": "normal", "notification_type": "system", "channels": ["telegram"]}`}}
}

// ownerOf is the user id of a schedule, as text.
func ownerOf(b *bundle, id int32) string {
	var uid string
	require.NoError(b.t, b.pool.QueryRow(b.ctx, "SELECT user_id::text FROM job_schedules WHERE id = $1", id).Scan(&uid))
	return uid
}

var fieldErrRe = regexp.MustCompile(`<span class="field-error" data-field="([a-z_.]+)">([^<]*)</span>`)

func fieldErrors(body string) map[string]string {
	out := map[string]string{}
	for _, m := range fieldErrRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The edit form shows each refusal beside its field, keeps what was typed,
// refuses a stale ETag (a concurrent edit) and saves a good edit.
func TestScheduleEdit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	id := b.schedule(ann, "mine", "0 9 * * 1-5")
	br := b.browser().login(ann)

	for _, c := range []struct {
		field, value, want string
	}{
		{"cron", "61 * * * *", "minute field: 61 out of range 0-59"},
		{"timezone", "Mars/Olympus", "timezone"},
		{"jitter_seconds", "soon", "jitter_seconds: must be a whole number of at least 0"},
		{"max_instances", "0", "max_instances: must be a whole number of at least 1"},
		{"overlap", "sometimes", "overlap: must be one of"},
		{"task_params", `{"user_id": 1`, "task_params"},
		{"name", "", "name: required"},
	} {
		form := br.editForm(id)
		form.Set(c.field, c.value)
		p := br.post(path("/console/schedules/%d/edit", id), form)
		require.Equal(t, http.StatusUnprocessableEntity, p.status, "%s=%q: %s", c.field, c.value, p.body)
		errs := fieldErrors(p.body)
		require.Contains(t, errs, c.field, "%s=%q: %v", c.field, c.value, errs)
		require.Contains(t, errs[c.field], c.want)
		if c.value != "" && c.field != "task_params" && c.field != "overlap" {
			contains(t, p, `value="`+c.value+`"`)
		}
	}
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND revision = 1 AND cron = '0 9 * * 1-5'", id))

	stale := br.editForm(id)
	fresh := br.editForm(id)
	fresh.Set("cron", "0 10 * * 1-5")
	p := br.post(path("/console/schedules/%d/edit", id), fresh)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, path("/console/schedules/%d?done=saved", id), p.header.Get("Location"))
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND cron = '0 10 * * 1-5'", id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.update' AND source = 'console' AND entity_id = $1::int::text", id))

	stale.Set("cron", "0 11 * * 1-5")
	p = br.post(path("/console/schedules/%d/edit", id), stale)
	require.Equal(t, http.StatusPreconditionFailed, p.status)
	contains(t, p, `id="form-error">Someone changed this schedule`)
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND cron = '0 10 * * 1-5'", id), "not overwritten")
}

// Backfill previews the range's fires without queuing, then runs them;
// bad input comes back beside its field.
func TestScheduleBackfill(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	id := b.schedule(ann, "mine", "0 9 * * *")
	br := b.browser().login(ann)
	require.Equal(t, http.StatusOK, br.get(path("/console/schedules/%d/backfill", id)).status)

	to := time.Now().UTC().Truncate(time.Hour)
	from := to.Add(-72 * time.Hour)
	f, tt := from.Format("2006-01-02T15:04"), to.Format("2006-01-02T15:04")
	for _, c := range []struct{ kv []string }{
		{[]string{"action", "preview", "from", "yesterday", "to", tt}},
		{[]string{"action", "preview", "from", f, "to", "soon"}},
		{[]string{"action", "launch", "from", f, "to", tt}},
	} {
		p := br.action(path("/console/schedules/%d/backfill", id), c.kv...)
		require.Equal(t, http.StatusUnprocessableEntity, p.status, c.kv)
		errs := fieldErrors(p.body)
		require.Len(t, errs, 1, c.kv)
	}
	p := br.action(path("/console/schedules/%d/backfill", id), "action", "preview", "from", tt, "to", f)
	require.Equal(t, http.StatusUnprocessableEntity, p.status, "a range that ends before it starts: %s", p.body)

	p = br.action(path("/console/schedules/%d/backfill", id), "action", "preview", "from", f, "to", tt)
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Equal(t, 3, strings.Count(p.body, "<td>none</td>"), "three 09:00 fires in 72 hours")
	contains(t, p, `id="run-backfill"`)
	require.Zero(t, b.count("SELECT count(*) FROM job_schedule_runs WHERE job_id = $1", id), "a preview queues nothing")

	p = br.action(path("/console/schedules/%d/backfill", id), "action", "run", "from", f, "to", tt)
	require.Equal(t, http.StatusOK, p.status, p.body)
	contains(t, p, `id="notice">Queued 3 of 3 fires.`)
	require.Equal(t, 3, b.count("SELECT count(*) FROM job_schedule_runs WHERE job_id = $1 AND trigger = 'backfill'", id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.backfill' AND source = 'console' AND entity_id = $1::int::text", id))
}

// A run's page, its files and the runs list are the owner's: another
// user's run is a 404, an admin sees it with the River UI link.
func TestRunPagesScopedToOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, bob, root := b.user("ann", false), b.user("bob", false), b.user("root", true)
	bobs := b.schedule(bob, "bob's report", "0 9 * * *")
	var run int32
	require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for, error, river_job_id)
		VALUES ('notification', $1, $2, 'FAILED', now(), 'boom: bob''s error', 424242) RETURNING id`, bobs, bob.id).Scan(&run))
	b.exec("INSERT INTO report_artifacts (run_id, name, content_type, size_bytes, sha256, data) VALUES ($1, 'chart.png', 'image/png', 3, sha256('png'::bytea), 'png'::bytea)", run)

	br := b.browser().login(ann)
	for _, p := range []string{"/console/runs/%d", "/console/runs/%d/artifacts/chart.png"} {
		pg := br.get(path(p, run))
		require.Equal(t, http.StatusNotFound, pg.status, p)
		require.NotContains(t, pg.body, "bob&#39;s error")
	}
	p := br.get("/console/runs")
	require.Equal(t, http.StatusOK, p.status)
	require.NotContains(t, p.body, path(`data-run-id="%d"`, run))
	p = br.get(path("/console/runs?schedule=%d", bobs))
	require.NotContains(t, p.body, path(`data-run-id="%d"`, run))

	bobb := b.browser().login(bob)
	p = bobb.get(path("/console/runs/%d", run))
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, "boom: bob&#39;s error", `src="/console/runs/`)
	require.NotContains(t, p.body, "riverui-link", "the River UI link is for admins")
	art := bobb.get(path("/console/runs/%d/artifacts/chart.png", run))
	require.Equal(t, http.StatusOK, art.status)
	require.Equal(t, "image/png", art.header.Get("Content-Type"))
	require.Equal(t, "png", art.body)
	for _, bad := range []string{"missing.png", "..%2Fetc", ".hidden"} {
		require.Equal(t, http.StatusNotFound, bobb.get(path("/console/runs/%d/artifacts/%s", run, bad)).status, bad)
	}
	p = bobb.get("/console/runs?status=FAILED")
	contains(t, p, path(`data-run-id="%d"`, run))
	p = bobb.get("/console/runs?status=COMPLETED")
	require.NotContains(t, p.body, path(`data-run-id="%d"`, run))

	p = b.browser().login(root).get(path("/console/runs/%d", run))
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, `id="riverui-link" href="/riverui/jobs/424242"`)
}
