package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/console"
)

func TestLoginWithTokenSetsSessionCookie(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	br := b.browser()
	resp, err := br.hc.Get(b.srv.URL + "/console/login?token=" + url.QueryEscape(ann.token))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/console/", resp.Header.Get("Location"), "the redirect drops the token from the URL")
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == console.CookieName {
			ck = c
		}
	}
	require.NotNil(t, ck)
	require.True(t, ck.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	require.NotContains(t, ck.Value, ann.token)
	require.Equal(t, 1, b.count("SELECT count(*) FROM console_sessions WHERE user_id = $1 AND id_hash = sha256($2::bytea)", ann.id, []byte(ck.Value)),
		"the session id is stored hashed")
	require.Equal(t, 0, b.count("SELECT count(*) FROM console_sessions WHERE id_hash = $1::bytea", []byte(ck.Value)))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'console.login' AND actor_user_id = $1 AND source = 'console'", ann.id))
	p := br.get("/console/")
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, `id="who">ann`)
}

func TestLoginRefusesBadTokenAndReusedCode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)

	p := b.browser().get("/console/login?token=vgl_nope")
	require.Equal(t, http.StatusUnauthorized, p.status)
	contains(t, p, "token: invalid or revoked token")

	b.exec("UPDATE users SET status = 'blocked' WHERE id = $1", ann.id)
	p = b.browser().get("/console/login?token=" + url.QueryEscape(ann.token))
	require.Equal(t, http.StatusUnauthorized, p.status)
	contains(t, p, "token: user is blocked")
	b.exec("UPDATE users SET status = 'verified' WHERE id = $1", ann.id)

	code, err := console.CreateLoginCode(b.ctx, b.pool, ann.id, time.Now())
	require.NoError(t, err)
	first := b.browser()
	p = first.get("/console/login?code=" + code)
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, http.StatusOK, first.get("/console/").status)
	p = b.browser().get("/console/login?code=" + code)
	require.Equal(t, http.StatusUnauthorized, p.status, "a code works once")
	contains(t, p, "code: unknown, used or expired login code")
	require.Equal(t, 1, b.count("SELECT count(*) FROM console_login_codes WHERE user_id = $1 AND used_at IS NOT NULL", ann.id))

	p = b.browser().get("/console/login?token=x&code=y")
	require.Equal(t, http.StatusBadRequest, p.status)
	contains(t, p, "not both")
}

func TestLoginFormNeedsItsCSRFCookie(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	br := b.browser()
	p := br.post("/console/login", url.Values{"token": {ann.token}, "csrf": {"forged-value-123456"}})
	require.Equal(t, http.StatusForbidden, p.status)
	contains(t, p, "csrf:")
	form := br.get("/console/login")
	m := csrfRe.FindStringSubmatch(form.body)
	require.NotNil(t, m)
	p = br.post("/console/login", url.Values{"token": {ann.token}, "csrf": {m[1]}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, http.StatusOK, br.get("/console/").status)
}

func TestLogoutEndsSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	br := b.browser().login(ann)
	p := br.action("/console/logout")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/console/login", p.header.Get("Location"))
	require.Equal(t, 0, b.count("SELECT count(*) FROM console_sessions WHERE user_id = $1", ann.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'console.logout' AND actor_user_id = $1", ann.id))
	p = br.get("/console/")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/console/login", p.header.Get("Location"))
}

func TestPostsNeedCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	id := b.schedule(ann, "mine", "0 9 * * 1-5")
	br := b.browser().login(ann)
	for _, form := range []url.Values{{}, {"csrf": {"wrong"}}} {
		p := br.post(path("/console/schedules/%d/pause", id), form)
		require.Equal(t, http.StatusForbidden, p.status)
		contains(t, p, "csrf:")
	}
	require.Equal(t, 1, b.count("SELECT count(*) FROM job_schedules WHERE id = $1 AND enabled", id))
	p := b.browser().post(path("/console/schedules/%d/pause", id), url.Values{})
	require.Equal(t, http.StatusUnauthorized, p.status, "no session")
}

func TestSchedulesPageScopedToOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, bob, root := b.user("ann", false), b.user("bob", false), b.user("root", true)
	annID := b.schedule(ann, "ann's report", "0 18 * * 1-5")
	bobID := b.schedule(bob, "bob's ping", "*/5 * * * *")

	p := b.browser().login(ann).get("/console/")
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, "ann&#39;s report", "on weekdays (Monday to Friday) at 18:00", "America/New_York", path(`data-schedule-id="%d"`, annID))
	require.NotContains(t, p.body, "bob&#39;s ping")

	admin := b.browser().login(root)
	p = admin.get("/console/")
	contains(t, p, "ann&#39;s report", "bob&#39;s ping", "every 5 minutes")
	p = admin.get(path("/console/?owner=%d", bob.id))
	contains(t, p, "bob&#39;s ping")
	require.NotContains(t, p.body, "ann&#39;s report")
	require.NotContains(t, p.body, path(`data-schedule-id="%d"`, annID))
	_ = bobID
}

func TestSchedulesPageFiltersSortAndStrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	a := b.schedule(ann, "alpha", "0 9 * * *")
	z := b.schedule(ann, "zulu", "0 10 * * *")
	b.exec("UPDATE job_schedules SET enabled = false, paused_note = 'on holiday' WHERE id = $1", z)
	for _, st := range []string{"COMPLETED", "FAILED", "COMPLETED"} {
		b.exec("INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for) VALUES ('notification', $1, $2, $3, now() - random() * interval '1 day')", a, ann.id, st)
	}
	br := b.browser().login(ann)
	p := br.get("/console/?status=paused")
	contains(t, p, "zulu", "on holiday")
	require.NotContains(t, p.body, ">alpha<")
	p = br.get("/console/?q=ALP")
	contains(t, p, ">alpha<")
	require.NotContains(t, p.body, ">zulu<")
	p = br.get("/console/?sort=-name")
	require.Less(t, strings.Index(p.body, ">zulu<"), strings.Index(p.body, ">alpha<"))
	p = br.get("/console/?sort=name")
	require.Less(t, strings.Index(p.body, ">alpha<"), strings.Index(p.body, ">zulu<"))
	p = br.get("/console/?q=alpha")
	require.Equal(t, 2, strings.Count(p.body, `class="cell completed"`))
	require.Equal(t, 1, strings.Count(p.body, `class="cell failed"`))
}

func TestListPagesRefuseBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, bob := b.user("ann", false), b.user("bob", false)
	br := b.browser().login(ann)
	for q, field := range map[string]string{
		"/console/?status=sleeping":               "status:",
		"/console/?type=cron":                     "type:",
		"/console/?sort=drop+table":               "sort:",
		"/console/?page=0":                        "page:",
		"/console/?page=x":                        "page:",
		path("/console/?owner=%d", bob.id):        "owner: only admins",
		"/console/?q=" + strings.Repeat("x", 201): "q:",
		"/console/runs?status=done":               "status:",
		"/console/runs?from=yesterday":            "from:",
		"/console/runs?schedule=-1":               "schedule:",
		path("/console/runs?owner=%d", bob.id):    "owner: only admins",
	} {
		p := br.get(q)
		require.Equal(t, http.StatusBadRequest, p.status, q)
		contains(t, p, field)
	}
	for _, q := range []string{"/console/schedules/abc", "/console/schedules/0", "/console/runs/x", "/console/nope"} {
		require.Equal(t, http.StatusNotFound, br.get(q).status, q)
	}
}
