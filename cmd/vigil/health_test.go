package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/health"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// beat is the latest msg_system_health row of a system.
type beat struct {
	Status, Error string
	Checks        map[string]health.Check
}

func latestBeat(t *testing.T, d *dbtest.DB, system string) beat {
	t.Helper()
	var b beat
	var meta []byte
	err := d.Pool.QueryRow(context.Background(), `SELECT status, COALESCE(error_message, ''), metadata FROM msg_system_health
		WHERE system = $1 ORDER BY checked_at DESC, id DESC LIMIT 1`, system).Scan(&b.Status, &b.Error, &meta)
	if err != nil {
		return beat{}
	}
	var m struct {
		Checks map[string]health.Check `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(meta, &m))
	b.Checks = m.Checks
	return b
}

// getHealth fetches /health from addr.
func getHealth(t *testing.T, addr string) (int, health.Report) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/health")
	require.NoError(t, err)
	defer resp.Body.Close()
	var r health.Report
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	return resp.StatusCode, r
}

// fastBeats is an app config whose heartbeat runs every 100 ms.
func fastBeats(url string) config.Config {
	cfg := appConfig(url)
	cfg.HealthCheckInterval = config.Duration(100 * time.Millisecond)
	return cfg
}

// Each role's heartbeat carries its real checks; /health lists the design's
// components with one word each and their full checks. Stopping the River
// client turns the scheduler and the worker DOWN at their next beat and
// /health into a 503.
func TestAppStoppedRoleTurnsDown(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cfg := fastBeats(d.URL)
	cfg.APIAddr, cfg.StatusAddr = freePort(t), freePort(t)
	a := newApp("serve", roles{scheduler: true, worker: true, api: true}, cfg, slog.New(slog.DiscardHandler), false)
	require.NoError(t, a.Run(t.Context()))
	defer func() { _ = a.Close() }()

	require.Eventually(t, func() bool {
		return latestBeat(t, d, "scheduler").Status == health.Healthy && latestBeat(t, d, "worker").Status == health.Healthy &&
			latestBeat(t, d, "api").Status == health.Healthy
	}, 30*time.Second, 20*time.Millisecond, "every role beats HEALTHY")
	sched, worker, apiBeat := latestBeat(t, d, "scheduler"), latestBeat(t, d, "worker"), latestBeat(t, d, "api")
	require.ElementsMatch(t, []string{"database", "job_store", "scheduler", "river_client"}, keysOf(sched.Checks))
	require.ElementsMatch(t, []string{"database", "job_store", "river_client", "workers", "alert_evaluator", "market_data",
		"telegram", "email", "webhook"}, keysOf(worker.Checks))
	require.ElementsMatch(t, []string{"database", "job_store", "api", "market_data"}, keysOf(apiBeat.Checks))
	require.Contains(t, worker.Checks["database"].Metadata, "max_conns")
	require.Equal(t, a.client.ID(), worker.Checks["river_client"].Metadata["client_id"])

	code, r := getHealth(t, cfg.StatusAddr)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, health.ReportHealthy, r.Status, "%v", r.Components)
	for name, word := range map[string]string{"scheduler": "running", "database": "connected", "job_store": "operational",
		"alert_evaluator": "ready", "river_client": "running", "workers": "running", "telegram": "connected",
		"email": "unknown", "webhook": "unknown", "market_data": "unknown", "api": "running"} {
		require.Equal(t, word, r.Components[name], name)
		require.Contains(t, r.Checks, name)
	}

	require.NoError(t, a.client.Client.Stop(context.Background()))
	require.Eventually(t, func() bool {
		return latestBeat(t, d, "worker").Status == health.Down && latestBeat(t, d, "scheduler").Status == health.Down
	}, 30*time.Second, 20*time.Millisecond, "the next beats say DOWN")
	worker = latestBeat(t, d, "worker")
	require.Contains(t, worker.Error, "river_client: the River client has stopped")
	require.Contains(t, worker.Error, "workers: the River client has stopped")
	require.Equal(t, health.Down, worker.Checks["alert_evaluator"].Status)
	require.Contains(t, latestBeat(t, d, "scheduler").Error, "river_client: the River client has stopped")
	require.Equal(t, health.Healthy, latestBeat(t, d, "api").Status, "the API does not need the working client")

	code, r = getHealth(t, cfg.StatusAddr)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, health.ReportUnhealthy, r.Status)
	require.Equal(t, "down: the River client has stopped", r.Components["river_client"])
	require.Equal(t, "connected", r.Components["database"])
}

// A stopped enqueuer turns the scheduler's next beat DOWN while the
// process goes on beating.
func TestAppStoppedSchedulerTurnsDown(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	a := newApp("scheduler", roles{scheduler: true}, fastBeats(d.URL), slog.New(slog.DiscardHandler), false)
	require.NoError(t, a.Run(t.Context()))
	defer func() { _ = a.Close() }()
	require.Eventually(t, func() bool { return latestBeat(t, d, "scheduler").Status == health.Healthy },
		30*time.Second, 20*time.Millisecond)

	a.stopScheduler()
	require.Eventually(t, func() bool { return latestBeat(t, d, "scheduler").Status == health.Down },
		30*time.Second, 20*time.Millisecond, "the next beat says DOWN")
	b := latestBeat(t, d, "scheduler")
	require.Equal(t, "scheduler: the scheduler's enqueuer is not running", b.Error)
	require.Equal(t, false, b.Checks["scheduler"].Metadata["running"])
	require.Equal(t, health.Healthy, b.Checks["river_client"].Status)
	require.Eventually(t, func() bool { return a.scheduler.Load() == "stopped" }, 10*time.Second, 10*time.Millisecond)
}

// A process that dies stops beating: the API's health endpoints read its
// role as DOWN (stale) once its latest row is three intervals old.
func TestAppDeadProcessReadsDownInTheAPI(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cfg := fastBeats(d.URL)
	w := newApp("worker", roles{worker: true}, cfg, slog.New(slog.DiscardHandler), false)
	require.NoError(t, w.Run(t.Context()))
	require.Eventually(t, func() bool { return latestBeat(t, d, "worker").Status == health.Healthy },
		30*time.Second, 20*time.Millisecond)

	apiCfg := fastBeats(d.URL)
	apiCfg.APIAddr = freePort(t)
	apiApp := newApp("api", roles{api: true}, apiCfg, slog.New(slog.DiscardHandler), false)
	require.NoError(t, apiApp.Run(t.Context()))
	defer func() { _ = apiApp.Close() }()
	var uid int64
	require.NoError(t, d.Pool.QueryRow(t.Context(), "INSERT INTO users (name, status) VALUES ('ops', 'verified') RETURNING id").Scan(&uid))
	token, _, err := api.CreateToken(t.Context(), d.Pool, nil, uid, "test")
	require.NoError(t, err)
	system := func() map[string]any {
		req, err := http.NewRequest(http.MethodGet, "http://"+apiCfg.APIAddr+"/api/v1/health/system/worker", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return out
	}
	require.Equal(t, health.Healthy, system()["status"], "alive")

	require.NoError(t, w.Close()) // the heartbeats stop with the process
	require.Equal(t, health.Healthy, latestBeat(t, d, "worker").Status, "its last word was HEALTHY")
	var got map[string]any
	require.Eventually(t, func() bool {
		got = system()
		return got["status"] == health.Down
	}, 30*time.Second, 50*time.Millisecond, "stale after three intervals")
	comp := got["components"].([]any)[0].(map[string]any)
	require.Equal(t, true, comp["stale"])
	require.Equal(t, health.Healthy, comp["reported_status"])
}

// /health answers 503 once the process's database is gone, and the app
// still closes.
func TestAppHealthWithoutDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cfg := appConfig(d.URL)
	cfg.StatusAddr = freePort(t)
	var logs bytes.Buffer
	a := newApp("worker", roles{worker: true}, cfg, slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil)), false)
	require.NoError(t, a.Run(t.Context()))
	code, _ := getHealth(t, cfg.StatusAddr)
	require.Equal(t, http.StatusOK, code)

	require.NoError(t, dbtest.Drop(context.Background(), d.Name))
	code, r := getHealth(t, cfg.StatusAddr)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, health.ReportUnhealthy, r.Status)
	require.Regexp(t, "^down: ping: ", r.Components["database"])
	require.Equal(t, health.Down, r.Checks["database"].Status)
	require.Equal(t, health.Metrics{}, r.Metrics)
	_ = a.Close()
	requireStopped(t, a)
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The bot's role beats its polling loop and the Bot API: stopping the loop
// turns the telegram role DOWN at its next beat.
func TestAppStoppedBotTurnsDown(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cfg := fastBeats(d.URL)
	cfg.APIAddr = freePort(t) // the API role brings the local Bot API stand-in
	a := newApp("serve", roles{worker: true, api: true, telegram: true}, cfg, slog.New(slog.DiscardHandler), false)
	require.NoError(t, a.Run(t.Context()))
	defer func() { _ = a.Close() }()
	require.Eventually(t, func() bool { return latestBeat(t, d, "telegram").Status == health.Healthy },
		30*time.Second, 20*time.Millisecond)
	b := latestBeat(t, d, "telegram")
	require.ElementsMatch(t, []string{"database", "job_store", "telegram_bot", "telegram"}, keysOf(b.Checks))
	require.Equal(t, telegramtest.DefaultUsername, b.Checks["telegram"].Metadata["get_me"].(map[string]any)["metadata"].(map[string]any)["username"])

	a.stopBot()
	a.bot.Wait()
	require.Eventually(t, func() bool { return latestBeat(t, d, "telegram").Status == health.Down },
		30*time.Second, 20*time.Millisecond, "the next beat says DOWN")
	require.Equal(t, "telegram_bot: the Telegram bot's polling loop has stopped", latestBeat(t, d, "telegram").Error)
}

// The Telegram check: DOWN while getMe fails and nothing has worked since,
// DEGRADED when the latest request failed, HEALTHY once a request works
// again (getMe is not asked again within telegramCheckEvery).
func TestTelegramProbe(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(telegramtest.Options{NoLimits: true})
	defer srv.Close()
	tg, err := notify.NewTelegram(srv.Token(), srv.Endpoint(), notify.WithTelegramUnpaced())
	require.NoError(t, err)
	probe := telegramProbe(tg)
	ctx := context.Background()

	srv.Inject(telegramtest.Fault{Kind: telegramtest.ServerError, Method: "getMe", Status: 502})
	c := probe(ctx)
	require.Equal(t, health.Down, c.Status)
	require.Contains(t, c.Message(), "getMe: ")

	srv.Inject(telegramtest.Fault{Kind: telegramtest.ServerError, Status: 500})
	_, err = tg.Send(ctx, notify.Destination{TelegramChatID: 1}, notify.Message{MessageID: "m1", Text: "hi"})
	require.Error(t, err)
	require.Equal(t, health.Down, probe(ctx).Status, "getMe failed and nothing worked since")

	_, err = tg.Send(ctx, notify.Destination{TelegramChatID: 1}, notify.Message{MessageID: "m2", Text: "hi"})
	require.NoError(t, err)
	c = probe(ctx)
	require.Equal(t, health.Healthy, c.Status, "a request worked after the cached getMe failure: %s", c.Message())

	srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests})
	_, err = tg.Send(ctx, notify.Destination{TelegramChatID: 1}, notify.Message{MessageID: "m3", Text: "hi"})
	require.Error(t, err)
	c = probe(ctx)
	require.Equal(t, health.Degraded, c.Status)
	require.Contains(t, c.Message(), "last Bot API request failed: ")
	require.Contains(t, c.Message(), "Too Many Requests")
}
