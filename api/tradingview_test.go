package api_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/screener"
)

// startWorkers runs a working River client beside the API's insert-only
// one, as the worker role does: queued jobs are worked and notifications
// recorded (no channel is configured: the log channel records them).
func (b *bundle) startWorkers() {
	b.t.Helper()
	log := testLogger()
	sources := marketdata.NewSources(marketdata.ProviderOptions{}, store.NewBarStore(b.pool), b.cfg.DataCacheTTL.D(), log)
	market, err := sources.Manager("synthetic")
	require.NoError(b.t, err)
	fund := fundamentals.NewManager(&fundamentals.Synthetic{Lookup: screener.Lookup()}, store.NewFundamentalsStore(b.pool),
		b.cfg.FundamentalsCacheTTL.D(), log)
	c, err := jobs.NewClient(jobs.Deps{Pool: b.pool, Config: b.cfg, Logger: log, Work: true, Market: market, Sources: sources,
		Fundamentals: fund, ID: "test-worker"})
	require.NoError(b.t, err)
	require.NoError(b.t, c.Start(b.ctx))
	b.t.Cleanup(func() { _ = c.Shutdown(context.Background(), time.Second) })
}

// hook posts body to a TradingView webhook URL with a Content-Type.
func (b *bundle) hook(token, contentType, body string) resp {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, b.srv.URL+"/hooks/tradingview/"+token, strings.NewReader(body))
	require.NoError(b.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := b.http.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return resp{status: res.StatusCode, header: res.Header, raw: raw}
}

func (b *bundle) tradingViewToken(u user) string {
	b.t.Helper()
	r := b.must(http.StatusOK, b.do(http.MethodPost, "/api/me/tradingview-token", u.token, nil))
	token := r["token"].(string)
	require.True(b.t, strings.HasPrefix(token, "tv_"))
	require.Equal(b.t, "/hooks/tradingview/"+token, r["path"])
	require.NotContains(b.t, r["prefix"], token[10:], "the prefix is only the start")
	return token
}

func (b *bundle) eventually(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("timed out waiting for: %s", what)
}

// A TradingView-shaped request through the real HTTP server enqueues
// exactly one job and the notification arrives; its actions are stored
// for the trading bot; wrong tokens are 404, an oversized body 413, a
// replay 409 and bad fields 422 naming them, none of which queues anything.
func TestTradingViewWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("trader", userOpts{})
	token := b.tradingViewToken(u)
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'user.tradingview_token.rotate' AND source = 'api'`))
	var stored string
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT encode(secret_hash, 'hex') FROM tradingview_tokens WHERE user_id = $1", u.id).Scan(&stored))
	require.NotContains(t, token, stored, "only a hash of the secret is stored")
	jobsOf := func() int { return b.count(`SELECT count(*) FROM river_job WHERE kind = 'tradingview_alert'`) }

	// TradingView posts a JSON message as text/plain.
	body := `{"ticker": "NASDAQ:AAPL", "price": 187.25, "message": "AAPL crossed the 200-day SMA at 187.25"}`
	r := b.must(http.StatusAccepted, b.hook(token, "text/plain; charset=utf-8", body))
	require.Equal(t, "queued", r["status"])
	require.Equal(t, "json", r["format"])
	require.Equal(t, 1, jobsOf(), "exactly one job")
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'tradingview.receive' AND source = 'webhook'
		AND owner_user_id = $1 AND entity_id = $2`, u.id, strconv.FormatInt(int64(r["job_id"].(float64)), 10)))

	// The same body again within the replay window: 409, nothing queued.
	dup := b.hook(token, "text/plain; charset=utf-8", body)
	require.Equal(t, http.StatusConflict, dup.status, string(dup.raw))
	require.Contains(t, string(dup.raw), "duplicate ignored")
	require.Equal(t, 1, jobsOf())

	// Plain text and a strategy alert with an action.
	b.must(http.StatusAccepted, b.hook(token, "text/plain", "BTCUSDT crossing 65000.5"))
	b.must(http.StatusAccepted, b.hook(token, "application/json",
		`{"ticker": "AAPL", "price": "187.5", "bot": "swing", "action": "buy", "size_pct": "10", "message": "swing: buy AAPL"}`))
	require.Equal(t, 3, jobsOf())

	// Wrong tokens: 404 whatever is wrong.
	other := b.tradingViewToken(b.user("other", userOpts{}))
	for _, bad := range []string{
		"nope",
		"tv_" + strings.Repeat("0", 16) + token[19:], // unknown selector, real secret
		token[:19] + other[19:],                      // real selector, another secret
		token[:len(token)-1] + "x",                   // one character off
	} {
		r := b.hook(bad, "text/plain", "x")
		require.Equal(t, http.StatusNotFound, r.status, "%s: %s", bad, r.raw)
		require.Contains(t, string(r.raw), "no such webhook")
	}
	// Oversized: 413; exactly the limit is accepted.
	limit := b.cfg.TradingViewMaxBodyBytes
	require.Equal(t, 64<<10, limit)
	require.Equal(t, http.StatusRequestEntityTooLarge, b.hook(token, "text/plain", strings.Repeat("a", limit+1)).status)
	b.must(http.StatusAccepted, b.hook(token, "text/plain", strings.Repeat("b", limit)))
	require.Equal(t, 4, jobsOf())

	// Bad fields: 422 naming them.
	for body, where := range map[string]string{
		`{"ticker": "AAPL", "bot": "swing", "action": "short", "size_pct": 5}`: "body.action",
		`{"ticker": "AAPL", "bot": "swing", "action": "buy"}`:                  "body.size_pct",
		`{"ticker": "AAPL", "bot": "swing", "action": "buy", "size_pct": 500}`: "body.size_pct",
		`{"bot": "swing", "action": "buy", "size_pct": 5}`:                     "body.ticker",
		`{"price": "{{close}}"}`: "body.price",
		`{"actions": [{"bot": "a", "side": "exit", "qty": 1}], "ticker": "A"}`: "body.actions[0].qty",
	} {
		r := b.hook(token, "application/json", body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", body, r.raw)
		require.Contains(t, r.errLocations(t), where, "%s: %s", body, r.raw)
	}
	r422 := b.hook(token, "application/json", "AAPL crossed")
	require.Equal(t, http.StatusUnprocessableEntity, r422.status)
	require.Contains(t, r422.errLocations(t), "body")
	require.Equal(t, 4, jobsOf(), "nothing refused was queued")

	// A rotated token replaces the old one.
	newToken := b.tradingViewToken(u)
	require.Equal(t, http.StatusNotFound, b.hook(token, "text/plain", "after rotation").status)
	b.must(http.StatusAccepted, b.hook(newToken, "text/plain", "after rotation"))
	// A blocked user's token answers as an unknown one.
	b.exec("UPDATE users SET status = 'blocked' WHERE id = $1", u.id)
	require.Equal(t, http.StatusNotFound, b.hook(newToken, "text/plain", "blocked").status)
	b.exec("UPDATE users SET status = 'verified' WHERE id = $1", u.id)
	require.Equal(t, 5, jobsOf())

	// The workers deliver: one notification per request, to the owner,
	// and the action stored pending for the trading bot.
	b.startWorkers()
	b.eventually("five messages recorded", func() bool {
		return b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND status = 'recorded'`, u.id) == 5
	})
	for _, msg := range []string{"AAPL crossed the 200-day SMA at 187.25", "BTCUSDT crossing 65000.5", "after rotation", strings.Repeat("b", limit)} {
		require.Equal(t, 1, b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND message = $2`, u.id, msg), msg)
	}
	var actionID int64
	var bot, symbol, side, status string
	var size float64
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT id, bot, symbol, side, size_pct, status FROM trading_actions WHERE user_id = $1`, u.id).
		Scan(&actionID, &bot, &symbol, &side, &size, &status))
	require.Equal(t, []any{"swing", "AAPL", "buy", 10.0, "pending"}, []any{bot, symbol, side, size, status})
	require.Equal(t, 1, b.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND message = $2`, u.id,
		"swing: buy AAPL\nAction #"+strconv.FormatInt(actionID, 10)+" for trading bot swing: buy 10% of AAPL (queued for its next decision)"))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'trading_action.create' AND source = 'webhook' AND entity_id = $1`,
		strconv.FormatInt(actionID, 10)))
	require.Zero(t, b.count(`SELECT count(*) FROM notifications WHERE user_id <> $1`, u.id), "nobody else is notified")
}

// Over tradingview_rate_limit requests in a minute from one token: 429
// with Retry-After; another user's token is not affected.
func TestTradingViewRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{cfg: func(c *config.Config) { c.TradingViewRateLimit = 3 }})
	token := b.tradingViewToken(b.user("busy", userOpts{}))
	for i := range 3 {
		b.must(http.StatusAccepted, b.hook(token, "text/plain", "fire "+strconv.Itoa(i)))
	}
	r := b.hook(token, "text/plain", "fire 3")
	require.Equal(t, http.StatusTooManyRequests, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "3 requests per minute")
	wait, err := strconv.Atoi(r.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", r.header.Get("Retry-After"))
	require.True(t, wait >= 1 && wait <= 60, "Retry-After %d", wait)
	require.Equal(t, 3, b.count(`SELECT count(*) FROM river_job WHERE kind = 'tradingview_alert'`))

	calm := b.tradingViewToken(b.user("calm", userOpts{}))
	b.must(http.StatusAccepted, b.hook(calm, "text/plain", "fire 3"))
}
