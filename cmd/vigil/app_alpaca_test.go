package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/broker/alpaca/alpacatest"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingbot"
)

// The tradingbot role trades an admin's alpaca bot on the operator's
// account (alpaca_key_id / alpaca_secret_key on alpaca_base_url, here the
// stand-in): the action's order reaches the broker once under its
// idempotency key, and the heartbeat in msg_system_health shows the
// bot's broker connected.
func TestAppTradingBotRoleAlpacaOperatorAccount(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	srv := alpacatest.New(t, alpacatest.Options{})
	srv.SetPrice("AAPL", decimal.NewFromInt(100))
	cfg := appConfig(d.URL)
	cfg.HealthCheckInterval = config.Duration(50 * time.Millisecond)
	cfg.AlpacaKeyID, cfg.AlpacaSecretKey, cfg.AlpacaBaseURL = srv.KeyID(), srv.SecretKey(), srv.URL
	require.NoError(t, cfg.Validate())

	v, err := schemas.New()
	require.NoError(t, err)
	u, err := dbsqlc.New().UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "root", IsAdmin: true, Status: "verified"})
	require.NoError(t, err)
	def, err := tradingbot.ParseDefinition(v, []byte(`{"name": "live", "strategy": "alert_signals", "symbols": ["AAPL"],
		"timeframe": "1m", "cash": 10000, "broker": "alpaca"}`))
	require.NoError(t, err)
	svc, err := tradingbot.NewService(v, nil)
	require.NoError(t, err)
	brokers, err := brokerAccounts(cfg)
	require.NoError(t, err)
	svc.UseBrokers(brokers)
	var bot dbsqlc.TradingBot
	require.NoError(t, pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		bot, err = svc.Create(ctx, tx, tradingbot.Actor{UserID: u.ID, Source: audit.SourceCLI}, u.ID, def)
		return err
	}))
	_, err = d.Pool.Exec(ctx, `INSERT INTO trading_actions (user_id, source, key, bot, symbol, side, size_pct)
		VALUES ($1, 'webhook', 'tv:1', 'live', 'AAPL', 'buy', 10)`, u.ID)
	require.NoError(t, err)

	a := newApp("tradingbot", roles{tradingbot: true}, cfg, slog.New(slog.DiscardHandler), false)
	require.NoError(t, a.Run(t.Context()))
	require.Eventually(t, func() bool {
		return countRows(t, d.Pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1 AND submitted_at IS NOT NULL`, bot.ID) == 1
	}, 30*time.Second, 20*time.Millisecond)
	var key string
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT idempotency_key FROM bot_orders WHERE bot_id = $1`, bot.ID).Scan(&key))
	status, _ := srv.OrderStatus(key)
	require.NotEmpty(t, status, "the broker has the order under its idempotency key")
	require.Equal(t, 1, srv.OrderCount())
	require.Eventually(t, func() bool {
		return countRows(t, d.Pool, `SELECT count(*) FROM msg_system_health WHERE system = 'trading_bot'
			AND metadata->'checks'->'trading_bots'->'metadata'->'brokers'->>'alpaca' = 'connected'
			AND (metadata->'checks'->'trading_bots'->'metadata'->'broker_bots'->0->>'connected')::bool`) > 0
	}, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, a.Close())
	require.Equal(t, 1, srv.OrderCount())
}
