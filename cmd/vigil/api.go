package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/health"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/schemas"
)

// cmdAPI runs the HTTP API alone: an insert-only River client enqueues, an
// enqueuer that does not run triggers and backfills, and the API listener
// serves until Ctrl-C.
func cmdAPI(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "api", "[flags]", "run the HTTP API role: /api/..., /openapi.json, /docs and /riverui/ on api_addr (until Ctrl-C)")
	c.register(fs)
	apiAddr := fs.String("api-addr", "", "API listener address (overrides VIGIL_API_ADDR; default :8001)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	if *apiAddr != "" {
		cfg.APIAddr = *apiAddr
	}
	if cfg.APIAddr == "" {
		return errors.New("api_addr is empty: set VIGIL_API_ADDR or --api-addr")
	}
	log := newLogger(e.stderr, cfg, "vigil").With("role", "api")

	validator, err := schemas.New()
	if err != nil {
		return fmt.Errorf("compile schemas: %w", err)
	}
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	m := metrics.New(pool)
	client, err := jobs.NewClient(jobs.Deps{Pool: pool, Config: cfg, Logger: log, Metrics: m})
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
	srv := &http.Server{Handler: server.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("api listener", "error", err)
		}
	}()
	host, _ := os.Hostname()
	hb := &health.Heartbeat{Pool: pool, System: "api", Component: host, Interval: cfg.HealthCheckInterval.D(), Logger: log,
		Check: func(context.Context) (string, string, map[string]any) {
			return "HEALTHY", "", map[string]any{"addr": ln.Addr().String()}
		}}
	hbDone := make(chan struct{})
	go func() { defer close(hbDone); hb.Run(runCtx) }()
	log.Info("api listener", "addr", ln.Addr().String(), "docs", "http://"+ln.Addr().String()+"/docs")

	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout.D())
	defer cancel()
	err = srv.Shutdown(sctx)
	cancelRun()
	<-hbDone
	if serr := client.Shutdown(context.Background(), time.Second); err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("stop api: %w", err)
	}
	log.Info("stopped cleanly")
	return nil
}
