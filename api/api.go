package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/jackc/pgx/v5/pgxpool"
	"riverqueue.com/riverui"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/console"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingbot"
	"github.com/vigilhq/vigil/useremail"
)

// Version is the API version in the OpenAPI document.
const Version = "1.0.0"

// bearerScheme names the security scheme of the OpenAPI document.
const bearerScheme = "bearer"

// Options are what the API needs.
type Options struct {
	// Pool is the database.
	Pool *pgxpool.Pool
	// Client inserts jobs (an insert-only client is enough) and backs the River UI.
	Client *jobs.Client
	// Enqueuer triggers and backfills schedules (it need not Run).
	Enqueuer *jobs.Enqueuer
	// Config supplies quotas (MinInterval, MaxSchedulesPerUser), per-type
	// insert options and the heartbeat interval.
	Config config.Config
	// Validator checks task_params.
	Validator *schemas.Validator
	// Market serves the bars POST /api/alerts/evaluate evaluates on (the
	// workers' market-data manager, so they share its cache); nil answers
	// that operation 503 "market data is not configured".
	Market *marketdata.Manager
	// Logger logs unexpected errors; nil discards.
	Logger *slog.Logger
	// Metrics, when set, gets the API's request metrics.
	Metrics *metrics.Metrics
	// NowFunc is the clock; nil means time.Now.
	NowFunc func() time.Time
	// Email mails confirmation codes (the email channel); nil: this server
	// has no email channel, and PUT /api/me/email answers 409.
	Email useremail.Sender
	// EmailLinks checks the signed preferences links of mails (served at
	// notify.EmailPreferencesPath); nil answers every link 404.
	EmailLinks *notify.EmailLinks
	// Channels are the notification channels this deployment delivers on
	// (config.DeliveryChannels); a schedule or notification choosing
	// another is refused. nil accepts every channel.
	Channels []string
}

// Server is the API as an http.Handler. It listens on nothing itself.
type Server struct {
	mux     *http.ServeMux
	riverUI *riverui.Handler
	stop    context.CancelFunc
}

// handler holds what every operation needs.
type handler struct {
	pool      *pgxpool.Pool
	client    *jobs.Client
	enq       *jobs.Enqueuer
	cfg       config.Config
	validator *schemas.Validator
	log       *slog.Logger
	q         *dbsqlc.Queries
	market    *marketdata.Manager
	now       func() time.Time
	// svc runs every schedule use case.
	svc *schedules.Service
	// bots runs the trading bot use cases.
	bots *tradingbot.Service
	// email, links and channels: see Options.
	email    useremail.Sender
	links    *notify.EmailLinks
	channels []string
	// console is the web console at /console; its admins' sessions also
	// open the River UI.
	console *console.Console
}

// New builds the API and starts the River UI's background services (Close
// stops them).
func New(o Options) (*Server, error) {
	if o.Pool == nil || o.Client == nil || o.Enqueuer == nil || o.Validator == nil {
		return nil, errors.New("api: pool, client, enqueuer and validator are required")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "api")
	now := o.NowFunc
	if now == nil {
		now = time.Now
	}
	h := &handler{
		pool: o.Pool, client: o.Client, enq: o.Enqueuer, cfg: o.Config, validator: o.Validator,
		log: log, q: dbsqlc.New(), market: o.Market, now: now,
		email: o.Email, links: o.EmailLinks, channels: o.Channels,
	}
	svc, err := schedules.New(schedules.Options{Config: o.Config, Validator: o.Validator, Runs: o.Enqueuer,
		Fireable: o.Enqueuer.Fireable(), Channels: o.Channels, Now: now, Logger: log})
	if err != nil {
		return nil, err
	}
	h.svc = svc
	if h.bots, err = tradingbot.NewService(o.Validator, log); err != nil {
		return nil, err
	}
	kr, _ := o.Config.Keyring() // a bad key fails config validation; without one no user has credentials
	h.bots.UseBrokers(tradingbot.NewAlpacaBrokers(kr, o.Config.AlpacaKeyID, o.Config.AlpacaSecretKey, o.Config.AlpacaBaseURL))

	mux := http.NewServeMux()
	hapi := humago.New(mux, newConfig())
	hapi.UseMiddleware(newRequestMetrics(o.Metrics, log).middleware)
	hapi.UseMiddleware(textMiddleware(hapi)) // bad text is a 422 before anything reads the database
	hapi.UseMiddleware(h.authMiddleware(hapi))
	h.register(hapi)

	copts := console.Options{Pool: o.Pool, Authenticate: h.consoleUser, Schedules: svc, Bots: h.bots,
		Channels: o.Channels, HealthStaleAfter: h.staleAfter(), Logger: log, NowFunc: now}
	if o.Market != nil { // not a typed nil in the interface
		copts.Market = o.Market
	}
	if h.console, err = console.New(copts); err != nil {
		return nil, err
	}
	mux.Handle(console.Prefix, h.console)
	mux.Handle(console.Prefix+"/", h.console)
	mountDocs(mux)
	mux.HandleFunc(notify.EmailPreferencesPath, h.emailPreferences)
	ctx, stop := context.WithCancel(context.Background())
	ui, err := h.mountRiverUI(ctx, mux)
	if err != nil {
		stop()
		return nil, err
	}
	return &Server{mux: mux, riverUI: ui, stop: stop}, nil
}

// Handler serves the API, the docs, the console and the River UI.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops the River UI's background services.
func (s *Server) Close() { s.stop() }

// register adds every operation of the API.
func (h *handler) register(api huma.API) {
	// Schedules.
	op(api, "create-schedule", http.MethodPost, "/api/schedules", "Create a schedule", "schedules", http.StatusCreated, h.createSchedule,
		http.StatusForbidden, http.StatusUnprocessableEntity)
	op(api, "list-schedules", http.MethodGet, "/api/schedules", "List schedules", "schedules", 0, h.listSchedules,
		http.StatusBadRequest)
	op(api, "get-schedule", http.MethodGet, "/api/schedules/{id}", "Get a schedule", "schedules", 0, h.getSchedule,
		http.StatusNotFound)
	op(api, "replace-schedule", http.MethodPut, "/api/schedules/{id}", "Replace a schedule (needs If-Match)", "schedules", 0, h.replaceSchedule,
		http.StatusForbidden, http.StatusNotFound, http.StatusPreconditionFailed, http.StatusPreconditionRequired, http.StatusUnprocessableEntity)
	op(api, "delete-schedule", http.MethodDelete, "/api/schedules/{id}", "Delete a schedule (cancels its open runs)", "schedules", http.StatusNoContent, h.deleteSchedule,
		http.StatusNotFound, http.StatusPreconditionFailed)
	op(api, "trigger-schedule", http.MethodPost, "/api/schedules/{id}/trigger", "Run a schedule now", "schedules", http.StatusAccepted, h.triggerSchedule,
		http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity)
	op(api, "pause-schedule", http.MethodPost, "/api/schedules/{id}/pause", "Pause a schedule", "schedules", 0, h.pauseSchedule,
		http.StatusNotFound)
	op(api, "resume-schedule", http.MethodPost, "/api/schedules/{id}/resume", "Resume a schedule, planned from now", "schedules", 0, h.resumeSchedule,
		http.StatusNotFound, http.StatusUnprocessableEntity)
	op(api, "preview-schedule", http.MethodGet, "/api/schedules/{id}/preview", "Next fire times of a schedule", "schedules", 0, h.previewSchedule,
		http.StatusNotFound, http.StatusUnprocessableEntity)
	op(api, "backfill-schedule", http.MethodPost, "/api/schedules/{id}/backfill", "Run every past fire in a range that has no run", "schedules", 0, h.backfillSchedule,
		http.StatusNotFound, http.StatusUnprocessableEntity)

	// Alerts.
	h.registerAlerts(api)

	// Runs.
	op(api, "get-run-stats", http.MethodGet, "/api/runs/stats", "Run statistics (the design's get_run_statistics)", "runs", 0, h.runStats)
	op(api, "list-runs", http.MethodGet, "/api/runs", "List runs", "runs", 0, h.listRuns,
		http.StatusBadRequest)
	op(api, "get-run", http.MethodGet, "/api/runs/{id}", "Get a run", "runs", 0, h.getRun,
		http.StatusNotFound)
	op(api, "cancel-run", http.MethodDelete, "/api/runs/{id}", "Cancel a pending or running run", "runs", 0, h.cancelRun,
		http.StatusNotFound, http.StatusConflict)
	opd(api, "list-run-artifacts", http.MethodGet, "/api/runs/{id}/artifacts", "List the files a run produced", listArtifactsDoc,
		"runs", 0, h.listArtifacts, http.StatusNotFound)
	operation(api, huma.Operation{OperationID: "get-run-artifact", Method: http.MethodGet, Path: "/api/runs/{id}/artifacts/{name}",
		Summary: "Download a file a run produced", Description: getArtifactDoc, Tags: []string{"runs"},
		Responses: artifactResponses()}, h.getArtifact, http.StatusNotFound, http.StatusUnprocessableEntity)

	// Ad-hoc reports and screeners (recorded as runs, worked by their workers).
	opd(api, "run-report", http.MethodPost, "/api/reports/run", "Run a report now, without a schedule", runReportDoc,
		"reports", http.StatusAccepted, h.runReport, http.StatusUnprocessableEntity, http.StatusTooManyRequests)
	opd(api, "run-screener", http.MethodPost, "/api/screeners/run", "Run a screener now, without a schedule", runScreenerDoc,
		"screeners", http.StatusAccepted, h.runScreener, http.StatusUnprocessableEntity, http.StatusTooManyRequests)

	// Screener sets (the caller's named ticker lists).
	op(api, "list-screener-sets", http.MethodGet, "/api/screener-sets", "List your screener sets", "screeners", 0, h.listScreenerSets)
	op(api, "get-screener-set", http.MethodGet, "/api/screener-sets/{name}", "Get one of your screener sets", "screeners", 0, h.getScreenerSet,
		http.StatusNotFound, http.StatusUnprocessableEntity)
	opd(api, "put-screener-set", http.MethodPut, "/api/screener-sets/{name}", "Create or replace a screener set", putScreenerSetDoc,
		"screeners", 0, h.putScreenerSet, http.StatusUnprocessableEntity)
	op(api, "delete-screener-set", http.MethodDelete, "/api/screener-sets/{name}", "Delete a screener set", "screeners", http.StatusNoContent,
		h.deleteScreenerSet, http.StatusNotFound, http.StatusUnprocessableEntity)

	// Portfolios (the caller's own) and their holdings.
	op(api, "list-portfolios", http.MethodGet, "/api/portfolios", "List your portfolios", "portfolios", 0, h.listPortfolios)
	opd(api, "create-portfolio", http.MethodPost, "/api/portfolios", "Create a portfolio", createPortfolioDoc,
		"portfolios", http.StatusCreated, h.createPortfolio, http.StatusConflict, http.StatusUnprocessableEntity)
	op(api, "get-portfolio", http.MethodGet, "/api/portfolios/{id}", "Get a portfolio with its holdings", "portfolios", 0, h.getPortfolio,
		http.StatusNotFound)
	op(api, "delete-portfolio", http.MethodDelete, "/api/portfolios/{id}", "Delete a portfolio and its holdings", "portfolios",
		http.StatusNoContent, h.deletePortfolio, http.StatusNotFound)
	opd(api, "put-portfolio-holding", http.MethodPut, "/api/portfolios/{id}/holdings/{symbol}", "Add or replace a holding", putHoldingDoc,
		"portfolios", 0, h.putHolding, http.StatusNotFound, http.StatusUnprocessableEntity)
	op(api, "delete-portfolio-holding", http.MethodDelete, "/api/portfolios/{id}/holdings/{symbol}", "Remove a holding", "portfolios",
		http.StatusNoContent, h.deleteHolding, http.StatusNotFound, http.StatusUnprocessableEntity)

	// Backtests of trading strategies.
	h.registerBacktests(api)
	h.registerBots(api)

	// Notifications.
	op(api, "notify", http.MethodPost, "/api/notify", "Queue a notification", "notifications", http.StatusAccepted, h.notify,
		http.StatusForbidden, http.StatusUnprocessableEntity)
	op(api, "create-notification", http.MethodPost, "/api/notifications", "Queue a notification (same as /api/notify)", "notifications", http.StatusAccepted, h.notify,
		http.StatusForbidden, http.StatusUnprocessableEntity)
	h.registerWebhookSecret(api)
	h.registerEmail(api)
	h.registerBrokers(api)
	h.registerPreferences(api)

	// Inbound webhooks (TradingView alerts).
	h.registerTradingView(api)

	// Platform health.
	op(api, "get-health", http.MethodGet, "/api/v1/health", "Overall platform health", "health", 0, h.health)
	op(api, "list-health-systems", http.MethodGet, "/api/v1/health/systems", "Health of every system", "health", 0, h.healthSystems)
	op(api, "get-health-system", http.MethodGet, "/api/v1/health/system/{system_name}", "Health of one system", "health", 0, h.healthSystem,
		http.StatusNotFound)
	op(api, "list-health-unhealthy", http.MethodGet, "/api/v1/health/unhealthy", "Systems with a component that is not healthy", "health", 0, h.healthUnhealthy)

	// Audit.
	opd(api, "list-audit", http.MethodGet, "/api/audit", "List audit rows",
		"Every change of state, newest first: admins see every row, other users the changes they made and those made to their things (the scheduler disabling their schedule, say).",
		"audit", 0, h.listAudit, http.StatusBadRequest, http.StatusUnprocessableEntity)

	// Incidents (operator alerting).
	h.registerIncidents(api)
}

// op registers one authenticated operation. errs are the documented error
// statuses beyond 401, 403 (blocked user), 422 (text with NUL or invalid
// UTF-8) and 500, which every operation has.
func op[I, O any](api huma.API, id, method, path, summary, tag string, status int,
	fn func(context.Context, *I) (*O, error), errs ...int) {
	operation(api, huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag},
		DefaultStatus: status}, fn, errs...)
}

// opd is op with a description: what the operation does beyond its summary.
func opd[I, O any](api huma.API, id, method, path, summary, description, tag string, status int,
	fn func(context.Context, *I) (*O, error), errs ...int) {
	operation(api, huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Description: description,
		Tags: []string{tag}, DefaultStatus: status}, fn, errs...)
}

// operation registers o as an authenticated operation with the error
// statuses every operation has (401, 403, 422 for text textMiddleware
// refuses, 500) and errs.
func operation[I, O any](api huma.API, o huma.Operation, fn func(context.Context, *I) (*O, error), errs ...int) {
	o.Security = []map[string][]string{{bearerScheme: {}}}
	o.Errors = append([]int{http.StatusUnauthorized, http.StatusForbidden}, errs...)
	if !slices.Contains(o.Errors, http.StatusUnprocessableEntity) {
		o.Errors = append(o.Errors, http.StatusUnprocessableEntity)
	}
	huma.Register(api, o, fn)
}
