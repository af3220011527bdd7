package console

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// loginCookie carries the login form's CSRF token (double submit: the form
// must send back the cookie's value), so that another site cannot log a
// browser into an account of its choosing.
const loginCookie = "vigil_console_login"

type loginData struct {
	Error string
	CSRF  string
}

// loginPage shows the login form, or logs in with ?token= or ?code= and
// redirects to /console, dropping the secret from the URL.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	q := r.URL.Query()
	if token, code := q.Get("token"), q.Get("code"); token != "" || code != "" {
		c.login(w, r, token, code)
		return
	}
	c.showLogin(w, r, http.StatusOK, "")
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	csrf := random(18)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: csrf, Path: Prefix + "/login", MaxAge: 3600,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	c.render(w, r, nil, status, "login", "Log in", loginData{Error: msg, CSRF: csrf})
}

// loginPost logs in with the form's token or code.
func (c *Console) loginPost(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.showLogin(w, r, http.StatusBadRequest, "the form could not be read: "+err.Error())
		return
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		c.showLogin(w, r, http.StatusForbidden, "csrf: the login form expired; try again")
		return
	}
	c.login(w, r, strings.TrimSpace(r.PostFormValue("token")), strings.TrimSpace(r.PostFormValue("code")))
}

// login opens a session for a token or a login code.
func (c *Console) login(w http.ResponseWriter, r *http.Request, token, code string) {
	ctx := r.Context()
	var userID int64
	how := "token"
	switch {
	case token != "" && code != "":
		c.showLogin(w, r, http.StatusBadRequest, "token: give an API token or a login code, not both")
		return
	case token != "":
		u, err := c.auth(ctx, token)
		var ae *AuthError
		if errors.As(err, &ae) {
			c.showLogin(w, r, http.StatusUnauthorized, "token: "+ae.Msg)
			return
		}
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		userID = u.ID
	default:
		how = "code"
		if len(code) > 128 {
			c.showLogin(w, r, http.StatusUnauthorized, "code: unknown, used or expired login code")
			return
		}
		id, err := c.q.ConsoleLoginCodeUse(ctx, c.pool, dbsqlc.ConsoleLoginCodeUseParams{Now: c.now(), CodeHash: hash(code)})
		if errors.Is(err, pgx.ErrNoRows) {
			c.showLogin(w, r, http.StatusUnauthorized, "code: unknown, used or expired login code (each code works once)")
			return
		}
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		userID = id
	}
	if err := c.openSession(ctx, w, r, userID, how); err != nil {
		c.fail(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: Prefix + "/login", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

// logout ends the session and clears the cookie.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	_, h, err := c.load(ctx, r)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	err = pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if _, err := c.q.ConsoleSessionDelete(ctx, tx, h); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Actor: s.UserID, Owner: s.UserID, Source: audit.SourceConsole,
			Action: "console.logout", EntityType: "user", EntityID: s.UserID})
	})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}
