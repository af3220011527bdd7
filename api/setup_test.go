package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/metrics"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/notify/mailtest"
	"github.com/vigilhq/vigil/schemas"
)

var validator = func() *schemas.Validator {
	v, err := schemas.New()
	if err != nil {
		panic(err)
	}
	return v
}()

func testLogger() *slog.Logger { return dbtest.Logger() }

// bundle is what a test needs: a database, a real (insert-only) jobs client,
// the API behind a real HTTP server, and helpers to call it.
type bundle struct {
	t       *testing.T
	ctx     context.Context
	pool    *pgxpool.Pool
	cfg     config.Config
	client  *jobs.Client
	metrics *metrics.Metrics
	srv     *httptest.Server
	http    *http.Client
	// mail catches the confirmation mails (nil with setupOpts.noEmail).
	mail *mailtest.Server
}

// testLinks signs the preferences links of the API under test.
var testLinks = &notify.EmailLinks{Base: "http://vigil.test", Keys: [][]byte{[]byte("api-test-email-link-key-32-bytes")}}

type setupOpts struct {
	cfg func(*config.Config)
	// kinds are job types the client and enqueuer treat as fireable beyond
	// the build's own (report and screener, before their workers exist).
	kinds []string
	// market replaces the synthetic market-data manager.
	market *marketdata.Manager
	// noEmail builds the API without an email channel.
	noEmail bool
	// channels is api.Options.Channels (nil: every channel is accepted).
	channels []string
}

// adhocKinds makes reports and screeners runnable now.
var adhocKinds = setupOpts{kinds: []string{config.JobReport, config.JobScreener}}

func setup(t *testing.T, opts ...setupOpts) *bundle {
	t.Helper()
	var o setupOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := dbtest.New(t)
	cfg := config.Default()
	cfg.StartupDelay = 0
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	log := testLogger()
	// Insert-only: jobs stay queued, so runs stay PENDING and can be cancelled.
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: cfg, Logger: log, ExtraKinds: o.kinds})
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Shutdown(context.Background(), time.Second) })
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: d.Pool, Client: client.Client, Config: cfg, Validator: validator,
		Logger: log, Kinds: client.Kinds})
	require.NoError(t, err)
	m := metrics.New(nil)
	// The market-data manager cmd/vigil builds for the configured provider
	// (synthetic), over market_bars.
	market := marketdata.NewManager(&marketdata.Synthetic{}, store.NewBarStore(d.Pool), cfg.DataCacheTTL.D(), log)
	if o.market != nil {
		market = o.market
	}
	aopts := api.Options{Pool: d.Pool, Client: client, Enqueuer: enq, Config: cfg, Validator: validator,
		Market: market, Logger: log, Metrics: m, EmailLinks: testLinks, Channels: o.channels}
	var catcher *mailtest.Server
	if !o.noEmail {
		catcher, err = mailtest.Start(mailtest.Options{})
		require.NoError(t, err)
		t.Cleanup(catcher.Close)
		email, err := notify.NewEmail(notify.EmailConfig{Host: catcher.Host(), Port: catcher.Port(), TLS: notify.EmailNoTLS,
			From: "Vigil <vigil@vigil.test>", Links: testLinks})
		require.NoError(t, err)
		aopts.Email = email
	}
	server, err := api.New(aopts)
	require.NoError(t, err)
	t.Cleanup(server.Close)
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &bundle{t: t, ctx: ctx, pool: d.Pool, cfg: cfg, client: client, metrics: m, srv: srv, http: hc, mail: catcher}
}

// user is a user with a token.
type user struct {
	id    int64
	token string
}

type userOpts struct {
	admin        bool
	status       string
	maxSchedules int32
	minInterval  int32 // seconds
}

func (b *bundle) user(name string, o userOpts) user {
	b.t.Helper()
	status := o.status
	if status == "" {
		status = "verified"
	}
	u, err := dbsqlc.New().UserCreate(b.ctx, b.pool, dbsqlc.UserCreateParams{Name: name, IsAdmin: o.admin, Status: status})
	require.NoError(b.t, err)
	if o.maxSchedules > 0 {
		b.exec("UPDATE users SET max_schedules = $1 WHERE id = $2", o.maxSchedules, u.ID)
	}
	if o.minInterval > 0 {
		b.exec("UPDATE users SET min_interval_seconds = $1 WHERE id = $2", o.minInterval, u.ID)
	}
	token, _, err := api.CreateToken(b.ctx, b.pool, nil, u.ID, "test")
	require.NoError(b.t, err)
	return user{id: u.ID, token: token}
}

func (b *bundle) exec(sql string, args ...any) {
	b.t.Helper()
	_, err := b.pool.Exec(b.ctx, sql, args...)
	require.NoError(b.t, err)
}

func (b *bundle) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	require.NoError(b.t, b.pool.QueryRow(b.ctx, sql, args...).Scan(&n))
	return n
}

// resp is an HTTP response with its body read.
type resp struct {
	status int
	header http.Header
	raw    []byte
}

// json decodes the body into a map.
func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.raw, &m), string(r.raw))
	return m
}

// errLocations lists errors[].location of a problem document.
func (r resp) errLocations(t *testing.T) []string {
	t.Helper()
	var p struct {
		Errors []struct {
			Location string `json:"location"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(r.raw, &p), string(r.raw))
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Location
	}
	return out
}

// do sends a request with token (none when ""), a JSON body (a string is sent
// as is) and header name/value pairs.
func (b *bundle) do(method, path, token string, body any, header ...string) resp {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		buf, err := json.Marshal(v)
		require.NoError(b.t, err)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(b.ctx, method, b.srv.URL+path, rd)
	require.NoError(b.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.http.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return resp{status: res.StatusCode, header: res.Header, raw: raw}
}

// must asserts the status and returns the decoded body.
func (b *bundle) must(status int, r resp) map[string]any {
	b.t.Helper()
	require.Equal(b.t, status, r.status, string(r.raw))
	if len(r.raw) == 0 {
		return nil
	}
	return r.json(b.t)
}

func notifySchedule(userID int64, cron string) map[string]any {
	return map[string]any{
		"name": "ping", "job_type": "notification", "target": "me", "cron": cron, "timezone": "Europe/Berlin",
		"task_params": map[string]any{"user_id": userID, "message": "ping"},
	}
}

func reportSchedule(cron string) map[string]any {
	return map[string]any{
		"name": "daily", "job_type": "report", "target": "portfolio", "cron": cron,
		"task_params": map[string]any{"report_type": "daily_summary"},
	}
}

// unfireableSchedule is a schedule of a job type this build has no worker
// for (the test is skipped when the build has workers for all of them).
func (b *bundle) unfireableSchedule(cron string) map[string]any {
	b.t.Helper()
	candidates := []struct {
		jobType string
		params  map[string]any
	}{
		{"report", map[string]any{"report_type": "daily_summary"}},
		{"screener", map[string]any{"screener_set": "sp500", "top_n": 10}},
	}
	for _, c := range candidates {
		if !slices.Contains(b.client.Kinds, c.jobType) {
			return map[string]any{"name": "waits", "job_type": c.jobType, "target": "x", "cron": cron, "task_params": c.params}
		}
	}
	b.t.Skip("this build has workers for every job type a user may schedule")
	return nil
}

// schedule creates a schedule through the API and returns its id.
func (b *bundle) schedule(u user, body map[string]any) int64 {
	b.t.Helper()
	s := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", u.token, body))
	return int64(s["id"].(float64))
}

// run triggers a schedule and returns the run id.
func (b *bundle) run(u user, scheduleID int64) int64 {
	b.t.Helper()
	r := b.must(http.StatusAccepted, b.do(http.MethodPost, fmt.Sprintf("/api/schedules/%d/trigger", scheduleID), u.token,
		map[string]any{"force": true}))
	return int64(r["id"].(float64))
}

func (b *bundle) audits(action string) int {
	b.t.Helper()
	return b.count("SELECT count(*) FROM audit_log WHERE action = $1", action)
}
