package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

func TestScheduleCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})

	r := b.do(http.MethodPost, "/api/schedules", u.token, notifySchedule(u.id, "30 9 * * *"))
	s := b.must(http.StatusCreated, r)
	id := int64(s["id"].(float64))
	require.Equal(t, fmt.Sprintf("/api/schedules/%d", id), r.header.Get("Location"))
	require.NotEmpty(t, r.header.Get("ETag"))
	require.Equal(t, float64(u.id), s["user_id"])
	require.Equal(t, "Europe/Berlin", s["timezone"])
	require.Equal(t, true, s["enabled"])
	require.Equal(t, "shift", s["dst_gap"])
	require.Nil(t, s["catchup"], "policy defaults come from config")
	require.Nil(t, s["wait_reason"], "this build fires notifications")

	// next_run_at is the next 09:30 in Berlin, and the preview shows five fires.
	next, err := time.Parse(time.RFC3339Nano, s["next_run_at"].(string))
	require.NoError(t, err)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	require.Equal(t, "09:30", next.In(berlin).Format("15:04"))
	require.WithinDuration(t, time.Now(), next, 25*time.Hour)
	preview := s["preview"].([]any)
	require.Len(t, preview, 5)
	require.Equal(t, s["next_run_at"], preview[0].(map[string]any)["at"])

	var nextDB time.Time
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT next_run_at FROM job_schedules WHERE id = $1", id).Scan(&nextDB))
	require.True(t, next.Equal(nextDB))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'schedule.create' AND entity_id = $1 AND actor_user_id = $2",
		fmt.Sprint(id), u.id))

	// Paused at creation: no next fire.
	paused := notifySchedule(u.id, "0 * * * *")
	paused["enabled"] = false
	ps := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", u.token, paused))
	require.Nil(t, ps["next_run_at"])
	require.Nil(t, ps["preview"])

	// A job type this build has no worker for waits with a reason.
	rep := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", u.token, b.unfireableSchedule("0 8 * * 1-5")))
	require.Equal(t, "no worker for job type "+rep["job_type"].(string)+" in this build", rep["wait_reason"])
}

func TestScheduleCreateValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	admin := b.user("root", userOpts{admin: true})
	slow := b.user("slow", userOpts{minInterval: 3600})

	with := func(k string, v any) map[string]any {
		s := notifySchedule(u.id, "*/5 * * * *")
		s[k] = v
		return s
	}
	for _, tc := range []struct {
		name     string
		token    string
		body     any
		status   int
		location string
		message  string
	}{
		{"cron out of range", u.token, with("cron", "61 * * * *"), 422, "body.cron", "minute field: 61 out of range 0-59"},
		{"cron wrong field count", u.token, with("cron", "* * *"), 422, "body.cron", "expected 5 or 6 fields"},
		{"cron never fires", u.token, with("cron", "0 0 30 2 *"), 422, "body.cron", "never fires"},
		{"per-second cron for non-admin", u.token, with("cron", "*/10 * * * * *"), 422, "body.cron", "only allowed for admins"},
		{"below the default min interval", u.token, with("cron", "* * * * * *"), 422, "body.cron", ""},
		{"unknown time zone", u.token, with("timezone", "Mars/Base"), 422, "body.timezone", "Mars/Base"},
		{"task_params against the schema", u.token, with("task_params", map[string]any{"user_id": u.id, "message": "", "bogus": 1}),
			422, "body.task_params/bogus", "unknown property"},
		{"task_params not an object", u.token, with("task_params", []int{1}), 422, "body.task_params", "must be an object"},
		{"unknown job type", u.token, with("job_type", "mining"), 422, "body.job_type", ""},
		{"unknown field", u.token, with("colour", "red"), 422, "body.colour", ""},
		{"missing cron", u.token, map[string]any{"name": "x", "job_type": "notification"}, 422, "body", "cron"},
		{"bad policy", u.token, with("overlap", "sometimes"), 422, "body.overlap", ""},
		{"negative jitter", u.token, with("jitter_seconds", -1), 422, "body.jitter_seconds", ""},
		{"bad JSON", u.token, `{"name": `, 400, "", ""},
		{"notify another user", u.token, with("task_params", map[string]any{"user_id": admin.id, "message": "hi"}),
			403, "body.task_params/user_id", "only notify its owner"},
		{"backup is for admins", u.token, map[string]any{"name": "b", "job_type": "backup", "cron": "0 3 * * *",
			"task_params": map[string]any{}}, 403, "body.job_type", "admins"},
		{"user min interval", slow.token, notifySchedule(slow.id, "*/30 * * * *"), 422, "body.cron", "more often than the allowed minimum of 1h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.do(http.MethodPost, "/api/schedules", tc.token, tc.body)
			require.Equal(t, tc.status, r.status, string(r.raw))
			require.Contains(t, r.header.Get("Content-Type"), "application/problem+json")
			if tc.location != "" {
				require.Contains(t, r.errLocations(t), tc.location, string(r.raw))
			}
			require.Contains(t, string(r.raw), tc.message)
		})
	}
	require.Equal(t, 0, b.count("SELECT count(*) FROM job_schedules"), "nothing invalid was written")

	// Admins may use per-second crons and notify anyone.
	s := notifySchedule(u.id, "*/10 * * * * *")
	b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", admin.token, s))
	// The slow user may schedule hourly.
	b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", slow.token, notifySchedule(slow.id, "0 * * * *")))
}

func TestScheduleQuota(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{cfg: func(c *config.Config) { c.MaxSchedulesPerUser = 3 }})
	u := b.user("ann", userOpts{maxSchedules: 2})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})

	b.schedule(u, notifySchedule(u.id, "0 * * * *"))
	b.schedule(u, notifySchedule(u.id, "0 * * * *"))
	r := b.do(http.MethodPost, "/api/schedules", u.token, notifySchedule(u.id, "0 * * * *"))
	require.Equal(t, http.StatusForbidden, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "schedule quota reached: you have 2 schedules and may have at most 2")

	// Without a per-user quota the config's applies.
	for range 3 {
		b.schedule(other, notifySchedule(other.id, "0 * * * *"))
	}
	require.Equal(t, http.StatusForbidden, b.do(http.MethodPost, "/api/schedules", other.token, notifySchedule(other.id, "0 * * * *")).status)
	// Admins have no quota.
	for range 4 {
		b.schedule(admin, notifySchedule(admin.id, "0 * * * *"))
	}
}

func TestScheduleGetListAndPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})

	var mine []int64
	for i := range 5 {
		body := notifySchedule(u.id, "0 * * * *")
		if i%2 == 1 {
			body = reportSchedule("0 8 * * *")
			body["enabled"] = false
		}
		mine = append(mine, b.schedule(u, body))
	}
	theirs := b.schedule(other, notifySchedule(other.id, "0 * * * *"))

	got := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/schedules/%d", mine[0]), u.token, nil))
	require.Equal(t, float64(mine[0]), got["id"])
	require.Len(t, got["preview"], 5)

	ids := func(m map[string]any) []int64 {
		var out []int64
		for _, it := range m["items"].([]any) {
			out = append(out, int64(it.(map[string]any)["id"].(float64)))
		}
		return out
	}
	// Pages of two, newest first, until the cursor runs out.
	var seen []int64
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		page := b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules?limit=2&cursor="+cursor, u.token, nil))
		seen = append(seen, ids(page)...)
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []int64{mine[4], mine[3], mine[2], mine[1], mine[0]}, seen)

	require.Equal(t, []int64{mine[3], mine[1]}, ids(b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules?job_type=report", u.token, nil))))
	require.Equal(t, []int64{mine[4], mine[2], mine[0]}, ids(b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules?enabled=true", u.token, nil))))
	require.Equal(t, []int64{mine[3], mine[1]}, ids(b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules?enabled=false", u.token, nil))))
	// user_id narrows an admin's view; it cannot widen a user's.
	require.Empty(t, ids(b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/schedules?user_id=%d", other.id), u.token, nil))))
	require.Equal(t, []int64{theirs}, ids(b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/schedules?user_id=%d", other.id), admin.token, nil))))
	// Admins see everyone's.
	require.Len(t, ids(b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", admin.token, nil))), 6)
	require.Equal(t, []int64{theirs}, ids(b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", other.token, nil))))

	r := b.do(http.MethodGet, "/api/schedules?cursor=garbage", u.token, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, []string{"query.cursor"}, r.errLocations(t))
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, "/api/schedules?limit=501", u.token, nil).status)
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, "/api/schedules?enabled=maybe", u.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/api/schedules/999999", u.token, nil).status)
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, "/api/schedules/0", u.token, nil).status)
}

func TestScheduleReplaceETag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	admin := b.user("root", userOpts{admin: true})
	id := b.schedule(u, notifySchedule(u.id, "0 9 * * *"))
	path := fmt.Sprintf("/api/schedules/%d", id)

	get := b.do(http.MethodGet, path, u.token, nil)
	tag := get.header.Get("ETag")
	require.Regexp(t, `^W/"1-\d+"$`, tag)
	old := get.json(t)

	body := notifySchedule(u.id, "0 10 * * *")
	body["name"] = "renamed"
	body["overlap"] = "skip"

	r := b.do(http.MethodPut, path, u.token, body)
	require.Equal(t, http.StatusPreconditionRequired, r.status, string(r.raw))
	require.Equal(t, []string{"header.If-Match"}, r.errLocations(t))

	r = b.do(http.MethodPut, path, u.token, body, "If-Match", `W/"1-1"`)
	require.Equal(t, http.StatusPreconditionFailed, r.status, string(r.raw))
	require.Contains(t, string(r.raw), strings.Trim(strings.TrimPrefix(tag, "W/"), `"`), "names the current ETag")

	// Validation still comes first, and nothing changes.
	bad := notifySchedule(u.id, "0 25 * * *")
	r = b.do(http.MethodPut, path, u.token, bad, "If-Match", tag)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, string(r.raw), "hour field: 25 out of range 0-23")

	r = b.do(http.MethodPut, path, u.token, body, "If-Match", tag)
	s := b.must(http.StatusOK, r)
	require.Equal(t, "renamed", s["name"])
	require.Equal(t, "0 10 * * *", s["cron"])
	require.Equal(t, "skip", s["overlap"])
	require.Equal(t, float64(2), s["revision"], "a new cron is a new revision")
	require.NotEqual(t, old["next_run_at"], s["next_run_at"], "re-planned for the new cron")
	newTag := r.header.Get("ETag")
	require.NotEqual(t, tag, newTag)

	// The old tag is now stale; the new one works; * matches anything.
	require.Equal(t, http.StatusPreconditionFailed, b.do(http.MethodPut, path, u.token, body, "If-Match", tag).status)
	body["name"] = "again"
	r = b.do(http.MethodPut, path, u.token, body, "If-Match", newTag)
	b.must(http.StatusOK, r)
	require.Equal(t, float64(2), r.json(t)["revision"], "a rename is not a new revision")
	body["enabled"] = false
	paused := b.must(http.StatusOK, b.do(http.MethodPut, path, u.token, body, "If-Match", "*"))
	require.Equal(t, false, paused["enabled"])

	// Full replace: an omitted policy goes back to its default.
	delete(body, "overlap")
	body["enabled"] = true
	s = b.must(http.StatusOK, b.do(http.MethodPut, path, admin.token, body, "If-Match", "*"))
	require.Nil(t, s["overlap"])
	require.NotNil(t, s["next_run_at"], "enabled again: planned from now")

	// An admin editing a user's schedule is held to the owner's rights.
	r = b.do(http.MethodPut, path, admin.token, notifySchedule(u.id, "*/10 * * * * *"), "If-Match", "*")
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "only allowed for admins")

	require.Equal(t, 4, b.audits("schedule.update"))
}

func TestScheduleDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	id := b.schedule(u, notifySchedule(u.id, "0 9 * * *"))
	runID := b.run(u, id)
	path := fmt.Sprintf("/api/schedules/%d", id)

	require.Equal(t, http.StatusPreconditionFailed, b.do(http.MethodDelete, path, u.token, nil, "If-Match", `W/"9-9"`).status)
	r := b.do(http.MethodDelete, path, u.token, nil)
	require.Equal(t, http.StatusNoContent, r.status, string(r.raw))
	require.Empty(t, r.raw)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, path, u.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodDelete, path, u.token, nil).status)

	run := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", runID), u.token, nil))
	require.Equal(t, "CANCELLED", run["status"], "open runs of a deleted schedule are cancelled")
	require.Equal(t, "schedule deleted", run["error"])
	require.Equal(t, 1, b.count("SELECT count(*) FROM river_job WHERE state = 'cancelled'"))
	require.Equal(t, 1, b.audits("schedule.delete"))
}

func TestScheduleTrigger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	body := notifySchedule(u.id, "0 9 * * *")
	body["overlap"] = "skip"
	id := b.schedule(u, body)
	path := fmt.Sprintf("/api/schedules/%d/trigger", id)

	r := b.do(http.MethodPost, path, u.token, nil)
	run := b.must(http.StatusAccepted, r)
	require.Equal(t, "manual", run["trigger"])
	require.Equal(t, "PENDING", run["status"])
	require.Equal(t, float64(id), run["schedule_id"])
	require.NotNil(t, run["river_job_id"])
	require.Equal(t, fmt.Sprintf("/api/runs/%d", int64(run["id"].(float64))), r.header.Get("Location"))

	// The first run is still pending: overlap "skip" refuses, force runs anyway.
	r = b.do(http.MethodPost, path, u.token, map[string]any{})
	require.Equal(t, http.StatusConflict, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "still pending or running (overlap policy); use force to run anyway")
	b.must(http.StatusAccepted, b.do(http.MethodPost, path, u.token, map[string]any{"force": true}))
	require.Equal(t, 2, b.count("SELECT count(*) FROM job_schedule_runs WHERE job_id = $1", id))
	require.Equal(t, 2, b.audits("schedule.trigger"))

	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodPost, path, u.token, map[string]any{"force": "yes"}).status)

	// A job type this build has no worker for cannot be triggered.
	rep := b.schedule(u, b.unfireableSchedule("0 8 * * *"))
	r = b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/trigger", rep), u.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "no worker for the schedule's job type")

}

func TestSchedulePauseResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	id := b.schedule(u, notifySchedule(u.id, "*/5 * * * *"))

	p := b.must(http.StatusOK, b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/pause", id), u.token, map[string]any{"note": "holiday"}))
	require.Equal(t, false, p["enabled"])
	require.Equal(t, "holiday", p["paused_note"])
	require.Nil(t, p["preview"])

	// Pausing without a body records who paused it.
	p = b.must(http.StatusOK, b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/pause", id), u.token, nil))
	require.Equal(t, "paused via the API by ann", p["paused_note"])

	// Resuming at once keeps the same next fire planned.
	s := b.must(http.StatusOK, b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/resume", id), u.token, nil))
	require.NotNil(t, s["next_run_at"])
	require.Len(t, s["preview"], 5)
	b.must(http.StatusOK, b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/pause", id), u.token, nil))

	// Resuming plans from now: the paused time is not caught up.
	b.exec("UPDATE job_schedules SET next_run_at = now() - interval '1 day' WHERE id = $1", id)
	r := b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/resume", id), u.token, nil)
	s = b.must(http.StatusOK, r)
	require.Equal(t, true, s["enabled"])
	require.Nil(t, s["paused_note"])
	next, err := time.Parse(time.RFC3339Nano, s["next_run_at"].(string))
	require.NoError(t, err)
	require.True(t, next.After(time.Now()))
	require.NotEmpty(t, r.header.Get("ETag"))

	// A schedule the scheduler disabled for a cron its owner may not use
	// cannot be resumed until it is fixed.
	b.exec("UPDATE job_schedules SET enabled = false, cron = '* * * * * *', disabled_reason = 'too often' WHERE id = $1", id)
	r = b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/resume", id), u.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"cron"}, r.errLocations(t))

	require.Equal(t, 3, b.audits("schedule.pause"))
	require.Equal(t, 2, b.audits("schedule.resume"))
	require.Equal(t, http.StatusUnprocessableEntity,
		b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/pause", id), u.token, map[string]any{"note": 5}).status)
}

func TestSchedulePreview(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	body := notifySchedule(u.id, "30 2 * * *")
	body["timezone"] = "America/New_York"
	id := b.schedule(u, body)

	p := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/schedules/%d/preview?n=3", id), u.token, nil))
	require.Equal(t, "America/New_York", p["timezone"])
	fires := p["fires"].([]any)
	require.Len(t, fires, 3)
	f := fires[0].(map[string]any)
	for _, k := range []string{"at", "local", "nominal", "shifted", "fold"} {
		require.Contains(t, f, k)
	}
	at, err := time.Parse(time.RFC3339, f["at"].(string))
	require.NoError(t, err)
	require.Equal(t, time.UTC, at.Location())
	require.Regexp(t, `T02:30:00-0[45]:00$|T03:00:00-04:00$`, f["local"])

	require.Len(t, b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/schedules/%d/preview", id), u.token, nil))["fires"], 10)
	for _, n := range []string{"0", "101", "x"} {
		r := b.do(http.MethodGet, fmt.Sprintf("/api/schedules/%d/preview?n=%s", id, n), u.token, nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, n)
		require.Equal(t, []string{"query.n"}, r.errLocations(t))
	}
}

func TestScheduleBackfill(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	id := b.schedule(u, notifySchedule(u.id, "0 * * * *"))
	path := fmt.Sprintf("/api/schedules/%d/backfill", id)
	to := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	from := to.Add(-2 * time.Hour)

	dry := b.must(http.StatusOK, b.do(http.MethodPost, path, u.token, map[string]any{"from": from, "to": to, "dry_run": true}))
	require.Equal(t, float64(3), dry["total"])
	require.Equal(t, float64(0), dry["enqueued"])
	require.Equal(t, 0, b.count("SELECT count(*) FROM job_schedule_runs"))
	require.Equal(t, 0, b.audits("schedule.backfill"), "a dry run changes nothing")

	done := b.must(http.StatusOK, b.do(http.MethodPost, path, u.token, map[string]any{"from": from, "to": to}))
	require.Equal(t, float64(3), done["enqueued"])
	require.Equal(t, 3, b.count("SELECT count(*) FROM job_schedule_runs WHERE trigger = 'backfill' AND job_id = $1", id))
	again := b.must(http.StatusOK, b.do(http.MethodPost, path, u.token, map[string]any{"from": from, "to": to}))
	require.Equal(t, float64(0), again["enqueued"])
	require.Equal(t, "PENDING", again["fires"].([]any)[0].(map[string]any)["existing"])
	require.Equal(t, 2, b.audits("schedule.backfill"))

	for _, tc := range []struct {
		body     map[string]any
		location string
	}{
		{map[string]any{"from": to, "to": from}, "body.to"},
		{map[string]any{"from": from, "to": time.Now().Add(time.Hour)}, "body.to"},
		{map[string]any{"from": "yesterday", "to": to}, "body.from"},
		{map[string]any{"from": to.AddDate(-3, 0, 0), "to": to}, "body.from"},
		// Runs older than run_retention would be dropped with their day.
		{map[string]any{"from": to.AddDate(0, 0, -40), "to": to.AddDate(0, 0, -39)}, "body.from"},
	} {
		r := b.do(http.MethodPost, path, u.token, tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
		require.Equal(t, []string{tc.location}, r.errLocations(t), string(r.raw))
	}
}
