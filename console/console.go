package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/alertbacktest"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/tradingbot"
)

// Prefix is where the console is mounted.
const Prefix = "/console"

// User is who a token or code authenticates.
type User struct {
	ID      int64
	Name    string
	IsAdmin bool
}

// AuthError is a token that does not authenticate (unknown, revoked, or its
// user blocked); Msg is shown on the login page.
type AuthError struct{ Msg string }

func (e *AuthError) Error() string { return e.Msg }

// Options are what the console needs.
type Options struct {
	// Pool is the database.
	Pool *pgxpool.Pool
	// Authenticate checks an API token as the API does (api_tokens, blocked
	// users); a bad token is an *AuthError.
	Authenticate func(ctx context.Context, token string) (User, error)
	// Schedules is the schedule service the API uses (pause, resume,
	// trigger, backfill, replace).
	Schedules *schedules.Service
	// Bots is the trading bot service the API uses (start, stop, status).
	Bots *tradingbot.Service
	// Channels are the notification channels this deployment delivers on
	// (the API's; nil accepts every one), for the preferences form.
	Channels []string
	// HealthStaleAfter is how old a heartbeat may be before the health page
	// shows its component DOWN, as the API does (0: 90 seconds).
	HealthStaleAfter time.Duration
	// Market serves the bars of alert charts and backtests (the API's
	// market-data manager); nil shows neither.
	Market alertbacktest.Source
	// SessionTTL is how long a session lasts (0: 12 hours).
	SessionTTL time.Duration
	// Logger logs unexpected errors; nil discards.
	Logger *slog.Logger
	// NowFunc is the clock; nil means time.Now.
	NowFunc func() time.Time
}

// Console is the console as an http.Handler for Prefix and everything
// under it.
type Console struct {
	pool *pgxpool.Pool
	auth func(ctx context.Context, token string) (User, error)
	svc  *schedules.Service
	bots *tradingbot.Service
	// market serves bars (nil: none).
	market alertbacktest.Source
	// channels are the configured delivery channels (nil: every one).
	channels   []string
	staleAfter time.Duration
	// charts caches rendered PNG charts.
	charts chartCache
	ttl    time.Duration
	log    *slog.Logger
	now    func() time.Time
	q      *dbsqlc.Queries
	pages  *pages
	mux    *http.ServeMux
}

// New builds the console.
func New(o Options) (*Console, error) {
	if o.Pool == nil || o.Authenticate == nil || o.Schedules == nil || o.Bots == nil {
		return nil, errors.New("console: pool, authenticate, schedules and bots are required")
	}
	c := &Console{pool: o.Pool, auth: o.Authenticate, svc: o.Schedules, bots: o.Bots, market: o.Market, channels: o.Channels,
		staleAfter: o.HealthStaleAfter, ttl: o.SessionTTL, log: o.Logger, now: o.NowFunc, q: dbsqlc.New()}
	if c.staleAfter <= 0 {
		c.staleAfter = 90 * time.Second
	}
	if c.ttl <= 0 {
		c.ttl = 12 * time.Hour
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("component", "console")
	if c.now == nil {
		c.now = time.Now
	}
	p, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	c.pages = p
	c.mux = http.NewServeMux()
	c.routes()
	return c, nil
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	c.mux.ServeHTTP(w, r)
}

// routes lists every route of the console.
func (c *Console) routes() {
	m := c.mux
	m.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/", http.FileServerFS(staticFS)))
	m.HandleFunc("GET "+Prefix+"/login", c.loginPage)
	m.HandleFunc("POST "+Prefix+"/login", c.loginPost)
	m.Handle("POST "+Prefix+"/logout", c.post(c.logout))
	m.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	})

	m.Handle("GET "+Prefix+"/{$}", c.page(c.schedulesPage))
	m.Handle("GET "+Prefix+"/schedules/{id}", c.page(c.schedulePage))
	m.Handle("GET "+Prefix+"/schedules/{id}/edit", c.page(c.editPage))
	m.Handle("POST "+Prefix+"/schedules/{id}/edit", c.post(c.editPost))
	m.Handle("POST "+Prefix+"/schedules/{id}/pause", c.post(c.pausePost))
	m.Handle("POST "+Prefix+"/schedules/{id}/resume", c.post(c.resumePost))
	m.Handle("POST "+Prefix+"/schedules/{id}/trigger", c.post(c.triggerPost))
	m.Handle("GET "+Prefix+"/schedules/{id}/backfill", c.page(c.backfillPage))
	m.Handle("POST "+Prefix+"/schedules/{id}/backfill", c.post(c.backfillPost))
	m.Handle("GET "+Prefix+"/schedules/{id}/chart.png", c.page(c.alertChart))
	m.Handle("GET "+Prefix+"/schedules/{id}/backtest", c.page(c.alertBacktest))

	m.Handle("GET "+Prefix+"/runs", c.page(c.runsPage))
	m.Handle("GET "+Prefix+"/runs/{id}", c.page(c.runPage))
	m.Handle("GET "+Prefix+"/runs/{id}/artifacts/{name}", c.page(c.artifact))

	m.Handle("GET "+Prefix+"/notifications", c.page(c.notificationsPage))
	m.Handle("GET "+Prefix+"/health", c.page(c.healthPage))

	m.Handle("GET "+Prefix+"/bots", c.page(c.botsPage))
	m.Handle("GET "+Prefix+"/bots/{id}", c.page(c.botPage))
	m.Handle("GET "+Prefix+"/bots/{id}/equity.png", c.page(c.botEquityChart))
	m.Handle("POST "+Prefix+"/bots/{id}/start", c.post(c.botStartPost))
	m.Handle("POST "+Prefix+"/bots/{id}/stop", c.post(c.botStopPost))

	m.Handle("GET "+Prefix+"/preferences", c.page(c.preferencesPage))
	m.Handle("POST "+Prefix+"/preferences", c.post(c.preferencesPost))

	m.Handle("/", c.page(func(w http.ResponseWriter, r *http.Request, s *session) {
		c.notFound(w, r, s, "no such page")
	}))
}
