package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
)

// browserPaths are where a Chromium or Chrome may be; VIGIL_CHROMIUM
// overrides them.
var browserPaths = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findBrowser returns a Chromium to drive. Without one the test is skipped
// outside CI and fails in CI (.ci/run installs Debian's chromium).
func findBrowser(t *testing.T) string {
	t.Helper()
	candidates := browserPaths
	if p := os.Getenv("VIGIL_CHROMIUM"); p != "" {
		candidates = []string{p}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium found (looked for %s; apt-get install chromium, or set VIGIL_CHROMIUM)", strings.Join(candidates, ", "))
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI is set, so the browser tests must run")
	}
	t.Skip(msg + "; the browser tests skip outside CI")
	return ""
}

// consoleApp is a `vigil serve --demo` (scheduler, workers, API) on a test
// database, its console login link as printed at start, and a browser.
type consoleApp struct {
	t     *testing.T
	db    *dbtest.DB
	base  string
	login string // the printed single-use login link
	ctx   context.Context
}

var loginLinkRe = regexp.MustCompile(`console: (http://\S+/console/login\?code=vlc_[A-Za-z0-9_-]+)`)

func startConsoleApp(t *testing.T, width, height int) *consoleApp {
	t.Helper()
	return startConsoleAppRoles(t, width, height, roles{scheduler: true, worker: true, api: true})
}

func startConsoleAppRoles(t *testing.T, width, height int, r roles) *consoleApp {
	t.Helper()
	chromium := findBrowser(t)
	d := dbtest.New(t)
	cfg := appConfig(d.URL)
	cfg.APIAddr = freePort(t)
	cfg.PublicURL = "http://" + cfg.APIAddr
	var logs bytes.Buffer
	w := &syncWriter{w: &logs}
	a := newApp("serve", r, cfg, slog.New(slog.NewTextHandler(w, nil)), true)
	require.NoError(t, a.Run(t.Context()))
	t.Cleanup(func() { _ = a.Close() })
	w.mu.Lock()
	printed := logs.String()
	w.mu.Unlock()
	m := loginLinkRe.FindStringSubmatch(printed)
	require.NotNil(t, m, "serve --demo prints the console login link:\n%s", printed)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(width, height))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx), "start %s", chromium)
	return &consoleApp{t: t, db: d, base: cfg.PublicURL, login: m[1], ctx: ctx}
}

// open navigates (or runs actions that navigate) and returns the
// document's HTTP status.
func (c *consoleApp) open(actions ...chromedp.Action[chromedp.Void]) int {
	c.t.Helper()
	resp, err := chromedp.RunResponse(c.ctx, actions...)
	require.NoError(c.t, err)
	return int(resp.Status)
}

func (c *consoleApp) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(c.t, err, sel)
	return s
}

func (c *consoleApp) scheduleID(name string) int32 {
	c.t.Helper()
	var id int32
	require.NoError(c.t, c.db.Pool.QueryRow(context.Background(), "SELECT id FROM job_schedules WHERE name = $1", name).Scan(&id))
	return id
}

func (c *consoleApp) location() string {
	c.t.Helper()
	loc, err := chromedp.Run(c.ctx, chromedp.Location())
	require.NoError(c.t, err)
	return loc
}

var runNoticeRe = regexp.MustCompile(`\(run (\d+)\)`)

// The console in a real browser against `vigil serve --demo`: the printed
// link logs the demo user in, the demo schedules show, Pause pauses in the
// database, Run now adds a run to the page, a bad cron comes back beside
// its field, logout ends the session, and another user sees the demo's
// schedule as a 404 page.
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	c := startConsoleApp(t, 1366, 900)
	ctx := context.Background()

	require.Equal(t, 200, c.open(chromedp.Navigate(c.login)))
	loc := c.location()
	require.Equal(t, c.base+"/console/", loc, "the login code is dropped from the URL")
	require.Equal(t, "demo (admin)", c.text("#who"))
	table := c.text("#schedules")
	for _, name := range []string{"demo: minute heartbeat", "demo: daily summary with charts", "demo: S&P 500 value screener"} {
		require.Contains(t, table, name)
	}
	require.Contains(t, table, "every minute")

	heartbeat := c.scheduleID("demo: minute heartbeat")
	require.Equal(t, 200, c.open(chromedp.Navigate(fmt.Sprintf("%s/console/schedules/%d", c.base, heartbeat))))
	require.Equal(t, "enabled", c.text("#state"))
	require.NoError(t, chromedp.Do(c.ctx, chromedp.SendKeys(chromedp.CSS(`input[name="note"]`), "browser test")))
	require.Equal(t, 200, c.open(chromedp.Click(chromedp.CSS("#pause"))))
	require.Equal(t, "Paused.", c.text("#notice"))
	require.Equal(t, "paused", c.text("#state"))
	require.Equal(t, "browser test", c.text("#reason"))
	var enabled bool
	var note *string
	require.NoError(t, c.db.Pool.QueryRow(ctx, "SELECT enabled, paused_note FROM job_schedules WHERE id = $1", heartbeat).Scan(&enabled, &note))
	require.False(t, enabled, "paused in the database")
	require.Equal(t, "browser test", *note)

	summary := c.scheduleID("demo: daily summary with charts")
	require.Equal(t, 200, c.open(chromedp.Navigate(fmt.Sprintf("%s/console/schedules/%d", c.base, summary))))
	require.Equal(t, 200, c.open(chromedp.Click(chromedp.CSS("#trigger"))))
	m := runNoticeRe.FindStringSubmatch(c.text("#notice"))
	require.NotNil(t, m, "the notice names the run")
	runID, _ := strconv.Atoi(m[1])
	require.Contains(t, c.text(fmt.Sprintf(`tr[data-run-id="%d"]`, runID)), "manual", "the triggered run is on the page")
	var trigger string
	require.NoError(t, c.db.Pool.QueryRow(ctx, "SELECT trigger FROM job_schedule_runs WHERE id = $1 AND job_id = $2", runID, summary).Scan(&trigger))
	require.Equal(t, "manual", trigger)

	require.Equal(t, 200, c.open(chromedp.Navigate(fmt.Sprintf("%s/console/schedules/%d/edit", c.base, summary))))
	require.Equal(t, 422, c.open(chromedp.SetValue(chromedp.CSS("#cron"), "61 * * * *"), chromedp.Click(chromedp.CSS("#save"))))
	require.Equal(t, "minute field: 61 out of range 0-59", c.text(`.field-error[data-field="cron"]`))
	var cron string
	require.NoError(t, c.db.Pool.QueryRow(ctx, "SELECT cron FROM job_schedules WHERE id = $1", summary).Scan(&cron))
	require.Equal(t, "0 18 * * 1-5", cron, "the bad edit was not saved")

	require.Equal(t, 200, c.open(chromedp.Click(chromedp.CSS("#logout"))))
	loc = c.location()
	require.Equal(t, c.base+"/console/login", loc)
	var sessions int
	require.NoError(t, c.db.Pool.QueryRow(ctx, "SELECT count(*) FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'demo'").Scan(&sessions))
	require.Zero(t, sessions, "logout ends the session")
	require.Equal(t, 200, c.open(chromedp.Navigate(c.base+"/console/")))
	loc = c.location()
	require.Equal(t, c.base+"/console/login", loc, "without a session the console sends the browser to log in")

	// Another (non-admin) user logs in with an API token through the form.
	u, err := dbsqlc.New().UserCreate(ctx, c.db.Pool, dbsqlc.UserCreateParams{Name: "eve", Status: "verified"})
	require.NoError(t, err)
	token, _, err := api.CreateToken(ctx, c.db.Pool, nil, u.ID, "browser test")
	require.NoError(t, err)
	require.Equal(t, 200, c.open(chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS("#login"))))
	require.Equal(t, "eve", c.text("#who"))
	require.Contains(t, c.text("main"), "No schedules", "the demo's schedules are not eve's")
	require.Equal(t, 404, c.open(chromedp.Navigate(fmt.Sprintf("%s/console/schedules/%d", c.base, summary))))
	require.Equal(t, "Not found", c.text("#heading"))
	require.Equal(t, 404, c.open(chromedp.Navigate(fmt.Sprintf("%s/console/runs/%d", c.base, runID))))
	require.Equal(t, 200, c.open(chromedp.Click(chromedp.CSS("#logout"))))
}

// TestConsoleScreenshots captures the main pages of the demo, at 1366 px
// and on a phone, into docs/console/*.png (the README shows them). It runs
// only with VIGIL_SCREENSHOTS=1:
//
//	VIGIL_SCREENSHOTS=1 go test ./cmd/vigil -run TestConsoleScreenshots
func TestConsoleScreenshots(t *testing.T) {
	if os.Getenv("VIGIL_SCREENSHOTS") != "1" {
		t.Skip("set VIGIL_SCREENSHOTS=1 to capture docs/console/*.png")
	}
	c := startConsoleAppRoles(t, 1366, 900, roles{scheduler: true, worker: true, api: true, tradingbot: true})
	require.Equal(t, 200, c.open(chromedp.Navigate(c.login)))
	ctx := context.Background()
	// Give the demo a minute's worth of history: a run of each schedule and
	// the alerts' first evaluations.
	for _, name := range []string{"demo: minute heartbeat", "demo: daily summary with charts", "demo: S&P 500 value screener"} {
		require.Equal(t, 200, c.open(chromedp.Navigate(fmt.Sprintf("%s/console/schedules/%d", c.base, c.scheduleID(name)))))
		require.Equal(t, 200, c.open(chromedp.Click(chromedp.CSS("#trigger"))))
	}
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, c.db.Pool.QueryRow(ctx, `SELECT count(*) FROM job_schedule_runs r JOIN job_schedules s ON s.id = r.job_id
			WHERE s.job_type = 'alert' AND r.status = 'COMPLETED'`).Scan(&n))
		return n >= 8
	}, 90*time.Second, time.Second, "the demo alerts run")
	var alert, run int32
	require.NoError(t, c.db.Pool.QueryRow(ctx, `SELECT job_id, id FROM job_schedule_runs WHERE job_type = 'alert' AND status = 'COMPLETED'
		ORDER BY (result->'trace'->>'fired')::bool DESC NULLS LAST, id DESC LIMIT 1`).Scan(&alert, &run))
	var bot int64
	require.NoError(t, c.db.Pool.QueryRow(ctx, "SELECT id FROM trading_bots ORDER BY id LIMIT 1").Scan(&bot))
	summary := c.scheduleID("demo: daily summary with charts")

	dir := filepath.Join("..", "..", "docs", "console")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	shot := func(name, url string) {
		t.Helper()
		require.Equal(t, 200, c.open(chromedp.Navigate(c.base+url)), url)
		png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
	}
	shot("schedules", "/console/")
	shot("schedule", fmt.Sprintf("/console/schedules/%d", summary))
	shot("alert", fmt.Sprintf("/console/schedules/%d", alert))
	shot("backtest", fmt.Sprintf("/console/schedules/%d/backtest?days=2", alert))
	shot("runs", "/console/runs")
	shot("run", fmt.Sprintf("/console/runs/%d", run))
	shot("notifications", "/console/notifications")
	shot("health", "/console/health")
	shot("bot", fmt.Sprintf("/console/bots/%d", bot))
	shot("preferences", "/console/preferences")
	require.NoError(t, chromedp.Do(c.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)))
	shot("phone-schedules", "/console/")
	shot("phone-schedule", fmt.Sprintf("/console/schedules/%d", summary))
	shot("phone-runs", "/console/runs")
}
