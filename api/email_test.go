package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/notify/mailtest"
)

var codeRE = regexp.MustCompile(`confirmation code is (\d{6})`)

// mailedCode waits for the n-th mail to addr and returns its code.
func (b *bundle) mailedCode(addr string, n int) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	msgs, err := b.mail.Wait(ctx, addr, n)
	require.NoError(b.t, err)
	m := codeRE.FindStringSubmatch(msgs[n-1].Text)
	require.NotNil(b.t, m, "the mail has a code: %s", msgs[n-1].Text)
	return m[1]
}

func (b *bundle) auditActions(userID int64) []string {
	b.t.Helper()
	rows, err := b.pool.Query(b.ctx, `SELECT action FROM audit_log WHERE owner_user_id = $1 AND action LIKE 'user.email.%' ORDER BY id`, userID)
	require.NoError(b.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		require.NoError(b.t, rows.Scan(&a))
		out = append(out, a)
	}
	require.NoError(b.t, rows.Err())
	return out
}

// PUT /api/me/email mails a code; the address gets nothing until the code
// comes back through POST /api/me/email/confirm; every change is audited.
func TestEmailConfirmationFlow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})

	r := b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "Ann@Example.COM"})
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	body := r.json(t)
	require.Equal(t, "Ann@example.com", body["email"], "the domain is stored in lower case")
	require.Equal(t, "unconfirmed", body["status"])
	code := b.mailedCode("Ann@example.com", 1)
	require.Equal(t, "unconfirmed", b.must(http.StatusOK, b.do(http.MethodGet, "/api/me/email", u.token, nil))["status"])
	require.Equal(t, 1, b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND channel = 'email' AND status = 'sent'
		AND notification_type = 'system' AND message NOT LIKE '%'||$2||'%'`, u.id, code), "the mail is logged, without the code")

	again := b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "ann@example.com"})
	require.Equal(t, http.StatusTooManyRequests, again.status, string(again.raw))
	require.NotEmpty(t, again.header.Get("Retry-After"))

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	r = b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": wrong})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.code"}, r.errLocations(t))
	require.Contains(t, string(r.raw), "4 tries left")

	r = b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": code})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.Equal(t, "confirmed", r.json(t)["status"])
	got := b.must(http.StatusOK, b.do(http.MethodGet, "/api/me/email", u.token, nil))
	require.Equal(t, "confirmed", got["status"])
	require.Equal(t, "Ann@example.com", got["email"])

	r = b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": code})
	require.Equal(t, http.StatusConflict, r.status, "a used code: %s", r.raw)
	require.Contains(t, string(r.raw), "already confirmed")

	require.Equal(t, http.StatusNoContent, b.do(http.MethodDelete, "/api/me/email", u.token, nil).status)
	require.Equal(t, "none", b.must(http.StatusOK, b.do(http.MethodGet, "/api/me/email", u.token, nil))["status"])
	require.Equal(t, []string{"user.email.request", "user.email.confirm_failed", "user.email.confirm", "user.email.clear"}, b.auditActions(u.id))
}

func TestEmailBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("bob", userOpts{})
	for _, bad := range []string{"", "bob", "bob@", "@example.com", "Bob <bob@example.com>", "bob@example.com, eve@example.com",
		"bob@exa mple.com", "bob@[127.0.0.1]", strings.Repeat("a", 250) + "@example.com"} {
		r := b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": bad})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%q: %s", bad, r.raw)
		require.Equal(t, []string{"body.email"}, r.errLocations(t), "%q", bad)
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		r := b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": bad})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%q: %s", bad, r.raw)
		require.Contains(t, r.errLocations(t), "body.code", "%q", bad)
	}
	r := b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": "123456"})
	require.Equal(t, http.StatusConflict, r.status, "nothing pending: %s", r.raw)
	require.Empty(t, b.mail.Messages())
	require.Empty(t, b.auditActions(u.id), "refused requests change nothing")
}

// Five wrong codes void the code; an expired code is refused; both ask for
// a new one.
func TestEmailConfirmationLimits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("carl", userOpts{})
	b.must(http.StatusAccepted, b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "carl@example.com"}))
	code := b.mailedCode("carl@example.com", 1)
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	for i := 0; i < 5; i++ {
		r := b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": wrong})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	}
	r := b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": code})
	require.Equal(t, http.StatusConflict, r.status, "the right code after five wrong ones: %s", r.raw)
	require.Contains(t, string(r.raw), "too many wrong codes")

	b.exec(`UPDATE users SET email_code_sent_at = now() - interval '2 minutes' WHERE id = $1`, u.id)
	b.must(http.StatusAccepted, b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "carl@example.com"}))
	code = b.mailedCode("carl@example.com", 2)
	b.exec(`UPDATE users SET email_code_expires_at = now() - interval '1 second' WHERE id = $1`, u.id)
	r = b.do(http.MethodPost, "/api/me/email/confirm", u.token, map[string]any{"code": code})
	require.Equal(t, http.StatusConflict, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "expired")
	require.Equal(t, "unconfirmed", b.must(http.StatusOK, b.do(http.MethodGet, "/api/me/email", u.token, nil))["status"])
}

// The mail server refusing the address is a 422 naming body.email; a mail
// server that is down is a 503; either way the user may try again at once.
func TestEmailConfirmationDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("dan", userOpts{})
	b.mail.Fail(mailtest.StageRcpt, "nobody@example.com", mailtest.Reply{Code: 550, Message: "no such user"}, -1)
	r := b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "nobody@example.com"})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.email"}, r.errLocations(t))
	require.Contains(t, string(r.raw), "550 no such user")

	b.mail.Stop()
	r = b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "dan@example.com"})
	require.Equal(t, http.StatusServiceUnavailable, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "try again")
	require.NoError(t, b.mail.Resume())
	b.must(http.StatusAccepted, b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "dan@example.com"}))
	require.NotEmpty(t, b.mailedCode("dan@example.com", 1))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND channel = 'email' AND status = 'sent'`, u.id))
	require.Equal(t, 2, b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND channel = 'email' AND status = 'failed'`, u.id),
		"every attempt is logged")
}

func TestEmailNotConfigured(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noEmail: true})
	u := b.user("eve", userOpts{})
	r := b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": "eve@example.com"})
	require.Equal(t, http.StatusConflict, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "email is not configured on this server")
}

// The signed link of every mail shows and turns off (one click, RFC 8058)
// or on the user's email, without logging in; a link for an old address
// or with a bad signature does nothing.
func TestEmailPreferencesLink(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("fay", userOpts{})
	b.exec(`UPDATE users SET email = 'fay@example.com', email_confirmed_at = now() WHERE id = $1`, u.id)
	link, err := url.Parse(testLinks.PreferencesURL(u.id, "fay@example.com"))
	require.NoError(t, err)
	page := b.srv.URL + link.RequestURI()

	get := func(target string) (int, string) {
		resp, err := b.http.Get(target)
		require.NoError(t, err)
		defer resp.Body.Close()
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		return resp.StatusCode, sb.String()
	}
	post := func(target, form string) (int, string) {
		resp, err := b.http.Post(target, "application/x-www-form-urlencoded", strings.NewReader(form))
		require.NoError(t, err)
		defer resp.Body.Close()
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		return resp.StatusCode, sb.String()
	}

	status, html := get(page)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, html, "Email is on")
	require.Contains(t, html, "f***@example.com")
	require.NotContains(t, html, "fay@example.com", "the page shows the address masked")

	status, html = post(page, "List-Unsubscribe=One-Click")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, html, "Email is off")
	require.Equal(t, 1, b.count(`SELECT count(*) FROM users WHERE id = $1 AND email_unsubscribed_at IS NOT NULL`, u.id))
	require.Equal(t, "unsubscribed", b.must(http.StatusOK, b.do(http.MethodGet, "/api/me/email", u.token, nil))["status"])

	status, html = post(page, "action=on")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, html, "Email is on")
	require.Equal(t, []string{"user.email.unsubscribe", "user.email.resubscribe"}, b.auditActions(u.id))

	q := link.Query()
	q.Set("t", "A"+q.Get("t")[1:])
	status, _ = get(b.srv.URL + link.Path + "?" + q.Encode())
	require.Equal(t, http.StatusNotFound, status, "a bad signature")
	status, _ = post(b.srv.URL+link.Path+"?u=999999&t=x", "List-Unsubscribe=One-Click")
	require.Equal(t, http.StatusNotFound, status)

	b.exec(`UPDATE users SET email = 'fay@new.example' WHERE id = $1`, u.id)
	status, _ = post(page, "List-Unsubscribe=One-Click")
	require.Equal(t, http.StatusNotFound, status, "the link of the old address")
	require.Equal(t, 0, b.count(`SELECT count(*) FROM users WHERE id = $1 AND email_unsubscribed_at IS NOT NULL`, u.id))
}
