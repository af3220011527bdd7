package bot

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/tradingbot"
)

// tradingBot creates a running bot for tgID's user holding 10 AAPL bought
// at 100 (fee 1) and closed at 105 — cash 10000 − 1000 − 1 = 8999 — with
// one closed MSFT round trip: bought 2 at 50, sold at 60, P&L +20.
func (tb *testBundle) tradingBot(t *testing.T, tgID int64, name string) int64 {
	t.Helper()
	u := tb.dbUser(t, tgID)
	svc, err := tradingbot.NewService(testValidator(t), nil)
	require.NoError(t, err)
	d, err := tradingbot.ParseDefinition(testValidator(t), []byte(`{"name": "`+name+`", "strategy": "sma_cross",
		"params": {"fast": 3, "slow": 8}, "symbols": ["AAPL", "MSFT"], "timeframe": "1m"}`))
	require.NoError(t, err)
	var id int64
	require.NoError(t, pgx.BeginFunc(tb.ctx, tb.db.Pool, func(tx pgx.Tx) error {
		b, err := svc.Create(tb.ctx, tx, tradingbot.Actor{UserID: u.ID, Source: audit.SourceCLI}, u.ID, d)
		id = b.ID
		return err
	}))
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := tb.db.Pool.Exec(tb.ctx, sql, args...)
		require.NoError(t, err)
	}
	exec(`UPDATE trading_bots SET cash = 9019, last_bar_time = '2026-03-02T10:05:00Z', engine_state = $2 WHERE id = $1`, id,
		`{"cash": "9019", "positions": {"AAPL": {"symbol": "AAPL", "quantity": "10", "avg_cost": "100",
		"opened_at": "2026-03-02T10:04:00Z", "entry_bar": 4, "high_water": 106, "last_close": 105, "trade": 0}},
		"next_order_id": 4, "fees_paid": "1", "realised": "20", "bars": 5, "halted_day": -1, "day": 20514,
		"day_start_eq": 10000, "last_equity": 10069, "peak_equity": 10069}`)
	exec(`INSERT INTO bot_orders (bot_id, idempotency_key, engine_order_id, bar_time, symbol, side, type, tif, status, reason)
		SELECT $1::bigint, $1::text || ':' || n, n, '2026-03-02T10:00:00Z'::timestamptz + n * interval '1 minute',
		       s, d, 'market', 'gtc', 'filled', 'signal'
		FROM (VALUES (1, 'MSFT', 'buy'), (2, 'MSFT', 'sell'), (3, 'AAPL', 'buy')) v(n, s, d)`, id)
	exec(`INSERT INTO bot_fills (bot_id, order_id, bar_time, symbol, side, price, quantity, fee, reason, trade_pnl)
		SELECT $1, o.id, o.bar_time + interval '1 minute', o.symbol, o.side, v.price, v.qty, v.fee, 'signal', v.pnl
		FROM bot_orders o JOIN (VALUES (1, 50, 2, 0, NULL::numeric), (2, 60, 2, 0, 20), (3, 100, 10, 1, NULL)) v(n, price, qty, fee, pnl)
		  ON o.engine_order_id = v.n WHERE o.bot_id = $1`, id)
	exec(`INSERT INTO bot_positions (bot_id, symbol, quantity, avg_cost, last_close, opened_at)
		VALUES ($1, 'AAPL', 10, 100, 105, '2026-03-02T10:04:00Z')`, id)
	return id
}

// The trading bot commands answer from the owner's bots (hand-computed
// figures), change them through the service with audit rows of source
// bot, and answer other users and bad input helpfully.
func TestTradingBotCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)
	require.Contains(t, tb.say(t, u, "/bots"), "You have no trading bots")
	id := tb.tradingBot(t, u, "sma-demo")

	require.Contains(t, tb.say(t, u, "/bots"), "sma-demo — running, sma_cross on AAPL,MSFT 1m, cash 9019.00")
	status := tb.say(t, u, "/bot SMA-demo")
	require.Contains(t, status, "Trading bot sma-demo: running")
	require.Contains(t, status, "Equity 10069.00 (+0.69%), cash 9019.00") // 9019 + 10 × 105
	require.Contains(t, status, "AAPL 10 @ 100.00 → 105.00: +50.00 (+5.00%)")
	balance := tb.say(t, u, "/balance sma-demo")
	require.Contains(t, balance, "AAPL 10 × 105.00 = 1050.00")
	require.Contains(t, balance, "Equity 10069.00 (started with 10000.00, +0.69%)")
	profit := tb.say(t, u, "/profit sma-demo")
	require.Contains(t, profit, "Closed trades: 1 (1 won, 0 lost, win rate 100%)\nClosed P&L +20.00")
	require.Contains(t, profit, "Open trades: 1, unrealised P&L +50.00\nFees paid 1.00")
	trades := tb.say(t, u, "/trades sma-demo")
	require.Contains(t, trades, "MSFT 2026-03-02 10:02 → 2026-03-02 10:03: 2 @ 50.00 → 60.00, +20.00")
	require.Contains(t, trades, "AAPL open since 2026-03-02 10:04: 10 @ 100.00, +49.00 at the last close") // 10 × 105 − 1000 − 1

	// Another user: every command is a helpful not-found, nothing changes.
	for _, text := range []string{"/bot sma-demo", "/profit sma-demo", "/balance sma-demo", "/trades sma-demo",
		"/forceexit sma-demo all", "/stopentry sma-demo", "/startbot sma-demo", "/stopbot sma-demo"} {
		require.Contains(t, tb.say(t, other, text), `You have no trading bot named "sma-demo". /bots lists yours.`, text)
	}
	require.Contains(t, tb.say(t, other, "/bots"), "You have no trading bots")

	// Bad syntax and refusals.
	for text, want := range map[string]string{
		"/bot":                     "/bot takes one bot name",
		"/bot a b":                 "/bot takes one bot name",
		"/bot <script>":            `"<script>" is not a bot name`,
		"/forceexit sma-demo":      "/forceexit takes a bot name and a symbol, or all.",
		"/forceexit sma-demo a$b":  `"a$b" is not a symbol`,
		"/forceexit sma-demo TSLA": "does not trade TSLA",
		"/forceexit sma-demo MSFT": "holds no position and no open order in MSFT",
		"/forceexit nosuch all":    `You have no trading bot named "nosuch"`,
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, want, text)
	}

	// Changes, audited with source bot.
	require.Contains(t, tb.say(t, u, "/forceexit sma-demo aapl"),
		"Trading bot sma-demo will close AAPL at its next decision (the next closed 1m bar)")
	require.Contains(t, tb.say(t, u, "/bot sma-demo"), "Force exit pending: AAPL.")
	require.Contains(t, tb.say(t, u, "/stopentry sma-demo"), "new entries halted (halted)")
	require.Contains(t, tb.say(t, u, "/bot sma-demo"), "Trading bot sma-demo: halted (entries stopped via bot by")
	require.Contains(t, tb.say(t, u, "/startbot sma-demo"), "Trading bot sma-demo is running")
	require.Contains(t, tb.say(t, u, "/startbot sma-demo"), "was already running")
	require.Contains(t, tb.say(t, u, "/stopbot sma-demo"), "Trading bot sma-demo is stopped")
	require.Contains(t, tb.say(t, u, "/stopentry sma-demo"), "is stopped: it places no orders; start it first")
	require.Contains(t, tb.say(t, u, "/forceexit sma-demo all"), "The bot is stopped: the exit waits until /startbot sma-demo.")
	var n int
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM audit_log WHERE source = 'bot' AND entity_id::bigint = $1
		AND action IN ('tradingbot.forceexit', 'tradingbot.stopentry', 'tradingbot.start', 'tradingbot.stop')`, id).Scan(&n))
	require.Equal(t, 5, n, "forceexit twice, stopentry, start, stop")
	var state string
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT state FROM trading_bots WHERE id = $1`, id).Scan(&state))
	require.Equal(t, "stopped", state)
}
