package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/console"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/health"
	"github.com/vigilhq/vigil/incidents"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/notify/mailtest"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/screener"
	"github.com/vigilhq/vigil/telegram/bot"
	"github.com/vigilhq/vigil/telegram/telegramtest"
	"github.com/vigilhq/vigil/tradingbot"
)

// httpShutdownTimeout bounds how long a listener waits for requests in
// flight when it stops.
const httpShutdownTimeout = 5 * time.Second

// app is one vigil process running some roles, in the shape of WTF Dial's
// Main: newApp takes the validated config, Run builds every dependency from
// it (pool, market-data providers and managers, stores, notification
// channels, River client, enqueuer, API, bot), passes them in and starts the
// roles, and Close stops them in a fixed order (see Close). The packages
// below build none of these themselves.
type app struct {
	name  string // the role name logged and reported in heartbeats
	roles roles
	cfg   config.Config
	log   *slog.Logger
	demo  bool // seed the demo user and schedules
	// bots tunes the trading bot runner (the tradingbot role).
	bots botRunnerOptions

	validator *schemas.Validator
	// pool is the direct connection: River's client (workers, leader
	// election, LISTEN/NOTIFY), migrations. pooled runs the short
	// transactions (API, enqueuer, bot, job inserts): pooled_database_url
	// through PgBouncer when set, else pool itself.
	pool, pooled *pgxpool.Pool
	metrics      *metrics.Metrics
	// sources and market serve bars (workers, and the API's alert
	// evaluation); funds serves the screener worker.
	sources  *marketdata.Sources
	market   *marketdata.Manager
	funds    *fundamentals.Manager
	channels map[string]notify.Channel
	standIn  *telegramtest.Server // the local Bot API stand-in, or nil
	// email is the email channel (nil without one), mailCatcher the local
	// mail catcher it sends to when no smtp_host is set (`serve`), links
	// the signer of the mails' preferences links.
	email       *notify.Email
	mailCatcher *mailtest.Server
	links       *notify.EmailLinks
	client      *jobs.Client
	enq         *jobs.Enqueuer
	api         *api.Server
	apiSrv      *http.Server
	status      *http.Server

	// scheduler is the enqueuer's state for /health: disabled, running,
	// stopped.
	scheduler atomic.Value
	// clientStarted says the River client runs (and must be stopped).
	clientStarted bool
	// runner runs the trading bots (the tradingbot role), or nil.
	runner *tradingbot.Runner
	// The bot, the trading bot runner and the background loops (enqueuer,
	// heartbeats) each run on their own context, so that Close stops them
	// one after the other.
	botCtx, runnerCtx, backgroundCtx    context.Context
	stopBot, stopRunner, stopBackground context.CancelFunc
	bot, runnerDone, background         sync.WaitGroup
	botRunning                          bool
	// botTelegram is the bot's Bot API client; botStopped says its loop
	// returned (health checks read both).
	botTelegram *notify.Telegram
	botStopped  atomic.Bool
	// theBot is the Telegram bot (nil without one); webhook receives its
	// webhook deliveries on the API listener (webhook mode, API role).
	theBot  *bot.Bot
	webhook *bot.Webhook
	// apiAddr is the API listener's address, for its health check.
	apiAddr string
	// stopScheduler stops the enqueuer alone (the heartbeats go on and
	// report it DOWN).
	stopScheduler context.CancelFunc
	up            bool // Run completed
}

// newApp returns the process for roles r with a validated config; nothing
// is built or started until Run.
func newApp(name string, r roles, cfg config.Config, log *slog.Logger, demo bool) *app {
	a := &app{name: name, roles: r, cfg: cfg, log: log, demo: demo}
	a.botCtx, a.stopBot = context.WithCancel(context.Background())
	a.runnerCtx, a.stopRunner = context.WithCancel(context.Background())
	a.backgroundCtx, a.stopBackground = context.WithCancel(context.Background())
	a.scheduler.Store("disabled")
	return a
}

// Run builds the process and starts its roles in named steps, then returns:
// the roles run until Close. After an error the caller still calls Close,
// which stops what was started. A ctx that ends during the start-up delay
// returns nil with nothing started.
func (a *app) Run(ctx context.Context) error {
	if err := a.openDatabase(ctx); err != nil {
		return err
	}
	if !a.waitStartupDelay(ctx) {
		return nil
	}
	if err := a.buildChannels(ctx); err != nil {
		return err
	}
	if err := a.buildMarketData(); err != nil {
		return err
	}
	if err := a.startJobs(ctx); err != nil {
		return err
	}
	if err := a.buildBot(); err != nil {
		return err
	}
	if err := a.startAPI(); err != nil {
		return err
	}
	a.startScheduler()
	if err := a.startTradingBots(); err != nil {
		return err
	}
	if err := a.startBot(); err != nil {
		return err
	}
	a.startHeartbeats()
	if err := a.startStatus(); err != nil {
		return err
	}
	a.up = true
	a.log.Info("vigil is up", "scheduler", a.roles.scheduler, "worker", a.roles.worker, "trading_bots", a.runner != nil,
		"client_id", a.client.ID())
	return nil
}

// openDatabase compiles the schemas, opens the pool, migrates (serve) or
// checks the schema is current, and seeds the demo when asked.
func (a *app) openDatabase(ctx context.Context) error {
	v, err := schemas.New()
	if err != nil {
		return fmt.Errorf("compile schemas: %w", err)
	}
	a.validator = v
	// The trading bot runner decides up to tradingbot.DefaultWorkers bots at
	// once, beside the River client's connections.
	var conns int32
	if a.roles.tradingbot {
		conns = tradingbot.DefaultWorkers + 4
	}
	pool, err := openDBConns(ctx, a.cfg, a.log, a.roles.migrate, conns)
	if err != nil {
		return err
	}
	a.pool, a.pooled = pool, pool
	if a.cfg.PooledDatabaseURL != "" {
		pooled, err := db.OpenPooled(ctx, a.cfg.PooledDatabaseURL, 0)
		if err != nil {
			return fmt.Errorf("pooled_database_url %s: %w", db.Redact(a.cfg.PooledDatabaseURL), err)
		}
		a.pooled = pooled
		a.log.Info("short transactions go through the pooled connection", "pooled_database_url", db.Redact(a.cfg.PooledDatabaseURL))
	}
	if a.roles.migrate {
		if err := db.MigrateUp(ctx, pool, a.log.With("component", "migrate")); err != nil {
			return err
		}
	} else if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	if a.demo {
		if err := seedDemo(ctx, pool, a.log); err != nil {
			return err
		}
	}
	a.metrics = metrics.New(pool)
	return nil
}

// waitStartupDelay waits SCHEDULER_STARTUP_DELAY; false when ctx ended first.
func (a *app) waitStartupDelay(ctx context.Context) bool {
	d := a.cfg.StartupDelay.D()
	if d <= 0 {
		return true
	}
	a.log.Info("waiting before start (SCHEDULER_STARTUP_DELAY)", "delay", d)
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// buildChannels builds the notification channels: the webhook channel,
// the email channel (smtp_host, or in `serve` without one the local mail
// catcher; the API and the bot mail confirmation codes through it), and in
// a worker the Telegram channel (the Bot API, or in `serve` without a
// token the local stand-in).
func (a *app) buildChannels(ctx context.Context) error {
	a.channels = map[string]notify.Channel{}
	if a.cfg.WebhookSecret != "" {
		a.channels[notify.ChannelWebhook] = &notify.Webhook{Secret: []byte(a.cfg.WebhookSecret)}
	} else {
		a.channels[notify.ChannelWebhook] = &notify.Webhook{}
	}
	links, err := emailLinks(a.cfg)
	if err != nil {
		return err
	}
	a.links = links
	if a.roles.worker || a.roles.api || a.roles.telegram {
		em, catcher, err := emailChannel(a.cfg, links, a.localStandIns(), a.log)
		if err != nil {
			return err
		}
		a.email, a.mailCatcher = em, catcher
	}
	if !a.roles.worker {
		return nil
	}
	if a.email != nil {
		a.channels[notify.ChannelEmail] = a.email
	}
	tg, standIn, err := telegramChannel(ctx, a.cfg, a.pooled, a.roles.api, a.log)
	if err != nil {
		return err
	}
	a.standIn = standIn
	if tg != nil {
		a.channels[notify.ChannelTelegram] = tg
	}
	return nil
}

// localStandIns reports whether this process runs the local stand-ins of
// unset channels (the Bot API stand-in, the mail catcher): `vigil serve`,
// a worker that also serves the API (where people can see them).
func (a *app) localStandIns() bool { return a.roles.worker && a.roles.api }

// buildMarketData builds the market-data sources over market_bars and the
// configured provider's manager (for the workers, the API's alert
// evaluation and backtests, the bot's backtests and the trading bot
// runner), and in a worker the fundamentals manager over the fundamentals
// table. Other roles never read market data and build none.
func (a *app) buildMarketData() error {
	if !a.roles.worker && !a.roles.api && !a.roles.telegram && !a.roles.tradingbot {
		return nil
	}
	a.sources = marketdata.NewSources(marketDataOptions(a.cfg),
		store.NewBarStore(a.pooled), a.cfg.DataCacheTTL.D(), a.log.With("component", "marketdata"))
	m, err := a.sources.Manager(a.cfg.MarketDataProvider)
	if err != nil {
		return err
	}
	a.market = m
	if !a.roles.worker {
		return nil
	}
	funds, err := newFundamentals(a.cfg, store.NewFundamentalsStore(a.pooled), a.log)
	if err != nil {
		return err
	}
	a.funds = funds
	return nil
}

// newFundamentals builds the fundamentals manager config asks for: the
// fundamentals_provider (by default synthetic when market data is synthetic
// or csv, yahoo when it is yahoo), cached for fundamentals_cache_ttl and
// stored in st. Synthetic figures carry the S&P 500 and Nasdaq-100
// snapshots' names and sectors.
func newFundamentals(cfg config.Config, st fundamentals.Store, log *slog.Logger) (*fundamentals.Manager, error) {
	p, err := fundamentals.NewProvider(cfg.FundamentalsProviderName(), fundamentals.Options{File: cfg.FundamentalsFile,
		Lookup: screener.Lookup(), WithSector: true})
	if err != nil {
		return nil, err
	}
	return fundamentals.NewManager(p, st, cfg.FundamentalsCacheTTL.D(), log.With("component", "fundamentals")), nil
}

// startJobs builds and starts the River client (working the queues in a
// worker, the maintenance queue in a scheduler, insert-only otherwise) and
// the enqueuer.
func (a *app) startJobs(ctx context.Context) error {
	client, err := jobs.NewClient(jobs.Deps{Pool: a.pool, Config: a.cfg, Logger: a.log, Channels: a.channels,
		Work: a.roles.worker, Maintenance: a.roles.scheduler, Metrics: a.metrics,
		Market: a.market, Sources: a.sources, Fundamentals: a.funds})
	if err != nil {
		return err
	}
	a.client = client
	// The client runs until Close, whatever happens to ctx.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	a.clientStarted = true
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: a.pooled, ListenPool: a.pool, Client: client.Client, Config: a.cfg,
		Validator: a.validator, Logger: a.log, Kinds: client.Kinds, Metrics: a.metrics})
	if err != nil {
		return err
	}
	a.enq = enq
	return nil
}

// startAPI serves the API on api_addr when this process has the API role
// (and, without a bot token, the stand-in's dev chat page beside it).
func (a *app) startAPI() error {
	if !a.roles.api || a.cfg.APIAddr == "" {
		return nil
	}
	server, err := api.New(api.Options{Pool: a.pooled, Client: a.client, Enqueuer: a.enq, Config: a.cfg,
		Validator: a.validator, Market: a.market, Logger: a.log, Metrics: a.metrics,
		Email: emailSender(a.email), EmailLinks: a.links, Channels: a.cfg.DeliveryChannels(a.localStandIns())})
	if err != nil {
		return err
	}
	a.api = server
	ln, err := net.Listen("tcp", a.cfg.APIAddr)
	if err != nil {
		return fmt.Errorf("api listener on %s: %w", a.cfg.APIAddr, err)
	}
	handler := server.Handler()
	if a.standIn != nil || a.mailCatcher != nil || a.webhook != nil {
		mux := http.NewServeMux()
		if a.webhook != nil {
			mux.Handle(bot.WebhookPath, a.webhook)
			a.log.Info("telegram webhook receiver", "path", bot.WebhookPath, "url", a.cfg.TelegramWebhookURL())
		}
		if a.standIn != nil {
			// Without a bot token, a person can chat with the local stand-in.
			mux.Handle("/dev/chat", http.StripPrefix("/dev/chat", a.standIn.ChatPage()))
			mux.Handle("/dev/chat/", http.StripPrefix("/dev/chat", a.standIn.ChatPage()))
			a.log.Info("no TELEGRAM_BOT_TOKEN: notifications go to the local Bot API stand-in",
				"chat", a.cfg.PublicBase()+"/dev/chat", "stand_in", a.standIn.URL())
		}
		if a.mailCatcher != nil {
			// Without an smtp_host, mail goes to the local catcher.
			mux.Handle(devMailPath, a.mailCatcher.Page(devMailPath))
			mux.Handle(devMailPath+"/", a.mailCatcher.Page(devMailPath))
			a.log.Info("no smtp_host: mail goes to the local mail catcher",
				"mail", a.cfg.PublicBase()+devMailPath, "smtp", a.mailCatcher.Addr())
		}
		mux.Handle("/", handler)
		handler = mux
	}
	a.apiSrv = &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	a.apiAddr = ln.Addr().String()
	a.log.Info("api listener", "addr", ln.Addr().String(), "docs", "http://"+ln.Addr().String()+"/docs")
	serve(a.log, "api listener", a.apiSrv, ln)
	if a.demo {
		return a.printConsoleLogin()
	}
	return nil
}

// printConsoleLogin prints, at every start of the demo, a single-use link
// that logs the demo user into the console.
func (a *app) printConsoleLogin() error {
	ctx := context.Background()
	var id int64
	if err := a.pooled.QueryRow(ctx, "SELECT id FROM users WHERE name = 'demo' AND is_admin ORDER BY id LIMIT 1").Scan(&id); err != nil {
		return fmt.Errorf("find the demo user for the console link: %w", err)
	}
	code, err := console.CreateLoginCode(ctx, a.pooled, id, time.Now())
	if err != nil {
		return err
	}
	a.log.Info("console: " + a.cfg.PublicBase() + console.Prefix + "/login?code=" + code)
	return nil
}

// startScheduler runs the enqueuer in a scheduler.
func (a *app) startScheduler() {
	if !a.roles.scheduler {
		return
	}
	ctx := a.backgroundCtx
	a.scheduler.Store("running")
	// The enqueuer can be stopped alone (stopScheduler); Close stops it with
	// the other background loops.
	enqCtx, stop := context.WithCancel(ctx)
	a.stopScheduler = stop
	a.background.Go(func() {
		defer stop()
		if err := a.enq.Run(enqCtx); err != nil {
			a.log.Error("scheduler stopped", "error", err)
		}
		a.scheduler.Store("stopped")
	})
	a.log.Info("scheduler started", "fires_job_types", a.enq.Fireable())
	mon := incidents.New(incidents.Options{Pool: a.pooled, Client: a.client.Client, Config: a.cfg, Logger: a.log, Metrics: a.metrics})
	a.background.Go(func() { mon.Run(ctx) })
}

// startTradingBots runs every running trading bot in the tradingbot role:
// a runner on the configured market data that enqueues the owners'
// notifications with the River client.
func (a *app) startTradingBots() error {
	if !a.roles.tradingbot {
		return nil
	}
	brokers, err := brokerAccounts(a.cfg)
	if err != nil {
		return err
	}
	r, err := tradingbot.NewRunner(tradingbot.Options{Pool: a.pool, Market: a.market, Validator: a.validator,
		Notifier: jobs.TradeNotifier{Client: a.client.Client}, Brokers: brokers, Owner: a.bots.owner, LeaseTTL: a.bots.leaseTTL,
		Poll: a.bots.poll, Now: a.bots.now, BeforeCommit: a.bots.beforeCommit, Logger: a.log.With("component", "tradingbot")})
	if err != nil {
		return err
	}
	a.runner = r
	ctx := a.runnerCtx
	a.runnerDone.Go(func() {
		if err := r.Run(ctx); err != nil {
			a.log.Error("trading bot runner stopped", "error", err)
		}
	})
	return nil
}

// startHeartbeats starts one heartbeat per role this process runs (system =
// the role, component = the host), every health_check_interval, each with
// the checks of that role (see roleComponents); the trading bot runner's
// (system trading_bot) carries its bots' last bar age and broker
// connectivity.
func (a *app) startHeartbeats() {
	for _, system := range a.systems() {
		a.beat(system)
	}
}

// beat runs the heartbeat of system until Close stops the background loops.
func (a *app) beat(system string) {
	host, _ := os.Hostname()
	// The row goes through the pooled connection, like every short
	// transaction; the checks look at both connections (heartbeatProbes).
	hb := &health.Heartbeat{Pool: a.pooled, System: system, Component: host, Interval: a.cfg.HealthCheckInterval.D(),
		Logger: a.log, Probes: a.heartbeatProbes(system),
		Metadata: func() map[string]any {
			return map[string]any{"client_id": a.client.ID(), "process": a.name, "pid": os.Getpid()}
		}}
	ctx := a.backgroundCtx
	a.background.Go(func() { hb.Run(ctx) })
}

// startStatus serves /health, /stats and /metrics on status_addr.
func (a *app) startStatus() error {
	if a.cfg.StatusAddr == "" {
		return nil
	}
	comps := a.processComponents()
	var disabled []string
	for _, name := range statusComponents {
		if _, ok := comps[name]; !ok {
			disabled = append(disabled, name)
		}
	}
	status := &health.Status{Pool: a.pool, Components: comps, Disabled: disabled, Logger: a.log,
		Metrics: a.metrics.Handler(), Token: a.cfg.StatusToken}
	ln, err := net.Listen("tcp", a.cfg.StatusAddr)
	if err != nil {
		return fmt.Errorf("status listener on %s: %w", a.cfg.StatusAddr, err)
	}
	a.status = &http.Server{Handler: status.Handler(), ReadHeaderTimeout: 5 * time.Second}
	a.log.Info("status listener", "addr", ln.Addr().String(), "health", "http://"+ln.Addr().String()+"/health")
	serve(a.log, "status listener", a.status, ln)
	return nil
}

// serve runs srv on ln until it is shut down.
func serve(log *slog.Logger, what string, srv *http.Server, ln net.Listener) {
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(what, "error", err)
		}
	}()
}

// Close stops the process in this order, whatever was started:
//
//  1. the API listener stops accepting requests (those in flight finish);
//  2. the Telegram bot stops polling;
//  3. the trading bot runner finishes the decisions in flight and releases
//     its leases (another process takes the bots over at once);
//  4. the enqueuer and the heartbeats stop;
//  5. the River client stops fetching, lets running jobs finish within
//     shutdown_timeout, then cancels the rest (River retries them) and
//     flushes the run ledger;
//  6. the status listener stops: it answers /health until the jobs drained;
//  7. the API's background services, the Telegram stand-in and the pool
//     close.
func (a *app) Close() error {
	timeout := a.cfg.ShutdownTimeout.D()
	if a.up {
		a.log.Info("shutting down", "timeout", timeout)
	}
	shutdownHTTP(a.apiSrv)
	if a.webhook != nil {
		a.webhook.Close()
	}
	a.stopBot()
	a.bot.Wait()
	a.stopRunner()
	a.runnerDone.Wait()
	a.stopBackground()
	a.background.Wait()
	var err error
	if a.clientStarted {
		err = a.client.Shutdown(context.Background(), timeout)
	}
	shutdownHTTP(a.status)
	if a.api != nil {
		a.api.Close()
	}
	if a.standIn != nil {
		a.standIn.Close()
	}
	if a.mailCatcher != nil {
		a.mailCatcher.Close()
	}
	if a.pooled != nil && a.pooled != a.pool {
		a.pooled.Close()
	}
	if a.pool != nil {
		a.pool.Close()
	}
	if err != nil {
		return err
	}
	if a.up {
		a.log.Info("stopped cleanly")
	}
	return nil
}

// shutdownHTTP stops srv (nil: nothing) within httpShutdownTimeout.
func shutdownHTTP(srv *http.Server) {
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
	defer cancel()
	_ = srv.Shutdown(ctx)
}
