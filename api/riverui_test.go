package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRiverUI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	admin := b.user("root", userOpts{admin: true})

	r := b.do(http.MethodGet, "/riverui/", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, `Bearer realm="vigil"`, r.header.Get("WWW-Authenticate"))
	require.Equal(t, http.StatusForbidden, b.do(http.MethodGet, "/riverui/", u.token, nil).status)
	require.Equal(t, http.StatusForbidden, b.do(http.MethodGet, "/riverui/api/jobs?limit=1", u.token, nil).status)

	page := b.do(http.MethodGet, "/riverui/", admin.token, nil)
	require.Equal(t, http.StatusOK, page.status, string(page.raw))
	require.Contains(t, string(page.raw), "<html")
	redirect := b.do(http.MethodGet, "/riverui", admin.token, nil)
	require.Equal(t, 3, redirect.status/100)
	require.Equal(t, "/riverui/", redirect.header.Get("Location"))

	// The UI's own API, with the bearer token.
	b.must(http.StatusAccepted, b.do(http.MethodPost, "/api/notify", u.token, map[string]any{"user_id": u.id, "message": "hi"}))
	jobs := b.must(http.StatusOK, b.do(http.MethodGet, "/riverui/api/jobs?state=available&limit=10", admin.token, nil))
	require.Len(t, jobs["data"], 1)

	// A browser logs in once; the cookie carries the token.
	login := b.do(http.MethodGet, "/riverui/login?token="+url.QueryEscape(u.token), "", nil)
	require.Equal(t, http.StatusForbidden, login.status, "only admins")
	require.Empty(t, login.header.Values("Set-Cookie"))
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodGet, "/riverui/login?token=vgl_nope", "", nil).status)
	login = b.do(http.MethodGet, "/riverui/login?token="+url.QueryEscape(admin.token), "", nil)
	require.Equal(t, http.StatusSeeOther, login.status)
	require.Equal(t, "/riverui/", login.header.Get("Location"))
	cookie := login.header.Get("Set-Cookie")
	require.Contains(t, cookie, "vigil_token="+admin.token)
	require.Contains(t, cookie, "HttpOnly")
	require.Contains(t, cookie, "SameSite=Strict")
	require.Contains(t, cookie, "Path=/riverui")
	c := "vigil_token=" + admin.token
	require.Equal(t, http.StatusOK, b.do(http.MethodGet, "/riverui/", "", nil, "Cookie", c).status)
	require.Equal(t, http.StatusOK, b.do(http.MethodGet, "/riverui/api/queues", "", nil, "Cookie", c).status)
	require.Equal(t, http.StatusForbidden, b.do(http.MethodGet, "/riverui/", "", nil, "Cookie", "vigil_token="+u.token).status)

	// The form variant.
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/riverui/login", strings.NewReader("token="+url.QueryEscape(admin.token)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.http.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	out := b.do(http.MethodGet, "/riverui/logout", "", nil)
	require.Equal(t, http.StatusOK, out.status)
	require.Contains(t, out.header.Get("Set-Cookie"), "Max-Age=0")
}
