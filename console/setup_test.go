package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
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

// bundle is a database, a real (insert-only) River client and the API with
// the console behind a real HTTP server.
type bundle struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	srv  *httptest.Server
}

func setup(t *testing.T) *bundle { return setupChannels(t, nil) }

// setupChannels is setup with the API's delivery channels (nil: every one).
func setupChannels(t *testing.T, channels []string) *bundle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := dbtest.New(t)
	cfg := config.Default()
	cfg.StartupDelay = 0
	log := testLogger()
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: cfg, Logger: log})
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Shutdown(context.Background(), time.Second) })
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: d.Pool, Client: client.Client, Config: cfg, Validator: validator,
		Logger: log, Kinds: client.Kinds})
	require.NoError(t, err)
	market := marketdata.NewManager(&marketdata.Synthetic{}, store.NewBarStore(d.Pool), cfg.DataCacheTTL.D(), log)
	server, err := api.New(api.Options{Pool: d.Pool, Client: client, Enqueuer: enq, Config: cfg, Validator: validator, Logger: log,
		Market: market, Channels: channels})
	require.NoError(t, err)
	t.Cleanup(server.Close)
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)
	return &bundle{t: t, ctx: ctx, pool: d.Pool, srv: srv}
}

type user struct {
	id    int64
	name  string
	token string
}

func (b *bundle) user(name string, admin bool) user {
	b.t.Helper()
	u, err := dbsqlc.New().UserCreate(b.ctx, b.pool, dbsqlc.UserCreateParams{Name: name, IsAdmin: admin, Status: "verified",
		TelegramChatID: ptr(int64(42))})
	require.NoError(b.t, err)
	token, _, err := api.CreateToken(b.ctx, b.pool, nil, u.ID, "test")
	require.NoError(b.t, err)
	return user{id: u.ID, name: name, token: token}
}

func ptr[T any](v T) *T { return &v }

// schedule creates an enabled notification schedule of a user.
func (b *bundle) schedule(u user, name, cron string) int32 {
	b.t.Helper()
	params, _ := json.Marshal(map[string]any{"user_id": u.id, "message": "hello from " + name, "priority": "normal",
		"notification_type": "system", "channels": []string{"telegram"}})
	next := time.Now().Add(time.Hour)
	row, err := dbsqlc.New().ScheduleCreate(b.ctx, b.pool, dbsqlc.ScheduleCreateParams{UserID: int32(u.id), Name: name,
		JobType: "notification", Target: "demo", TaskParams: params, Cron: cron, Enabled: true, NextRunAt: &next,
		Timezone: "America/New_York", DstGap: "shift", DstFold: "first"})
	require.NoError(b.t, err)
	return row.ID
}

// alert creates an enabled alert schedule of a user on AAPL 1m bars.
func (b *bundle) alert(u user, name string) int32 {
	b.t.Helper()
	params := []byte(`{"ticker": "AAPL", "timeframe": "1m", "rule": {"indicator": "close", "operator": ">", "value": 1}}`)
	next := time.Now().Add(time.Minute)
	row, err := dbsqlc.New().ScheduleCreate(b.ctx, b.pool, dbsqlc.ScheduleCreateParams{UserID: int32(u.id), Name: name,
		JobType: "alert", Target: "AAPL", TaskParams: params, Cron: "* * * * *", Enabled: true, NextRunAt: &next,
		Timezone: "UTC", DstGap: "shift", DstFold: "first"})
	require.NoError(b.t, err)
	return row.ID
}

func (b *bundle) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	require.NoError(b.t, b.pool.QueryRow(b.ctx, sql, args...).Scan(&n))
	return n
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects.
type browser struct {
	b  *bundle
	hc *http.Client
}

func (b *bundle) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(b.t, err)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{b: b, hc: hc}
}

// page is a response with its body.
type page struct {
	status int
	header http.Header
	body   string
}

func (br *browser) get(path string) page {
	br.b.t.Helper()
	resp, err := br.hc.Get(br.b.srv.URL + path)
	require.NoError(br.b.t, err)
	return read(br.b.t, resp)
}

func (br *browser) post(path string, form url.Values) page {
	br.b.t.Helper()
	resp, err := br.hc.PostForm(br.b.srv.URL+path, form)
	require.NoError(br.b.t, err)
	return read(br.b.t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

// login logs in with a token through ?token= and checks the redirect.
func (br *browser) login(u user) *browser {
	br.b.t.Helper()
	p := br.get("/console/login?token=" + url.QueryEscape(u.token))
	require.Equal(br.b.t, http.StatusSeeOther, p.status, p.body)
	require.Equal(br.b.t, "/console/", p.header.Get("Location"))
	return br
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page.
func (br *browser) csrf() string {
	br.b.t.Helper()
	p := br.get("/console/")
	require.Equal(br.b.t, http.StatusOK, p.status)
	m := csrfRe.FindStringSubmatch(p.body)
	require.NotNil(br.b.t, m, "no csrf field")
	return m[1]
}

// action posts a form with the session's CSRF token.
func (br *browser) action(path string, kv ...string) page {
	br.b.t.Helper()
	form := url.Values{"csrf": {br.csrf()}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return br.post(path, form)
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func contains(t *testing.T, p page, s ...string) {
	t.Helper()
	for _, want := range s {
		require.True(t, strings.Contains(p.body, want), "page lacks %q:\n%s", want, p.body)
	}
}

func (b *bundle) exec(sql string, args ...any) {
	b.t.Helper()
	_, err := b.pool.Exec(b.ctx, sql, args...)
	require.NoError(b.t, err)
}
