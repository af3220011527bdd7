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

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/health"
	"github.com/vigilhq/vigil/incidents"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// roles says which parts a process runs.
type roles struct {
	scheduler bool // enqueuer + maintenance jobs
	worker    bool // River workers
	api       bool // the HTTP API listener
	telegram  bool // the Telegram bot
	migrate   bool // run migrations first (serve)
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "serve", "run every role in one process: migrate, then the scheduler, workers and the status listener (until Ctrl-C)",
		roles{scheduler: true, worker: true, api: true, telegram: true, migrate: true})
}

func cmdScheduler(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "scheduler", "run the scheduler role: the cron enqueuer and the maintenance jobs (any number of schedulers may run)",
		roles{scheduler: true})
}

func cmdWorker(ctx context.Context, e *env, args []string) error {
	return runRoles(ctx, e, args, "worker", "run the worker role: River workers for every job type this build has",
		roles{worker: true})
}

func runRoles(ctx context.Context, e *env, args []string, name, help string, r roles) error {
	var c common
	fs := newFlags(e, name, "[flags]", help)
	c.register(fs)
	demo := fs.Bool("demo", false, "seed a demo user and schedules once (make run uses it)")
	statusAddr := fs.String("status-addr", "", "status listener address (overrides VIGIL_STATUS_ADDR; default :8002, \"off\" disables)")
	apiAddr := fs.String("api-addr", "", "API listener address when serving the API (overrides VIGIL_API_ADDR; default :8001, \"off\" disables)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	if *apiAddr == "off" {
		cfg.APIAddr = ""
	} else if *apiAddr != "" {
		cfg.APIAddr = *apiAddr
	}
	if *statusAddr == "off" || (*statusAddr == "" && r.api && !r.scheduler && !r.worker) {
		cfg.StatusAddr = ""
	} else if *statusAddr != "" {
		cfg.StatusAddr = *statusAddr
	}
	if r.telegram && !r.worker && cfg.TelegramBotToken == "" {
		return errors.New("TELEGRAM_BOT_TOKEN is not set: the bot needs a token from @BotFather (vigil serve runs a local stand-in instead)")
	}
	if r.telegram && !r.worker && *statusAddr == "" {
		cfg.StatusAddr = ""
	}
	if r.api && cfg.APIAddr == "" && !r.scheduler && !r.worker {
		return errors.New("api_addr is empty: set VIGIL_API_ADDR or --api-addr")
	}
	log := newLogger(e.stderr, cfg, "vigil").With("role", name)

	validator, err := schemas.New()
	if err != nil {
		return fmt.Errorf("compile schemas: %w", err)
	}
	pool, err := openDB(ctx, cfg, log, r.migrate)
	if err != nil {
		return err
	}
	defer pool.Close()
	if r.migrate {
		if err := db.MigrateUp(ctx, pool, log.With("component", "migrate")); err != nil {
			return err
		}
	} else if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	if *demo {
		if err := seedDemo(ctx, pool, log); err != nil {
			return err
		}
	}

	if d := cfg.StartupDelay.D(); d > 0 {
		log.Info("waiting before start (SCHEDULER_STARTUP_DELAY)", "delay", d)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}

	channels := map[string]notify.Channel{}
	if cfg.WebhookSecret != "" {
		channels[notify.ChannelWebhook] = &notify.Webhook{Secret: []byte(cfg.WebhookSecret)}
	} else {
		channels[notify.ChannelWebhook] = &notify.Webhook{}
	}
	var standIn *telegramtest.Server
	if r.worker {
		tg, stand, err := telegramChannel(ctx, cfg, pool, r.api, log)
		if err != nil {
			return err
		}
		standIn = stand
		if stand != nil {
			defer stand.Close()
		}
		if tg != nil {
			channels[notify.ChannelTelegram] = tg
		}
	}
	m := metrics.New(pool)
	client, err := jobs.NewClient(jobs.Deps{Pool: pool, Config: cfg, Logger: log, Channels: channels,
		Work: r.worker, Maintenance: r.scheduler, Metrics: m})
	if err != nil {
		return err
	}
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	if err := client.Start(runCtx); err != nil {
		return err
	}

	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: pool, Client: client.Client, Config: cfg,
		Validator: validator, Logger: log, Kinds: client.Kinds, Metrics: m})
	if err != nil {
		return err
	}
	var apiSrv *http.Server
	if r.api && cfg.APIAddr != "" {
		server, err := api.New(api.Options{Pool: pool, Client: client, Enqueuer: enq, Config: cfg,
			Validator: validator, Logger: log, Metrics: m})
		if err != nil {
			return err
		}
		defer server.Close()
		ln, err := net.Listen("tcp", cfg.APIAddr)
		if err != nil {
			_ = client.Shutdown(ctx, time.Second)
			return fmt.Errorf("api listener on %s: %w", cfg.APIAddr, err)
		}
		handler := server.Handler()
		if standIn != nil {
			// Without a bot token, a person can chat with the local stand-in.
			mux := http.NewServeMux()
			mux.Handle("/dev/chat", http.StripPrefix("/dev/chat", standIn.ChatPage()))
			mux.Handle("/dev/chat/", http.StripPrefix("/dev/chat", standIn.ChatPage()))
			mux.Handle("/", handler)
			handler = mux
			log.Info("no TELEGRAM_BOT_TOKEN: notifications go to the local Bot API stand-in",
				"chat", "http://"+cfg.APIAddr+"/dev/chat", "stand_in", standIn.URL())
		}
		apiSrv = &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
		log.Info("api listener", "addr", ln.Addr().String(), "docs", "http://"+ln.Addr().String()+"/docs")
		go func() {
			if err := apiSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("api listener", "error", err)
			}
		}()
	}

	var schedulerState atomic.Value
	schedulerState.Store("disabled")
	enqCtx, stopEnq := context.WithCancel(runCtx)
	defer stopEnq()
	var wg sync.WaitGroup
	if r.scheduler {
		schedulerState.Store("running")
		wg.Go(func() {
			if err := enq.Run(enqCtx); err != nil {
				log.Error("scheduler stopped", "error", err)
			}
			schedulerState.Store("stopped")
		})
		log.Info("scheduler started", "fires_job_types", enq.Fireable())
		mon := incidents.New(incidents.Options{Pool: pool, Client: client.Client, Config: cfg, Logger: log, Metrics: m})
		wg.Go(func() { mon.Run(enqCtx) })
	}
	workers := "disabled"
	if r.worker {
		workers = "running"
	}
	components := func() map[string]string {
		return map[string]string{"scheduler": schedulerState.Load().(string), "workers": workers, "river_client": "running"}
	}
	// One heartbeat per role this process runs (system = the role,
	// component = the host), every health_check_interval.
	host, _ := os.Hostname()
	beat := func(system string, state func() string) {
		hb := &health.Heartbeat{Pool: pool, System: system, Component: host, Interval: cfg.HealthCheckInterval.D(), Logger: log,
			Check: func(context.Context) (string, string, map[string]any) {
				st := state()
				status := "HEALTHY"
				if st != "running" {
					status = "DOWN"
				}
				return status, "", map[string]any{"client_id": client.ID(), "process": name, "state": st, "pid": os.Getpid()}
			}}
		wg.Go(func() { hb.Run(enqCtx) })
	}
	if r.scheduler {
		beat("scheduler", func() string { return schedulerState.Load().(string) })
	}
	if r.worker {
		beat("worker", func() string { return "running" })
	}
	if apiSrv != nil {
		beat("api", func() string { return "running" })
	}
	if r.telegram {
		running, err := startBot(enqCtx, &wg, cfg, pool, validator, client, channels, standIn, log)
		if err != nil {
			return err
		}
		if running {
			beat("telegram", func() string { return "running" })
		}
	}

	var srv *http.Server
	if cfg.StatusAddr != "" {
		status := &health.Status{Pool: pool, Components: components, Logger: log, Metrics: m.Handler()}
		srv = &http.Server{Addr: cfg.StatusAddr, Handler: status.Handler(), ReadHeaderTimeout: 5 * time.Second}
		ln, err := net.Listen("tcp", cfg.StatusAddr)
		if err != nil {
			stopEnq()
			_ = client.Shutdown(ctx, time.Second)
			return fmt.Errorf("status listener on %s: %w", cfg.StatusAddr, err)
		}
		log.Info("status listener", "addr", ln.Addr().String(), "health", "http://"+ln.Addr().String()+"/health")
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("status listener", "error", err)
			}
		}()
	}
	log.Info("vigil is up", "scheduler", r.scheduler, "worker", r.worker, "client_id", client.ID())

	<-ctx.Done()
	return shutdown(log, cfg.ShutdownTimeout.D(), stopEnq, &wg, client, srv, apiSrv)
}

// shutdown stops enqueuing, lets running jobs finish within the timeout, then
// cancels what is left (River retries it), and stops the listener.
func shutdown(log *slog.Logger, timeout time.Duration, stopEnq func(), wg *sync.WaitGroup, client *jobs.Client, srvs ...*http.Server) error {
	log.Info("shutting down", "timeout", timeout)
	for _, s := range srvs[1:] { // the API stops taking requests first
		if s != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = s.Shutdown(sctx)
			cancel()
		}
	}
	stopEnq()
	wg.Wait()
	err := client.Shutdown(context.Background(), timeout)
	if srv := srvs[0]; srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	if err != nil {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}
