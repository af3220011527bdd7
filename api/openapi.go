package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// newConfig is the huma configuration New serves the API with: the OpenAPI
// document's info, server, tags and security scheme.
func newConfig() huma.Config {
	cfg := huma.DefaultConfig("Vigil API", Version)
	cfg.Info.Description = "Schedules, runs, ad-hoc reports and screeners, portfolios, notifications and platform health of Vigil. " +
		"Every /api/ operation needs `Authorization: Bearer <token>` (`vigil tokens create --user ID`)."
	// A relative server: requests go to the host that served the document
	// (the /docs page's "try it out" included), whatever its address.
	cfg.Servers = []*huma.Server{{URL: "/", Description: "The Vigil API that serves this document (api_addr, default :8001)"}}
	cfg.Tags = []*huma.Tag{
		{Name: "schedules", Description: "Cron schedules of jobs: create, read, replace, delete, trigger, pause, resume, preview, backfill."},
		{Name: "runs", Description: "Runs of schedules (and ad-hoc runs): list, read, cancel, statistics, and the files they produced."},
		{Name: "alerts", Description: "Evaluate an alert config now, without a schedule."},
		{Name: "reports", Description: "Run a report now (daily summary, portfolio analysis, performance); the result arrives as a notification and on the run."},
		{Name: "screeners", Description: "Run a screener now, and keep named ticker lists (screener sets) to screen."},
		{Name: "portfolios", Description: "Your portfolios and their holdings, which portfolio_analysis reports analyse."},
		{Name: "backtests", Description: "Backtest a trading strategy on past bars: trades, equity, drawdown, Sharpe."},
		{Name: "bots", Description: "Your trading bots: define, start, stop, stop entries, force exits; positions, orders, round trips and equity."},
		{Name: "notifications", Description: "Queue a notification for a user."},
		{Name: "webhooks", Description: "Inbound webhooks: TradingView alerts to /hooks/tradingview/{token}, and the token that authenticates them."},
		{Name: "health", Description: "Platform health: the latest report of every system and component."},
		{Name: "audit", Description: "Who changed what, from where (api, bot, cli, console, webhook, tradingbot, scheduler, worker)."},
		{Name: "incidents", Description: "Operator alerting (admins): incidents the scheduler's monitor opened and resolved."},
	}
	cfg.DocsPath = "" // huma's docs page loads scripts from a CDN; /docs is served from the binary
	// No $schema links in bodies: responses keep the design's shapes.
	cfg.CreateHooks = nil
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearerScheme: {Type: "http", Scheme: "bearer", Description: "An API token: `vgl_` followed by 43 characters."},
	}
	return cfg
}

// OpenAPI returns the API's OpenAPI 3.1 document (what /openapi.json serves)
// without a database: the operations are registered on a handler that never
// runs. OpenAPI().Downgrade() is the 3.0 form (/openapi-3.0.json).
func OpenAPI() *huma.OpenAPI {
	hapi := humago.New(http.NewServeMux(), newConfig())
	(&handler{}).register(hapi)
	return hapi.OpenAPI()
}
