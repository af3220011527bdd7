package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// notification inserts a delivery of a user.
func (b *bundle) notification(u user, channel, status, message string, attempts int, errMsg *string) int64 {
	b.t.Helper()
	var id int64
	require.NoError(b.t, b.pool.QueryRow(b.ctx, `INSERT INTO notifications (user_id, channel, status, message, attempts, error, notification_type)
		VALUES ($1, $2, $3, $4, $5, $6, 'alert') RETURNING id`, u.id, channel, status, message, attempts, errMsg).Scan(&id))
	return id
}

// The delivery log shows the user's deliveries per channel with attempts
// and errors, filters by channel and status, and never another user's.
func TestNotificationsPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, bob, root := b.user("ann", false), b.user("bob", false), b.user("root", true)
	b.notification(ann, "telegram", "sent", "ann's alert sent", 1, nil)
	b.notification(ann, "email", "failed", "ann's mail", 5, ptr("smtp: 550 mailbox unavailable"))
	b.notification(bob, "telegram", "sent", "bob's secret", 1, nil)

	br := b.browser().login(ann)
	p := br.get("/console/notifications")
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, "ann&#39;s alert sent", "ann&#39;s mail", "smtp: 550 mailbox unavailable", `data-channel="email"`, `data-channel="telegram"`,
		`href="/console/notifications" class="here"`)
	require.NotContains(t, p.body, "bob&#39;s secret")

	p = br.get("/console/notifications?channel=email")
	contains(t, p, "ann&#39;s mail")
	require.NotContains(t, p.body, "ann&#39;s alert sent")
	p = br.get("/console/notifications?status=sent")
	contains(t, p, "ann&#39;s alert sent")
	require.NotContains(t, p.body, "ann&#39;s mail")

	for q, field := range map[string]string{
		"?channel=pigeon":                      "channel:",
		"?status=lost":                         "status:",
		"?before=0":                            "before:",
		path("?owner=%d", bob.id):              "owner: only admins",
		"?channel=" + strings.Repeat("x", 300): "channel:",
	} {
		p := br.get("/console/notifications" + q)
		require.Equal(t, http.StatusBadRequest, p.status, q)
		contains(t, p, field)
	}

	admin := b.browser().login(root)
	p = admin.get("/console/notifications")
	contains(t, p, "ann&#39;s mail", "bob&#39;s secret")
	p = admin.get(path("/console/notifications?owner=%d", bob.id))
	contains(t, p, "bob&#39;s secret")
	require.NotContains(t, p.body, "ann&#39;s mail")
}

// The health page groups the latest heartbeats by system, shows their age
// and a stale one DOWN; incidents are for admins only.
func TestHealthPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, root := b.user("ann", false), b.user("root", true)
	b.exec(`INSERT INTO msg_system_health (system, component, status, checked_at, error_message) VALUES
		('scheduler', 'host-a', 'HEALTHY', now() - interval '10 seconds', NULL),
		('worker', 'host-b', 'HEALTHY', now() - interval '1 hour', NULL),
		('worker', 'host-c', 'DEGRADED', now() - interval '5 seconds', 'market data: slow')`)
	b.exec(`INSERT INTO incidents (kind, subject, opened_at, last_seen, details) VALUES
		('heartbeat_stale', 'worker/host-b', now() - interval '50 minutes', now(), '{"age_s": 3000}')`)

	p := b.browser().login(ann).get("/console/health")
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, `id="platform-status">DOWN`, `data-component="scheduler/host-a"`, `data-component="worker/host-b"`,
		"stale (reported HEALTHY)", "market data: slow", "1h00m")
	require.NotContains(t, p.body, "worker/host-b</td>", "incidents are for admins")
	require.NotContains(t, p.body, `id="incidents"`)
	p = b.browser().login(ann).get("/console/health?incidents=all")
	require.Equal(t, http.StatusBadRequest, p.status)
	contains(t, p, "incidents: only admins see incidents")

	admin := b.browser().login(root)
	p = admin.get("/console/health")
	contains(t, p, `id="incidents"`, "heartbeat_stale", "worker/host-b")
	b.exec("UPDATE incidents SET resolved_at = now()")
	p = admin.get("/console/health")
	contains(t, p, "No open incidents.")
	p = admin.get("/console/health?incidents=all")
	contains(t, p, "heartbeat_stale")
	p = admin.get("/console/health?incidents=closed")
	require.Equal(t, http.StatusBadRequest, p.status)
	contains(t, p, "incidents: must be one of open, all")
}

const botJSON = `{"name": "sma-demo", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL", "MSFT"],
	"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10}`

// bot creates a trading bot of a user through the API.
func (b *bundle) bot(u user) int64 {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/api/bots", strings.NewReader(botJSON))
	require.NoError(b.t, err)
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	require.Equal(b.t, http.StatusCreated, resp.StatusCode)
	var out struct {
		ID int64 `json:"id"`
	}
	require.NoError(b.t, json.NewDecoder(resp.Body).Decode(&out))
	return out.ID
}

// The bots pages show the user's bots with state, account, positions,
// trades and the equity chart (a PNG rendered by package report); start and
// stop go through the trading bot service (audited); another user's bot is
// a 404 everywhere.
func TestBotPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann, bob, root := b.user("ann", false), b.user("bob", false), b.user("root", true)
	id := b.bot(ann)
	br := b.browser().login(ann)
	p := br.get("/console/bots")
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, path(`data-bot-id="%d"`, id), "sma-demo", "AAPL, MSFT", "10000.00")

	p = br.get(path("/console/bots/%d", id))
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, `id="bot-state">running`, "No equity yet", "Flat.", `id="bot-stop"`)
	require.Equal(t, http.StatusNotFound, br.get(path("/console/bots/%d/equity.png", id)).status, "no equity yet")

	b.exec(`INSERT INTO bot_equity_snapshots (bot_id, bar_time, equity, cash, positions_value, realised, fees_paid)
		SELECT $1, '2026-03-02T10:00:00Z'::timestamptz + g * interval '1 minute', 10000 + g * 3, 10000, g * 3, 0, 0 FROM generate_series(0, 29) g`, id)
	p = br.get(path("/console/bots/%d", id))
	contains(t, p, path(`src="/console/bots/%d/equity.png"`, id))
	png := br.get(path("/console/bots/%d/equity.png", id))
	require.Equal(t, http.StatusOK, png.status)
	require.Equal(t, "image/png", png.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(png.body, "\x89PNG"), "a PNG")
	again := br.get(path("/console/bots/%d/equity.png", id))
	require.Equal(t, png.body, again.body, "the same picture (cached) while no snapshot arrives")

	p = br.action(path("/console/bots/%d/stop", id))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM trading_bots WHERE id = $1 AND state = 'stopped' AND state_reason = 'stopped via console by ann'", id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'tradingbot.stop' AND source = 'console' AND actor_user_id = $1", ann.id))
	p = br.get(p.header.Get("Location"))
	contains(t, p, `id="notice">Stopped`, `id="bot-state">stopped`, `id="bot-start"`)
	p = br.action(path("/console/bots/%d/start", id))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM trading_bots WHERE id = $1 AND state = 'running'", id))

	bobb := b.browser().login(bob)
	for _, pth := range []string{"/console/bots/%d", "/console/bots/%d/equity.png"} {
		require.Equal(t, http.StatusNotFound, bobb.get(path(pth, id)).status, pth)
	}
	for _, a := range []string{"stop", "start"} {
		require.Equal(t, http.StatusNotFound, bobb.action(path("/console/bots/%d/%s", id, a)).status, a)
	}
	require.Equal(t, 1, b.count("SELECT count(*) FROM trading_bots WHERE id = $1 AND state = 'running'", id), "bob changed nothing")
	p = bobb.get("/console/bots")
	require.NotContains(t, p.body, "sma-demo")
	for _, bad := range []string{"/console/bots/x", "/console/bots/0", "/console/bots/-1/equity.png"} {
		require.Equal(t, http.StatusNotFound, bobb.get(bad).status, bad)
	}
	p = bobb.get(path("/console/bots?owner=%d", ann.id))
	require.Equal(t, http.StatusBadRequest, p.status)
	contains(t, p, "owner: only admins")

	admin := b.browser().login(root)
	p = admin.get(path("/console/bots?owner=%d", ann.id))
	contains(t, p, "sma-demo")
	p = admin.get(path("/console/bots?owner=%d", bob.id))
	require.NotContains(t, p.body, "sma-demo")
	require.Equal(t, http.StatusOK, admin.get(path("/console/bots/%d", id)).status)
}

// prefsForm is the preferences form with every type at its default.
func prefsForm(csrf string) url.Values {
	return url.Values{"csrf": {csrf}, "alert.mode": {"default"}, "report.mode": {"default"}, "screener.mode": {"default"},
		"system.mode": {"default"}, "trade.mode": {"default"}}
}

// Preferences read and write through userprefs like PUT
// /api/me/preferences: refusals beside their field, nothing stored on a
// refusal, changes audited.
func TestPreferencesPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ann := b.user("ann", false)
	br := b.browser().login(ann)
	p := br.get("/console/preferences")
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, `data-type="alert"`, `data-type="trade"`, `name="alert.mode"`)

	form := prefsForm(br.csrf())
	form.Set("alert.mode", "silent")
	form.Add("alert.channels", "telegram")
	form.Set("report.mode", "off")
	form.Set("quiet_start", "22:00")
	form.Set("quiet_end", "07:00")
	p = br.post("/console/preferences", form)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1 AND notification_type = 'alert' AND silent AND channels = '{telegram}'", ann.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1 AND notification_type = 'report' AND NOT all_channels AND channels = '{}'", ann.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM users WHERE id = $1 AND quiet_start = '22:00' AND quiet_end = '07:00'", ann.id))
	require.Equal(t, 2, b.count("SELECT count(*) FROM audit_log WHERE action = 'user.preferences.set' AND source = 'console' AND actor_user_id = $1", ann.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'user.quiet_hours.set' AND source = 'console'"))
	p = br.get(p.header.Get("Location"))
	contains(t, p, `id="notice">Saved.`, `value="22:00"`, `<option selected>silent</option>`)

	for _, c := range []struct {
		set   map[string]string
		add   map[string]string
		field string
		want  string
	}{
		{set: map[string]string{"alert.mode": "loud"}, field: "types.alert", want: "mode: unknown mode"},
		{set: map[string]string{"report.mode": "off"}, add: map[string]string{"report.channels": "email"}, field: "types.report", want: "off takes no channels"},
		{set: map[string]string{"system.mode": "on"}, add: map[string]string{"system.channels": "pigeon"}, field: "types.system", want: "pigeon"},
		{set: map[string]string{"trade.mode": "on"}, add: map[string]string{"trade.channels": "email"}, field: "types.trade", want: "email"},
		{add: map[string]string{"screener.channels": "telegram"}, field: "types.screener", want: "choose a mode"},
		{set: map[string]string{"quiet_start": "25:00", "quiet_end": "07:00"}, field: "quiet_hours", want: "quiet_hours.start"},
		{set: map[string]string{"quiet_start": "22:00"}, field: "quiet_hours", want: "give a start and an end"},
	} {
		form := prefsForm(br.csrf())
		for k, v := range c.set {
			form.Set(k, v)
		}
		for k, v := range c.add {
			form.Add(k, v)
		}
		p := br.post("/console/preferences", form)
		require.Equal(t, http.StatusUnprocessableEntity, p.status, "%v: %s", c, p.body)
		errs := fieldErrors(p.body)
		require.Contains(t, errs, c.field, "%v", c)
		require.Contains(t, errs[c.field], c.want)
	}
	require.Equal(t, 1, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1 AND notification_type = 'alert' AND silent", ann.id),
		"a refused form stores nothing")
	require.Equal(t, 1, b.count("SELECT count(*) FROM users WHERE id = $1 AND quiet_start = '22:00'", ann.id))

	p = br.post("/console/preferences", url.Values{"alert.mode": {"off"}})
	require.Equal(t, http.StatusForbidden, p.status, "CSRF")
	p = br.post("/console/preferences", prefsForm(br.csrf()))
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Zero(t, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1", ann.id), "all back to the default")
	require.Equal(t, 1, b.count("SELECT count(*) FROM users WHERE id = $1 AND quiet_start IS NULL", ann.id))
}

// A stored channel the server no longer delivers on still shows, ticked:
// saving the form unchanged is refused naming it, not dropped unseen.
func TestPreferencesKeepUnconfiguredChannel(t *testing.T) {
	t.Parallel()
	b := setupChannels(t, []string{"telegram", "email"})
	ann := b.user("ann", false)
	b.exec("INSERT INTO notification_preferences (user_id, notification_type, channels, all_channels, silent) VALUES ($1, 'alert', '{webhook}', false, false)", ann.id)
	br := b.browser().login(ann)
	p := br.get("/console/preferences")
	require.Equal(t, http.StatusOK, p.status)
	contains(t, p, `name="alert.channels" value="webhook" checked`)
	require.NotContains(t, p.body, `name="report.channels" value="webhook" checked`)

	form := prefsForm(br.csrf())
	form.Set("alert.mode", "on")
	form.Add("alert.channels", "webhook")
	p = br.post("/console/preferences", form)
	require.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	require.Contains(t, fieldErrors(p.body)["types.alert"], "webhook")
	require.Equal(t, 1, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1 AND channels = '{webhook}'", ann.id))
}
