package tradingbot_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingbot"
)

const signalsDef = `{"name": "signals", "strategy": "alert_signals", "params": {}, "symbols": ["AAPL"],
	"timeframe": "1m", "cash": 10000}`

// Pending trading actions (what a TradingView webhook, an alert or a
// screener queues for a bot by name) are taken by the bot's next decision:
// one for its symbol becomes one order, filled at the next bar's open; one
// for a symbol it does not trade is refused with the reason; another user's
// action for a bot of the same name is not this bot's; and a decision that
// is retried does not take an action twice.
func TestPendingActionsAreTakenOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(signalsDef)
	other, err := dbsqlc.New().UserCreate(e.ctx, e.pool, dbsqlc.UserCreateParams{Name: "other", Status: "verified"})
	require.NoError(t, err)
	insert := func(user int64, key, symbol, side string, size any) {
		t.Helper()
		_, err := e.pool.Exec(e.ctx, `INSERT INTO trading_actions (user_id, source, key, bot, symbol, side, size_pct)
			VALUES ($1, 'webhook', $2, 'signals', $3, $4, $5)`, user, key, symbol, side, size)
		require.NoError(t, err)
	}
	insert(e.user, "tv:1:0", "AAPL", "buy", 50)
	insert(e.user, "tv:1:1", "MSFT", "buy", 10)
	insert(other.ID, "tv:2:0", "AAPL", "buy", 50)

	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(e.ctx)) // first decision: takes the actions, queues the order
	e.tick(r, time.Minute)            // next bar: the market order fills at its open

	status := func(key string) (st, reason string) {
		t.Helper()
		require.NoError(t, e.pool.QueryRow(e.ctx, "SELECT status, coalesce(details->>'reason', '') FROM trading_actions WHERE key = $1",
			key).Scan(&st, &reason))
		return st, reason
	}
	st, _ := status("tv:1:0")
	require.Equal(t, "taken", st)
	st, reason := status("tv:1:1")
	require.Equal(t, "refused", st)
	require.Contains(t, reason, "does not trade MSFT")
	st, _ = status("tv:2:0")
	require.Equal(t, "pending", st, "another user's action is not this bot's")

	q := dbsqlc.New()
	orders, err := q.BotOrderList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Len(t, orders, 1, "one action, one order")
	require.Equal(t, "buy", orders[0].Side)
	require.Equal(t, "filled", orders[0].Status)
	fills, err := q.BotFillList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Len(t, fills, 1)
	// 50 % of 10,000 equity at the fill price, in whole units (no fees).
	price := fills[0].Price.InexactFloat64()
	require.InDelta(t, float64(int(5000/price)), fills[0].Quantity.InexactFloat64(), 1e-9)

	// The same action queued again under its key is ignored by the engine.
	_, err = e.pool.Exec(e.ctx, "UPDATE trading_actions SET status = 'pending' WHERE key = 'tv:1:0'")
	require.NoError(t, err)
	e.tick(r, time.Minute)
	e.tick(r, time.Minute)
	orders, err = q.BotOrderList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Len(t, orders, 1, "an action's key is taken once")
}
