package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/schemas"
)

// The tradingbot role runs the bots on the configured market data: a
// running bot is decided (its first decision warms it up on history and
// decides the newest closed bar), the runner writes its heartbeat (system
// trading_bot), and Close releases the leases before the pool closes.
func TestAppTradingBotRole(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	v, err := schemas.New()
	require.NoError(t, err)
	applyBot(t, d.Pool, v, seedBotOwner(t, d.Pool))
	cfg := appConfig(d.URL)
	cfg.HealthCheckInterval = config.Duration(50 * time.Millisecond)
	a := newApp("tradingbot", roles{tradingbot: true}, cfg, slog.New(slog.DiscardHandler), false)
	require.NoError(t, a.Run(t.Context()))
	require.NotNil(t, a.runner)
	require.NotNil(t, a.market, "the runner reads the configured market data")
	require.Nil(t, a.funds, "and builds no worker dependencies")
	require.Eventually(t, func() bool {
		return countRows(t, d.Pool, `SELECT count(*) FROM trading_bots WHERE last_bar_time IS NOT NULL AND lease_owner = $1`,
			a.runner.Owner()) == 1
	}, 30*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool {
		return countRows(t, d.Pool, `SELECT count(*) FROM msg_system_health WHERE system = 'trading_bot'
			AND (metadata->'checks'->'trading_bots'->'metadata'->>'bots')::int = 1
			AND metadata->'checks'->'trading_bots'->'metadata'->'brokers'->>'paper' = 'connected'`) > 0
	}, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, a.Close())
	require.Error(t, a.pool.Ping(t.Context()), "the pool is closed")
	require.Equal(t, 0, countRows(t, d.Pool, `SELECT count(*) FROM trading_bots WHERE lease_owner IS NOT NULL`),
		"Close released the lease")
}
