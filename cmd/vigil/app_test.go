package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
)

// appConfig is the config of an app test on database url.
func appConfig(url string) config.Config {
	cfg := config.Default()
	cfg.DatabaseURL = url
	cfg.StartupDelay = 0
	cfg.ShutdownTimeout = config.Duration(2 * time.Second)
	cfg.APIAddr, cfg.StatusAddr = "", ""
	return cfg
}

// requireStopped checks what Close must leave behind: the River client
// stopped and the pool closed.
func requireStopped(t *testing.T, a *app) {
	t.Helper()
	select {
	case <-a.client.Stopped():
	default:
		t.Fatal("the River client still runs")
	}
	require.Error(t, a.pool.Ping(context.Background()), "the pool is closed")
}

// An app with the scheduler, worker and API roles serves the API and
// /health once Run returns; Close stops the listeners, the scheduler and
// the River client and closes the pool.
func TestAppRunAndClose(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cfg := appConfig(d.URL)
	cfg.APIAddr, cfg.StatusAddr = freePort(t), freePort(t)
	var logs bytes.Buffer
	a := newApp("serve", roles{scheduler: true, worker: true, api: true}, cfg,
		slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil)), false)
	require.NoError(t, a.Run(t.Context()))
	for _, url := range []string{"http://" + cfg.APIAddr + "/openapi.json", "http://" + cfg.StatusAddr + "/health"} {
		resp, err := http.Get(url)
		require.NoError(t, err, url)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, url)
	}
	require.Equal(t, "running", a.scheduler.Load())
	require.NotNil(t, a.market, "the API and the workers share one market-data manager")
	require.NotNil(t, a.funds)

	require.NoError(t, a.Close())
	requireStopped(t, a)
	require.Equal(t, "stopped", a.scheduler.Load())
	for _, addr := range []string{cfg.APIAddr, cfg.StatusAddr} {
		_, err := net.DialTimeout("tcp", addr, time.Second)
		require.Error(t, err, "%s no longer accepts connections", addr)
	}
	require.Contains(t, logs.String(), "stopped cleanly")
}

// A start that fails halfway (the status address is taken) returns the
// error, and Close stops what had started: the working River client and
// the pool.
func TestAppCloseAfterFailedRun(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	cfg := appConfig(d.URL)
	cfg.StatusAddr = busy.Addr().String()
	a := newApp("worker", roles{worker: true}, cfg, slog.New(slog.DiscardHandler), false)
	err = a.Run(t.Context())
	require.ErrorContains(t, err, "status listener on "+cfg.StatusAddr)
	require.True(t, a.clientStarted, "the worker's client had started")
	require.NoError(t, a.Close())
	requireStopped(t, a)
}

// A role that reads no market data builds no manager: a scheduler alone
// does not depend on the market-data provider's config.
func TestAppSchedulerBuildsNoMarketData(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cfg := appConfig(d.URL)
	cfg.MarketDataProvider = "csv" // without a directory: fails if built
	a := newApp("scheduler", roles{scheduler: true}, cfg, slog.New(slog.DiscardHandler), false)
	require.NoError(t, a.Run(t.Context()))
	require.Nil(t, a.market)
	require.NoError(t, a.Close())
	requireStopped(t, a)

	w := newApp("worker", roles{worker: true}, cfg, slog.New(slog.DiscardHandler), false)
	require.ErrorContains(t, w.Run(t.Context()), "market data provider csv: a directory is required")
	require.NoError(t, w.Close())
}

// syncWriter serialises writes from the app's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
