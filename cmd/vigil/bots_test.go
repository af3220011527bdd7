package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

// vigil tradingbot --config validates a bot file (naming the field at
// fault), creates the bot, and on a second run updates it; vigil bots
// lists, stops and starts bots scoped by --user, each change audited with
// source cli.
func TestBotsCLI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	owner, other := seedBotOwner(t, d.Pool), seedBotOwner(t, d.Pool)
	db := []string{"--database-url", d.URL}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	user := strconv.FormatInt(owner, 10)

	// The shipped example validates.
	out, errOut, code := vigil(ctx, t, nil, "tradingbot", "--config", "../../bots/sma-cross.json", "--check")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `ok: bot "sma-cross", sma_cross on AAPL, MSFT 1m`)

	bad := write("bad.json", `{"name": "b", "strategy": "sma_cross", "params": {"fast": 0}, "symbols": ["AAPL"], "timeframe": "1m"}`)
	_, errOut, code = vigil(ctx, t, nil, "tradingbot", "--config", bad, "--check")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "bad.json: /params/fast: must be >= 1")

	good := write("sma.json", `{"name": "sma", "strategy": "sma_cross", "params": {"fast": 5, "slow": 20}, "symbols": ["AAPL", "MSFT"], "timeframe": "1m"}`)
	out, errOut, code = vigil(ctx, t, nil, "tradingbot", "--config", good, "--check")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `ok: bot "sma", sma_cross on AAPL, MSFT 1m, cash 10000`)
	_, errOut, code = vigil(ctx, t, nil, append([]string{"tradingbot", "--config", good}, db...)...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--user is required")
	out, errOut, code = vigil(ctx, t, nil, append([]string{"tradingbot", "--config", good, "--user", user}, db...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"sma" created for user `+user)

	// An alpaca bot validates, but its owner has no Alpaca credentials.
	live := write("live.json", `{"name": "live", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "broker": "alpaca"}`)
	_, errOut, code = vigil(ctx, t, nil, "tradingbot", "--config", live, "--check")
	require.Equal(t, 0, code, errOut)
	_, errOut, code = vigil(ctx, t, nil, append([]string{"tradingbot", "--config", live, "--user", user}, db...)...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "broker: no Alpaca credentials for this user: PUT /api/me/brokers/alpaca")
	require.NoError(t, os.WriteFile(good, []byte(`{"name": "sma", "strategy": "sma_cross", "params": {"fast": 4, "slow": 20},
		"symbols": ["AAPL", "MSFT"], "timeframe": "1m", "state": "stopped"}`), 0o600))
	out, errOut, code = vigil(ctx, t, nil, append([]string{"tradingbot", "--config", good, "--user", user}, db...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"sma" updated for user `+user)
	require.Contains(t, out, "state stopped")

	out, errOut, code = vigil(ctx, t, nil, append([]string{"bots", "create", "--user", user, "--name", "rsi", "--strategy", "rsi_reversion",
		"--symbols", "BTC-USD", "--timeframe", "1h", "--params", `{"period": 10}`}, db...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"rsi" created for user `+user+": rsi_reversion on BTC-USD 1h; state running")
	_, errOut, code = vigil(ctx, t, nil, append([]string{"bots", "create", "--user", user, "--name", "x", "--strategy", "sma_cross",
		"--symbols", "AAPL", "--params", `{"slow": 1}`}, db...)...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--params: /params/slow: must be >= 2")

	out, errOut, code = vigil(ctx, t, nil, append([]string{"bots", "list", "--user", user}, db...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "sma")
	require.Contains(t, out, "stopped via cli by trader")
	require.Contains(t, out, "rsi")
	out, _, code = vigil(ctx, t, nil, append([]string{"bots", "list", "--user", strconv.FormatInt(other, 10)}, db...)...)
	require.Equal(t, 0, code)
	require.NotContains(t, out, "sma", "another user sees none of them")

	var id int64
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT id FROM trading_bots WHERE name = 'sma'`).Scan(&id))
	sid := strconv.FormatInt(id, 10)
	_, errOut, code = vigil(ctx, t, nil, append([]string{"bots", "start", sid, "--user", strconv.FormatInt(other, 10)}, db...)...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "trading bot "+sid+" not found")
	out, errOut, code = vigil(ctx, t, nil, append([]string{"bots", "start", sid, "--user", user}, db...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "is running")
	out, errOut, code = vigil(ctx, t, nil, append([]string{"bots", "stop", sid}, db...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "is stopped")
	_, errOut, code = vigil(ctx, t, nil, append([]string{"bots", "stop", "x"}, db...)...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `bot id "x": must be a positive integer`)

	require.Equal(t, 1, countRows(t, d.Pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.update' AND source = 'cli'`))
	require.Equal(t, 2, countRows(t, d.Pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.stop' AND source = 'cli'`))
	require.Equal(t, 1, countRows(t, d.Pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.start' AND source = 'cli'
		AND actor_user_id = $1`, owner))
	require.Equal(t, 1, countRows(t, d.Pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.stop' AND source = 'cli'
		AND actor_user_id IS NULL`), "the operator's stop")
}
