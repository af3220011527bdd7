package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

const botBody = `{"name": "sma-demo", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL", "MSFT"],
	"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10, "risk": {"stoploss_pct": 2}}`

func jsonBody(t *testing.T, s string) map[string]any {
	t.Helper()
	return resp{raw: []byte(s)}.json(t)
}

// holdAAPL gives the bot the state a decision that bought 10 AAPL at 100
// (fee 1) and closed at 105 would leave: cash 10000 − 1000 − 1 = 8999.
func (b *bundle) holdAAPL(botID int64) {
	b.t.Helper()
	b.exec(`UPDATE trading_bots SET cash = 8999, last_bar_time = '2026-03-02T10:01:00Z', engine_state = $2 WHERE id = $1`, botID,
		`{"cash": "8999", "positions": {"AAPL": {"symbol": "AAPL", "quantity": "10", "avg_cost": "100",
		"opened_at": "2026-03-02T10:01:00Z", "entry_bar": 1, "high_water": 106, "last_close": 105, "trade": 0}},
		"orders": [{"id": 2, "symbol": "MSFT", "side": "buy", "type": "limit", "tif": "gtc", "quantity": "1", "limit_price": "50"}],
		"next_order_id": 3, "fees_paid": "1", "realised": "0",
		"trades": [{"symbol": "AAPL", "entry_time": "2026-03-02T10:01:00Z", "entry_price": "100", "exit_time": null,
		"exit_price": null, "quantity": "10", "sold": "0", "proceeds": "0", "pnl": "0", "fees": "1"}],
		"bars": 2, "halted": false, "halted_day": -1, "day": 20514, "day_start_eq": 10000, "last_equity": 10049, "peak_equity": 10049}`)
	b.exec(`INSERT INTO bot_orders (bot_id, idempotency_key, engine_order_id, bar_time, symbol, side, type, tif, quantity, status, reason)
		VALUES ($1::bigint, $1::text || ':1:0', 1, '2026-03-02T10:00:00Z', 'AAPL', 'buy', 'market', 'gtc', 10, 'filled', 'signal'),
		       ($1, $1::text || ':2:0', 2, '2026-03-02T10:01:00Z', 'MSFT', 'buy', 'limit', 'gtc', 1, 'open', 'signal')`, botID)
	b.exec(`INSERT INTO bot_fills (bot_id, order_id, bar_time, symbol, side, price, quantity, fee, reason)
		SELECT $1, id, '2026-03-02T10:01:00Z', 'AAPL', 'buy', 100, 10, 1, 'signal' FROM bot_orders WHERE bot_id = $1 AND engine_order_id = 1`, botID)
	b.exec(`INSERT INTO bot_positions (bot_id, symbol, quantity, avg_cost, last_close, opened_at)
		VALUES ($1, 'AAPL', 10, 100, 105, '2026-03-02T10:01:00Z')`, botID)
	b.exec(`INSERT INTO bot_equity_snapshots (bot_id, bar_time, equity, cash, positions_value, realised, fees_paid)
		VALUES ($1, '2026-03-02T10:00:00Z', 10000, 10000, 0, 0, 0), ($1, '2026-03-02T10:01:00Z', 10049, 8999, 1050, 0, 1)`, botID)
}

// Every bot operation through the real server: create, list, get with the
// account and positions (hand-computed), replace, stopentry, start, stop,
// orders, trades, equity, force exit and delete; each audited.
func TestBotsAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("alice", userOpts{})
	created := b.do(http.MethodPost, "/api/bots", u.token, jsonBody(t, botBody))
	bot := b.must(http.StatusCreated, created)
	id := int64(bot["id"].(float64))
	path := fmt.Sprintf("/api/bots/%d", id)
	require.Equal(t, path, created.header.Get("Location"))
	require.Equal(t, "running", bot["state"])
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'tradingbot.create' AND source = 'api' AND actor_user_id = $1`, u.id))
	require.Equal(t, http.StatusConflict, b.do(http.MethodPost, "/api/bots", u.token, jsonBody(t, botBody)).status, "names are unique")

	list := b.must(http.StatusOK, b.do(http.MethodGet, "/api/bots", u.token, nil))
	require.Len(t, list["items"], 1)

	b.holdAAPL(id)
	st := b.must(http.StatusOK, b.do(http.MethodGet, path, u.token, nil))
	require.InDelta(t, 8999, st["cash"], 1e-9)
	require.InDelta(t, 8999+10*105, st["equity"], 1e-9)          // cash + 10 × 105
	require.InDelta(t, (105-100)*10, st["unrealised_pnl"], 1e-9) // (105 − 100) × 10
	require.InDelta(t, 0.49, st["return_pct"], 1e-9)             // 10049 / 10000 − 1
	require.InDelta(t, 1, st["fees_paid"], 1e-9)
	require.EqualValues(t, 1, st["open_orders"])
	pos := st["positions"].([]any)
	require.Len(t, pos, 1)
	p0 := pos[0].(map[string]any)
	require.Equal(t, "AAPL", p0["symbol"])
	require.InDelta(t, 5, p0["unrealised_pct"], 1e-9) // 105 / 100 − 1

	trades := b.must(http.StatusOK, b.do(http.MethodGet, path+"/trades", u.token, nil))["items"].([]any)
	require.Len(t, trades, 1)
	tr := trades[0].(map[string]any)
	require.Equal(t, true, tr["open"])
	require.Nil(t, tr["exit_price"])
	require.InDelta(t, 10*105-1000-1, tr["pnl"], 1e-9) // the rest at the last close, less cost and fee
	orders := b.must(http.StatusOK, b.do(http.MethodGet, path+"/orders?limit=1", u.token, nil))["items"].([]any)
	require.Len(t, orders, 1)
	require.Equal(t, "MSFT", orders[0].(map[string]any)["symbol"], "newest first")
	eq := b.must(http.StatusOK, b.do(http.MethodGet, path+"/equity?from=2026-03-02T10:01:00Z", u.token, nil))["items"].([]any)
	require.Len(t, eq, 1)
	require.InDelta(t, 10049, eq[0].(map[string]any)["equity"], 1e-9)

	// Force exit: queued in the bot's state, the MSFT limit untouched, audited.
	fe := b.must(http.StatusAccepted, b.do(http.MethodPost, path+"/forceexit", u.token, map[string]any{"symbol": "aapl"}))
	require.Equal(t, []any{"AAPL"}, fe["symbols"])
	require.Equal(t, 1, b.count(`SELECT count(*) FROM trading_bots WHERE id = $1
		AND engine_state->'actions' @> '[{"symbol": "AAPL", "side": "exit"}]'`, id))
	st = b.must(http.StatusOK, b.do(http.MethodGet, path, u.token, nil))
	require.Equal(t, []any{"AAPL"}, st["pending_exits"])
	fe = b.must(http.StatusAccepted, b.do(http.MethodPost, path+"/forceexit", u.token, map[string]any{"all": true}))
	require.EqualValues(t, 1, fe["cancelled_orders"], "all: the MSFT order is cancelled")
	require.Equal(t, 1, b.count(`SELECT count(*) FROM bot_orders WHERE bot_id = $1 AND symbol = 'MSFT' AND status = 'cancelled'`, id))
	require.Equal(t, 2, b.count(`SELECT count(*) FROM audit_log WHERE action = 'tradingbot.forceexit' AND source = 'api' AND actor_user_id = $1`, u.id))

	// State changes.
	require.Equal(t, "halted", b.must(http.StatusOK, b.do(http.MethodPost, path+"/stopentry", u.token, nil))["state"])
	require.Equal(t, true, b.must(http.StatusOK, b.do(http.MethodGet, path, u.token, nil))["entries_stopped"])
	require.Equal(t, "running", b.must(http.StatusOK, b.do(http.MethodPost, path+"/start", u.token, nil))["state"])
	require.Equal(t, false, b.must(http.StatusOK, b.do(http.MethodGet, path, u.token, nil))["entries_stopped"])
	require.Equal(t, "stopped", b.must(http.StatusOK, b.do(http.MethodPost, path+"/stop", u.token, nil))["state"])
	require.Equal(t, http.StatusConflict, b.do(http.MethodPost, path+"/stopentry", u.token, nil).status)

	// Replace: risk changed; dropping a held symbol is a conflict naming it.
	put := jsonBody(t, botBody)
	delete(put, "name")
	put["risk"] = map[string]any{"stoploss_pct": 5}
	put["state"] = "stopped"
	got := b.must(http.StatusOK, b.do(http.MethodPut, path, u.token, put))
	require.JSONEq(t, `{"stoploss_pct": 5}`, string(mustJSON(t, got["risk"])))
	put["symbols"] = []any{"MSFT"}
	r := b.do(http.MethodPut, path, u.token, put)
	require.Equal(t, http.StatusConflict, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t), "body.symbols")
	put["symbols"] = []any{"AAPL", "MSFT"}
	put["name"] = "renamed"
	r = b.do(http.MethodPut, path, u.token, put)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t), "body.name")

	require.Equal(t, http.StatusNoContent, b.do(http.MethodDelete, path, u.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, path, u.token, nil).status)
	require.Zero(t, b.count(`SELECT count(*) FROM bot_fills WHERE bot_id = $1`, id))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'tradingbot.delete' AND actor_user_id = $1`, u.id))
}

// Another user's bot is a 404 on every operation, and nothing changes.
func TestBotsAPIScopedToTheOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	mallory := b.user("mallory", userOpts{})
	id := int64(b.must(http.StatusCreated, b.do(http.MethodPost, "/api/bots", alice.token, jsonBody(t, botBody)))["id"].(float64))
	b.holdAAPL(id)
	path := "/api/bots/" + strconv.FormatInt(id, 10)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, path, nil},
		{http.MethodPut, path, jsonBody(t, `{"strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m"}`)},
		{http.MethodDelete, path, nil},
		{http.MethodPost, path + "/start", nil},
		{http.MethodPost, path + "/stop", nil},
		{http.MethodPost, path + "/stopentry", nil},
		{http.MethodPost, path + "/forceexit", map[string]any{"all": true}},
		{http.MethodGet, path + "/orders", nil},
		{http.MethodGet, path + "/trades", nil},
		{http.MethodGet, path + "/equity", nil},
	} {
		r := b.do(c.method, c.path, mallory.token, c.body)
		require.Equal(t, http.StatusNotFound, r.status, "%s %s: %s", c.method, c.path, r.raw)
	}
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/bots", mallory.token, nil))["items"])
	require.Equal(t, 1, b.count(`SELECT count(*) FROM trading_bots WHERE id = $1 AND state = 'running'
		AND engine_state->'actions' IS NULL`, id))
	require.Zero(t, b.count(`SELECT count(*) FROM audit_log WHERE actor_user_id = $1`, mallory.id))
}

// Bad input is a 422 naming the field, and stores nothing.
func TestBotsAPIBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("alice", userOpts{})
	for _, c := range []struct{ body, location string }{
		{`{"name": "x", "strategy": "momentum", "symbols": ["AAPL"], "timeframe": "1m"}`, "body.strategy"},
		{`{"name": "x", "strategy": "sma_cross", "params": {"fast": 0}, "symbols": ["AAPL"], "timeframe": "1m"}`, "body.params.fast"},
		{`{"name": "x", "strategy": "sma_cross", "params": {"fast": 30, "slow": 10}, "symbols": ["AAPL"], "timeframe": "1m"}`, "body.params.fast"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["aapl"], "timeframe": "1m"}`, "body.symbols[0]"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "2m"}`, "body.timeframe"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "cash": -5}`, "body.cash"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "risk": {"stoploss_pct": 120}}`, "body.risk.stoploss_pct"},
		{`{"name": "x y", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m"}`, "body.name"},
		{`{"strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m"}`, "body.name"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "leverage": 3}`, "body.leverage"},
	} {
		r := b.do(http.MethodPost, "/api/bots", u.token, jsonBody(t, c.body))
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", c.body, r.raw)
		require.Contains(t, r.errLocations(t), c.location, "%s: %s", c.body, r.raw)
	}
	require.Zero(t, b.count(`SELECT count(*) FROM trading_bots`))

	id := int64(b.must(http.StatusCreated, b.do(http.MethodPost, "/api/bots", u.token, jsonBody(t, botBody)))["id"].(float64))
	path := "/api/bots/" + strconv.FormatInt(id, 10)
	for _, c := range []struct {
		body     map[string]any
		status   int
		location string
	}{
		{map[string]any{}, http.StatusUnprocessableEntity, "body.symbol"},
		{map[string]any{"symbol": "AAPL", "all": true}, http.StatusUnprocessableEntity, "body.symbol"},
		{map[string]any{"symbol": "TSLA"}, http.StatusUnprocessableEntity, "body.symbol"},
		{map[string]any{"symbol": "AAPL"}, http.StatusConflict, "body.symbol"},
		{map[string]any{"all": true}, http.StatusConflict, "body.all"},
	} {
		r := b.do(http.MethodPost, path+"/forceexit", u.token, c.body)
		require.Equal(t, c.status, r.status, "%v: %s", c.body, r.raw)
		require.Contains(t, r.errLocations(t), c.location, "%v: %s", c.body, r.raw)
	}
	for _, q := range []string{"from=yesterday", "to=2026-13-01", "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "limit=0"} {
		r := b.do(http.MethodGet, path+"/equity?"+q, u.token, nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", q, r.raw)
	}
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, path+"/orders?limit=5000", u.token, nil).status)
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, "/api/bots/0", u.token, nil).status)
}

// POST /api/reports/run takes one of the caller's bots as a
// performance_report's bot_id; another user's is a 422 naming the field.
func TestRunReportOfABot(t *testing.T) {
	t.Parallel()
	b := setup(t, adhocKinds)
	alice := b.user("alice", userOpts{})
	mallory := b.user("mallory", userOpts{})
	id := int64(b.must(http.StatusCreated, b.do(http.MethodPost, "/api/bots", alice.token, jsonBody(t, botBody)))["id"].(float64))
	body := map[string]any{"report_type": "performance_report", "parameters": map[string]any{"bot_id": id, "include_charts": true}}
	r := b.do(http.MethodPost, "/api/reports/run", mallory.token, body)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t), "body.parameters.bot_id")
	require.Zero(t, b.count(`SELECT count(*) FROM job_schedule_runs`))
	r = b.do(http.MethodPost, "/api/reports/run", alice.token, body)
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'report.run' AND (details->>'bot_id')::bigint = $1`, id))
}
