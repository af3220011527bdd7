package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedules"
)

// CookieName is the session cookie. Its path is / so that the River UI
// (/riverui/) also sees it: an admin's console session opens it.
const CookieName = "vigil_console"

// touchEvery is how often a session's last_seen_at is written at most.
const touchEvery = time.Minute

// LoginCodeTTL is how long a login code stays usable.
const LoginCodeTTL = 24 * time.Hour

// session is the logged-in user of a request.
type session struct {
	UserID  int64
	Name    string
	IsAdmin bool
	CSRF    string
	// Timezone is the user's own time zone.
	Timezone string
}

// scheduleActor is the session's user as the schedule service sees it.
func (s *session) scheduleActor() schedules.Actor {
	return schedules.Actor{UserID: s.UserID, Name: s.Name, AllUsers: s.IsAdmin, Source: audit.SourceConsole}
}

// random returns n random bytes, base64url.
func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// CreateLoginCode makes a single-use login code for a user, valid for
// LoginCodeTTL; only its hash is stored. The login link is
// Prefix+"/login?code="+code.
func CreateLoginCode(ctx context.Context, q dbsqlc.DBTX, userID int64, now time.Time) (string, error) {
	code := "vlc_" + random(24)
	if err := dbsqlc.New().ConsoleLoginCodeCreate(ctx, q, dbsqlc.ConsoleLoginCodeCreateParams{
		CodeHash: hash(code), UserID: userID, ExpiresAt: now.Add(LoginCodeTTL)}); err != nil {
		return "", fmt.Errorf("create login code for user %d: %w", userID, err)
	}
	if err := audit.Write(ctx, q, audit.Entry{Actor: 0, Owner: userID, Source: audit.SourceCLI, Action: "console.login_code",
		EntityType: "user", EntityID: userID}); err != nil {
		return "", err
	}
	return code, nil
}

// openSession creates a session for a user, audits the login and sets the
// cookie.
func (c *Console) openSession(ctx context.Context, w http.ResponseWriter, r *http.Request, userID int64, how string) error {
	id := random(32)
	now := c.now()
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if _, err := c.q.ConsoleSessionDeleteExpired(ctx, tx, now); err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		if err := c.q.ConsoleSessionCreate(ctx, tx, dbsqlc.ConsoleSessionCreateParams{IDHash: hash(id), UserID: userID,
			Csrf: random(24), ExpiresAt: now.Add(c.ttl)}); err != nil {
			return fmt.Errorf("create session for user %d: %w", userID, err)
		}
		return audit.Write(ctx, tx, audit.Entry{Actor: userID, Owner: userID, Source: audit.SourceConsole,
			Action: "console.login", EntityType: "user", EntityID: userID, Details: map[string]any{"with": how}})
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", MaxAge: int(c.ttl / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return nil
}

// errNoSession is a request without a live session.
var errNoSession = errors.New("no console session")

// load returns the request's session.
func (c *Console) load(ctx context.Context, r *http.Request) (*session, []byte, error) {
	ck, err := r.Cookie(CookieName)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return nil, nil, errNoSession
	}
	h := hash(ck.Value)
	now := c.now()
	row, err := c.q.ConsoleSessionGet(ctx, c.pool, dbsqlc.ConsoleSessionGetParams{IDHash: h, Now: now})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errNoSession
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load console session: %w", err)
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := c.q.ConsoleSessionTouch(ctx, c.pool, dbsqlc.ConsoleSessionTouchParams{Now: now, IDHash: h}); err != nil {
			c.log.Warn("record session use", "user_id", row.UserID, "error", err)
		}
	}
	return &session{UserID: row.UserID, Name: row.UserName, IsAdmin: row.IsAdmin, CSRF: row.Csrf, Timezone: row.UserTimezone}, h, nil
}

// AdminSession reports whether the request carries the console session of
// an admin (the River UI accepts it).
func (c *Console) AdminSession(r *http.Request) bool {
	s, _, err := c.load(r.Context(), r)
	if err != nil && !errors.Is(err, errNoSession) {
		c.log.Error("load console session", "error", err)
	}
	return err == nil && s.IsAdmin
}

// handlerFunc is a page or action of a logged-in user.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session)

// page serves a GET for a logged-in user; without a session the browser is
// sent to the login page.
func (c *Console) page(f handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _, err := c.load(r.Context(), r)
		if errors.Is(err, errNoSession) {
			http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		f(w, r, s)
	})
}

// post serves a state-changing POST: it needs a session and the session's
// CSRF token in the form field csrf.
func (c *Console) post(f handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		s, _, err := c.load(r.Context(), r)
		if errors.Is(err, errNoSession) {
			c.renderStatus(w, r, nil, http.StatusUnauthorized, "Not logged in", "Your session ended: log in again.")
			return
		}
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		if err := r.ParseForm(); err != nil {
			c.renderStatus(w, r, s, http.StatusBadRequest, "Bad request", "the form could not be read: "+err.Error())
			return
		}
		if got := r.PostFormValue("csrf"); subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
			c.renderStatus(w, r, s, http.StatusForbidden, "Forbidden", "csrf: the form's CSRF token is missing or wrong; reload the page and try again.")
			return
		}
		f(w, r, s)
	})
}
