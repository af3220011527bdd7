package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/db/migrations"
)

// vigil runs the CLI in-process, as main does.
func vigil(ctx context.Context, t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// These tests set environment variables, so they do not run in parallel.

func TestServeAnswersHealthAndStopsCleanly(t *testing.T) {
	d := dbtest.NewEmpty(t)
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	apiAddr := freePort(t)
	env := map[string]string{"DATABASE_URL": d.URL, "SCHEDULER_STARTUP_DELAY": "0", "VIGIL_STATUS_ADDR": addr, "VIGIL_API_ADDR": apiAddr,
		"VIGIL_SECRET_KEY": "6465762d6f6e6c792d6b65792d6e6f742d666f722d70726f64756374696f6e21"} // make run's
	for k, v := range env {
		t.Setenv(k, v)
	}
	var errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--demo"}, &bytes.Buffer{}, &errOut) }()

	var health map[string]any
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/health")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		health = nil
		return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&health) == nil
	}, 30*time.Second, 50*time.Millisecond, "serve answers /health")
	require.Equal(t, "healthy", health["status"])
	comps := health["components"].(map[string]any)
	require.Equal(t, "connected", comps["database"])
	require.Equal(t, "running", comps["scheduler"])
	require.Equal(t, "operational", comps["job_store"])
	require.Equal(t, "ready", comps["alert_evaluator"])
	require.Equal(t, "running", comps["river_client"])
	require.Equal(t, "running", comps["workers"])
	require.Equal(t, "connected", comps["telegram"], "getMe on the local stand-in")
	require.Contains(t, health["checks"], "webhook")
	require.Contains(t, health["metrics"], "active_jobs")

	// The demo was seeded and planned.
	require.Eventually(t, func() bool {
		var planned int
		_ = d.Pool.QueryRow(ctx, "SELECT count(*) FROM job_schedules WHERE next_run_at IS NOT NULL").Scan(&planned)
		return planned == 7
	}, 10*time.Second, 50*time.Millisecond)
	var waiting int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM job_schedules WHERE wait_reason IS NOT NULL").Scan(&waiting))
	require.Zero(t, waiting, "every demo schedule has a worker")

	// Each demo alert fires (and queues its notification) within a minute.
	require.Eventually(t, func() bool {
		var firedAlerts int
		_ = d.Pool.QueryRow(ctx, `SELECT count(DISTINCT s.id) FROM job_schedules s JOIN job_schedule_runs r ON r.job_id = s.id
			WHERE s.job_type = 'alert' AND r.status = 'COMPLETED' AND (r.result->>'fired')::boolean`).Scan(&firedAlerts)
		return firedAlerts == 4
	}, 60*time.Second, 200*time.Millisecond, "every demo alert fires within 60 s of start")
	var queued int
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notification' AND args->>'notification_type' = 'alert'`).Scan(&queued))
	require.GreaterOrEqual(t, queued, 4, "each firing queued a notification")
	// Without a bot token they are delivered to the local Bot API stand-in,
	// readable on the dev chat page.
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + apiAddr + "/dev/chat/messages?chat_id=1001")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var m struct {
			Messages []map[string]any `json:"messages"`
		}
		return json.NewDecoder(resp.Body).Decode(&m) == nil && len(m.Messages) >= 4
	}, 30*time.Second, 200*time.Millisecond, "alert notifications arrive on the stand-in")
	var sent int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM notifications WHERE channel = 'telegram' AND status = 'sent'").Scan(&sent))
	require.GreaterOrEqual(t, sent, 4)
	// Without an smtp_host they are mailed to the local catcher too (the
	// demo user has a confirmed address), shown at /dev/mail.
	require.Eventually(t, func() bool {
		var mailed int
		_ = d.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE channel = 'email' AND status = 'sent'
			AND notification_type = 'alert'`).Scan(&mailed)
		return mailed >= 4
	}, 30*time.Second, 200*time.Millisecond, "alert mails are delivered to the local catcher")
	page := func(path string) string {
		resp, err := http.Get("http://" + apiAddr + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	list := page("/dev/mail")
	require.Contains(t, list, "[Vigil alert]")
	require.Contains(t, list, "demo@vigil.localhost")
	one := page("/dev/mail/1")
	require.Contains(t, one, "HTML part")
	require.Contains(t, one, "List-Unsubscribe", "signed with the make-run secret key")

	// The bot answers on the stand-in: a person types /start on the dev chat page.
	form := strings.NewReader("chat_id=555&user_id=555&text=%2Fstart")
	resp, err := http.Post("http://"+apiAddr+"/dev/chat/send", "application/x-www-form-urlencoded", form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool {
		var n int
		_ = d.Pool.QueryRow(ctx, "SELECT count(*) FROM users WHERE telegram_user_id = 555 AND status = 'pending'").Scan(&n)
		return n == 1
	}, 30*time.Second, 100*time.Millisecond, "/start registers a pending user through the bot")

	invite, inviteErr, inviteCode := vigil(ctx, t, nil, "users", "invite")
	require.Equal(t, 0, inviteCode, inviteErr)
	require.NotEmpty(t, strings.TrimSpace(invite), "prints a one-time code")

	for url, want := range map[string]string{"http://" + addr + "/stats": `"job_counts"`, "http://" + addr + "/metrics": "vigil_workers_max",
		"http://" + apiAddr + "/openapi.json": `"openapi"`, "http://" + apiAddr + "/docs": "swagger-ui"} {
		path := url
		resp, err := http.Get(url)
		require.NoError(t, err)
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, path)
		require.Contains(t, body.String(), want, path)
	}

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, errOut.String())
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
	logs := errOut.String()
	require.Contains(t, logs, "stopped cleanly")
	// The design's key messages (18.2), with the role as the service.
	require.Contains(t, logs, `msg="SchedulerService started with 7 active schedules" service=serve component=enqueuer active_schedules=7`)
	require.Regexp(t, `msg="Job alert_[0-9]+ executed successfully in [0-9.]+s" service=serve component=alert_evaluator job_id=[0-9]+ `, logs)
	require.Regexp(t, `msg="Alert triggered" service=serve component=alert_evaluator river_job_id=[0-9]+ `, logs)
}

func TestMigrateAndTestDB(t *testing.T) {
	d := dbtest.NewEmpty(t)
	ctx := context.Background()
	env := map[string]string{"DATABASE_URL": d.URL}

	_, _, code := vigil(ctx, t, env, "test-db")
	require.Equal(t, 1, code, "test-db fails before migrations")

	_, errOut, code := vigil(ctx, t, env, "migrate", "status")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "run `vigil migrate up`")

	out, errOut, code := vigil(ctx, t, env, "migrate", "up")
	require.Equal(t, 0, code, errOut)
	files, err := fs.Glob(migrations.FS, "*.sql")
	require.NoError(t, err)
	// Versions, not a count: the numbers of the migrations may have gaps.
	latest, err := strconv.Atoi(strings.SplitN(slices.Max(files), "_", 2)[0])
	require.NoError(t, err)
	require.Contains(t, out, fmt.Sprintf("vigil migrations: %d of %d applied", latest, latest))

	out, errOut, code = vigil(ctx, t, env, "test-db")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "server: PostgreSQL")
	require.Contains(t, out, "ok: schema is current")

	_, errOut, code = vigil(ctx, t, env, "migrate", "down")
	require.Equal(t, 0, code, errOut)
	_, errOut, code = vigil(ctx, t, env, "test-db")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "migrations are not current")
	_, _, code = vigil(ctx, t, env, "migrate", "up")
	require.Equal(t, 0, code)
}

func TestTestDBExplainsUnreachableServer(t *testing.T) {
	_, errOut, code := vigil(context.Background(), t, map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nope?connect_timeout=2"}, "test-db")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "database server unreachable")
}

func TestUsersCreate(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	env := map[string]string{"DATABASE_URL": d.URL}
	out, errOut, code := vigil(ctx, t, env, "users", "create", "--name", "ada", "--admin", "--telegram-id", "4242")
	require.Equal(t, 0, code, errOut)
	id, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	require.NoError(t, err, "prints the new user's id")
	var admin bool
	var tg int64
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT is_admin, telegram_user_id FROM users WHERE id = $1", id).Scan(&admin, &tg))
	require.True(t, admin)
	require.Equal(t, int64(4242), tg)

	_, errOut, code = vigil(ctx, t, env, "users", "create", "--name", "bob", "--telegram-id", "4242")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "already exists")
	_, errOut, code = vigil(ctx, t, env, "users", "create")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--name is required")
}

// An operator's address is confirmed at once; update changes or removes
// it (and the webhook URL); each change is audited with source cli.
func TestUsersEmail(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	env := map[string]string{"DATABASE_URL": d.URL}
	out, errOut, code := vigil(ctx, t, env, "users", "create", "--name", "cy", "--email", "Cy@Example.COM")
	require.Equal(t, 0, code, errOut)
	id := strings.TrimSpace(out)
	email := func() (addr string, confirmed bool) {
		var a *string
		require.NoError(t, d.Pool.QueryRow(ctx, "SELECT email, email_confirmed_at IS NOT NULL FROM users WHERE id = $1", id).Scan(&a, &confirmed))
		if a != nil {
			addr = *a
		}
		return addr, confirmed
	}
	addr, confirmed := email()
	require.Equal(t, "Cy@example.com", addr)
	require.True(t, confirmed, "an operator's word")

	_, errOut, code = vigil(ctx, t, env, "users", "create", "--name", "x", "--email", "not an address")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `--email: "not an address" is not an email address`)

	_, err := d.Pool.Exec(ctx, "UPDATE users SET email_bouncing_at = now() WHERE id = $1", id)
	require.NoError(t, err)
	out, errOut, code = vigil(ctx, t, env, "users", "update", id, "--email", "cy@new.example", "--webhook-url", "https://hooks.example/cy")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "updated")
	addr, confirmed = email()
	require.Equal(t, "cy@new.example", addr)
	require.True(t, confirmed)
	var bouncing bool
	var hook string
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT email_bouncing_at IS NOT NULL, webhook_url FROM users WHERE id = $1", id).Scan(&bouncing, &hook))
	require.False(t, bouncing, "a new address starts clean")
	require.Equal(t, "https://hooks.example/cy", hook)

	_, errOut, code = vigil(ctx, t, env, "users", "update", id, "--email", "")
	require.Equal(t, 0, code, errOut)
	addr, _ = email()
	require.Empty(t, addr)

	_, errOut, code = vigil(ctx, t, env, "users", "update", "999999", "--email", "a@b.example")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "user 999999 does not exist")
	_, errOut, code = vigil(ctx, t, env, "users", "update", id)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "nothing to change")
	_, errOut, code = vigil(ctx, t, env, "users", "update", id, "--webhook-url", "ftp://x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--webhook-url")

	var actions []string
	rows, err := d.Pool.Query(ctx, "SELECT action FROM audit_log WHERE owner_user_id = $1 AND source = 'cli' ORDER BY id", id)
	require.NoError(t, err)
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		actions = append(actions, a)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"user.create", "user.email.set", "user.email.set", "user.webhook_url.set", "user.email.clear"}, actions)
}

func TestValidateConfigListsEveryProblem(t *testing.T) {
	_, errOut, code := vigil(context.Background(), t, map[string]string{
		"VIGIL_LOG_FORMAT": "xml", "SCHEDULER_SHUTDOWN_TIMEOUT": "-5", "VIGIL_STATUS_ADDR": "nonsense",
	}, "validate-config")
	require.Equal(t, 1, code)
	for _, key := range []string{"log_format", "shutdown_timeout", "status_addr"} {
		require.Contains(t, errOut, key)
	}
	out, _, code := vigil(context.Background(), t, nil, "validate-config", "--list")
	require.Equal(t, 0, code)
	require.Contains(t, out, "SCHEDULER_MISFIRE_GRACE_TIME")
}

func TestSchedulesCLI(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	env := map[string]string{"DATABASE_URL": d.URL}
	var uid, sid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name) VALUES ('u') RETURNING id").Scan(&uid))
	require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron)
		VALUES ($1, 'n', 'notification', 'x', $2, '0 * * * *') RETURNING id`, uid,
		fmt.Sprintf(`{"user_id": %d, "message": "hi"}`, uid)).Scan(&sid))

	out, errOut, code := vigil(ctx, t, env, "schedules", "trigger", fmt.Sprint(sid))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "enqueued")

	out, errOut, code = vigil(ctx, t, env, "schedules", "backfill", fmt.Sprint(sid), "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T03:00:00Z", "--dry-run")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "4 fires, 0 enqueued")

	_, errOut, code = vigil(ctx, t, env, "schedules", "pause", fmt.Sprint(sid), "--note", "holiday")
	require.Equal(t, 0, code, errOut)
	var enabled bool
	var note string
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT enabled, paused_note FROM job_schedules WHERE id = $1", sid).Scan(&enabled, &note))
	require.False(t, enabled)
	require.Equal(t, "holiday", note)

	out, errOut, code = vigil(ctx, t, env, "schedules", "preview", "--cron", "0 2,3 * * *", "--tz", "Europe/Berlin", "--n", "2")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Europe/Berlin")
	_, errOut, code = vigil(ctx, t, env, "schedules", "preview", "--cron", "0 0 30 2 *")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "never fires")

	var audits int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE entity_type = 'schedule'").Scan(&audits))
	require.Equal(t, 2, audits, "trigger and pause are audited")
}

// The scheduler and worker roles run as separate processes and cooperate
// through PostgreSQL only.
func TestSchedulerAndWorkerRoles(t *testing.T) {
	d := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t.Setenv("DATABASE_URL", d.URL)
	t.Setenv("SCHEDULER_STARTUP_DELAY", "0")
	t.Setenv("SCHEDULER_SHUTDOWN_TIMEOUT", "2s")
	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, is_admin) VALUES ('ops', true) RETURNING id").Scan(&uid))
	_, err := d.Pool.Exec(ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron)
		VALUES ($1, 'every second', 'notification', 'x', $2, '* * * * * *')`, uid, fmt.Sprintf(`{"user_id": %d, "message": "tick"}`, uid))
	require.NoError(t, err)

	done := make(chan int, 2)
	go func() {
		done <- run(ctx, []string{"scheduler", "--status-addr", "off"}, &bytes.Buffer{}, &bytes.Buffer{})
	}()
	go func() { done <- run(ctx, []string{"worker", "--status-addr", "off"}, &bytes.Buffer{}, &bytes.Buffer{}) }()
	require.Eventually(t, func() bool {
		var completed int
		_ = d.Pool.QueryRow(ctx, "SELECT count(*) FROM job_schedule_runs WHERE status = 'COMPLETED'").Scan(&completed)
		return completed >= 2
	}, 30*time.Second, 50*time.Millisecond, "runs fired by the scheduler process are completed by the worker process")
	cancel()
	require.Equal(t, 0, <-done)
	require.Equal(t, 0, <-done)
}

// A dump restored into an empty database passes test-db and has the schedules.
func TestBackupDumpAndRestore(t *testing.T) {
	src := dbtest.New(t)
	ctx := context.Background()
	_, err := src.Pool.Exec(ctx, `INSERT INTO users (id, name) VALUES (1, 'u');
		INSERT INTO job_schedules (user_id, name, job_type, target, cron) VALUES (1, 'keep me', 'report', 'AAPL', '0 9 * * 1-5')`)
	require.NoError(t, err)
	dir := t.TempDir()
	out, errOut, code := vigil(ctx, t, map[string]string{"DATABASE_URL": src.URL}, "backup", "dump", "--dir", dir)
	require.Equal(t, 0, code, errOut)
	var res struct {
		File   string `json:"file"`
		SHA256 string `json:"sha256"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)

	dst := dbtest.NewEmpty(t)
	_, errOut, code = vigil(ctx, t, map[string]string{"DATABASE_URL": dst.URL}, "backup", "restore", res.File, "--sha256", res.SHA256)
	require.Equal(t, 0, code, errOut)
	out, errOut, code = vigil(ctx, t, map[string]string{"DATABASE_URL": dst.URL}, "test-db")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "ok: schema is current")
	var name string
	require.NoError(t, dst.Pool.QueryRow(ctx, "SELECT name FROM job_schedules").Scan(&name))
	require.Equal(t, "keep me", name)

	_, errOut, code = vigil(ctx, t, map[string]string{"DATABASE_URL": dst.URL}, "backup", "restore", res.File)
	require.Equal(t, 1, code, "restoring into a database that has tables is refused")
	require.Contains(t, errOut, "not empty")
}
