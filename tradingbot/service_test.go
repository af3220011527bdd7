package tradingbot_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingbot"
)

// Bad definitions are refused with an Error naming the field at fault, and
// nothing is written.
func TestDefinitionErrorsNameTheField(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ def, field, msg string }{
		{`{"name": "x", "strategy": "momentum", "symbols": ["AAPL"], "timeframe": "1m"}`, "strategy", "must be one of"},
		{`{"name": "x", "strategy": "sma_cross", "params": {"fast": 0}, "symbols": ["AAPL"], "timeframe": "1m"}`, "params/fast", "must be >= 1"},
		{`{"name": "x", "strategy": "sma_cross", "params": {"fast": 30, "slow": 10}, "symbols": ["AAPL"], "timeframe": "1m"}`, "params/fast", "must be < slow (10)"},
		{`{"name": "x", "strategy": "sma_cross", "params": {"fats": 3}, "symbols": ["AAPL"], "timeframe": "1m"}`, "params/fats", `unknown property "fats" (allowed: allow_short, fast`},
		{`{"name": "x", "strategy": "sma_cross", "symbols": [], "timeframe": "1m"}`, "symbols", "at least 1"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["aapl"], "timeframe": "1m"}`, "symbols/0", "uppercase ticker"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "2m"}`, "timeframe", "must be one of"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "cash": 0}`, "cash", "must be > 0"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "risk": {"stoploss_pct": 120}}`, "risk/stoploss_pct", "must be <= 100"},
		{`{"name": "x y", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m"}`, "name", "must be 1-64 characters"},
		{`{"strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m"}`, "name", "missing"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "broker": "ibkr"}`, "broker", "must be one of"},
		{`{"name": "x", "strategy": "sma_cross", "params": {"allow_short": true}, "symbols": ["AAPL"], "timeframe": "1m", "broker": "alpaca"}`, "broker", "cannot sell short"},
		{`{"name": "x", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m", "leverage": 3}`, "leverage", "unknown property"},
		{`{"name": "x", `, "", "invalid JSON"},
	} {
		_, err := tradingbot.ParseDefinition(validator, []byte(c.def))
		require.Error(t, err, c.def)
		te, ok := tradingbot.AsError(err)
		require.True(t, ok, "%s: %v", c.def, err)
		require.Equal(t, tradingbot.KindInvalid, te.Kind, c.def)
		require.Equal(t, c.field, te.Field, "%s: %v", c.def, err)
		require.Contains(t, err.Error(), c.msg, c.def)
	}
}

// Create, update, stop and start are scoped to the actor's bots and
// audited with the actor and the source; edits follow the rules of a bot
// that has traded.
func TestServiceScopesAuditsAndGuardsEdits(t *testing.T) {
	t.Parallel()
	e := setup(t)
	q := dbsqlc.New()
	other, err := q.UserCreate(e.ctx, e.pool, dbsqlc.UserCreateParams{Name: "other", Status: "verified"})
	require.NoError(t, err)
	b := e.create(smaDef)
	require.Equal(t, tradingbot.StateRunning, b.State)
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.create' AND source = 'cli'
		AND actor_user_id = $1 AND owner_user_id = $1`, e.user))

	intruder := tradingbot.Actor{UserID: other.ID, Name: "other", Source: audit.SourceCLI}
	tx := func(fn func(tx pgx.Tx) error) error { return pgx.BeginFunc(e.ctx, e.pool, fn) }
	err = tx(func(tx pgx.Tx) error { _, err := e.svc.Stop(e.ctx, tx, intruder, b.ID); return err })
	te, ok := tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, tradingbot.KindNotFound, te.Kind, "another user's bot is not found")
	_, err = e.svc.Get(e.ctx, e.pool, intruder, b.ID)
	require.Error(t, err)
	list, err := e.svc.List(e.ctx, e.pool, intruder)
	require.NoError(t, err)
	require.Empty(t, list)
	list, err = e.svc.List(e.ctx, e.pool, tradingbot.Operator(audit.SourceCLI))
	require.NoError(t, err)
	require.Len(t, list, 1)
	d, err := tradingbot.ParseDefinition(validator, []byte(smaDef))
	require.NoError(t, err)
	err = tx(func(tx pgx.Tx) error { _, _, err := e.svc.Apply(e.ctx, tx, intruder, e.user, d); return err })
	require.Error(t, err, "a user cannot create bots for another")
	err = tx(func(tx pgx.Tx) error { _, err := e.svc.Create(e.ctx, tx, e.actor(), e.user, d); return err })
	te, _ = tradingbot.AsError(err)
	require.Equal(t, tradingbot.KindConflict, te.Kind)
	require.Equal(t, "name", te.Field)

	// Trade until the bot holds AAPL.
	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(e.ctx))
	for i := 0; i < 200 && count(t, e.pool, "SELECT count(*) FROM bot_positions WHERE bot_id = $1", b.ID) == 0; i++ {
		e.tick(r, time.Minute)
	}
	require.Equal(t, 1, count(t, e.pool, "SELECT count(*) FROM bot_positions WHERE bot_id = $1", b.ID))

	apply := func(def string) error {
		d, err := tradingbot.ParseDefinition(validator, []byte(def))
		require.NoError(t, err)
		return tx(func(tx pgx.Tx) error { _, _, err := e.svc.Apply(e.ctx, tx, e.actor(), e.user, d); return err })
	}
	for _, c := range []struct{ def, field string }{
		{`{"name": "sma", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["MSFT"], "timeframe": "1m", "cash": 10000}`, "symbols"},
		{`{"name": "sma", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL"], "timeframe": "5m", "cash": 10000}`, "timeframe"},
		{`{"name": "sma", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL"], "timeframe": "1m", "cash": 20000}`, "cash"},
	} {
		err := apply(c.def)
		te, ok := tradingbot.AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, tradingbot.KindConflict, te.Kind, c.def)
		require.Equal(t, c.field, te.Field, c.def)
	}
	// New parameters and an added symbol are fine: the strategy starts over
	// (warmed up again), the account is kept.
	cash := e.bot(b.ID).Cash
	require.NoError(t, apply(`{"name": "sma", "strategy": "sma_cross", "params": {"fast": 4, "slow": 10}, "symbols": ["AAPL", "MSFT"],
		"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10, "slippage_bps": 5}`))
	got := e.bot(b.ID)
	require.True(t, cash.Equal(got.Cash))
	require.Empty(t, got.WarmedSymbols)
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.update'
		AND details->'changed' ? 'strategy' AND details->'changed' ? 'symbols'`))
	e.tick(r, time.Minute)
	got = e.bot(b.ID)
	require.ElementsMatch(t, []string{"AAPL", "MSFT"}, got.WarmedSymbols)
	require.Equal(t, 1, count(t, e.pool, "SELECT count(*) FROM bot_positions WHERE bot_id = $1 AND symbol = 'AAPL'", b.ID),
		"the position survived the edit")

	// A file saying stopped stops it; stop and start are audited.
	require.NoError(t, apply(`{"name": "sma", "strategy": "sma_cross", "params": {"fast": 4, "slow": 10}, "symbols": ["AAPL", "MSFT"],
		"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10, "slippage_bps": 5, "state": "stopped"}`))
	got = e.bot(b.ID)
	require.Equal(t, tradingbot.StateStopped, got.State)
	require.Nil(t, got.LeaseOwner, "stopping drops the lease")
	last := got.LastBarTime.UTC()
	e.tick(r, time.Minute)
	e.tick(r, time.Minute)
	require.Equal(t, last, e.bot(b.ID).LastBarTime.UTC(), "a stopped bot is not decided")
	require.Zero(t, r.Stats().Held)
	require.NoError(t, tx(func(tx pgx.Tx) error { _, err := e.svc.Start(e.ctx, tx, e.actor(), b.ID); return err }))
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.stop' AND source = 'cli'`))
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.start' AND source = 'cli'`))
	e.tick(r, time.Minute)
	got = e.bot(b.ID)
	require.Equal(t, e.clock.Now().Truncate(time.Minute).Add(-time.Minute), got.LastBarTime.UTC())
	require.EqualValues(t, 4, got.BarsSkipped, "the 2 bars of each symbol that closed while it was stopped are skipped")
}
