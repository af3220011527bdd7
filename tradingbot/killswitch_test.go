package tradingbot_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/tradingbot"
)

// The drawdown kill switch halts the bot: state halted with the reason, an
// audit row of the service itself (source tradingbot), an urgent
// notification, the position flattened at the next open and every later
// entry refused — while the runner keeps deciding its bars. Starting it
// again (audited) clears the switch.
func TestKillSwitchHaltsAndNotifies(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(`{"name": "fragile", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL"],
		"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10, "risk": {"max_drawdown_pct": 0.3, "flatten_on_halt": true}}`)
	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(e.ctx))
	var haltedAt time.Time
	for i := 0; i < 300 && haltedAt.IsZero(); i++ {
		e.tick(r, time.Minute)
		if got := e.bot(b.ID); got.State == tradingbot.StateHalted {
			haltedAt = got.LastBarTime.UTC()
		}
	}
	require.False(t, haltedAt.IsZero(), "the drawdown limit trips within 300 bars")
	for range 30 {
		e.tick(r, time.Minute)
	}
	got := e.bot(b.ID)
	require.Equal(t, tradingbot.StateHalted, got.State)
	require.Contains(t, got.StateReason, "kill switch: max_drawdown_pct 0.3")
	require.Equal(t, haltedAt.Add(30*time.Minute), got.LastBarTime.UTC(), "a halted bot is still decided on every bar")
	require.EqualValues(t, 1, r.Stats().Halts)

	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.halt' AND source = 'tradingbot'
		AND entity_id::bigint = $1 AND owner_user_id = $2 AND actor_user_id IS NULL AND details->>'reason' LIKE 'kill switch: %'`,
		b.ID, e.user))
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM river_job WHERE kind = 'notification'
		AND args->>'priority' = 'urgent' AND (args->>'user_id')::bigint = $1 AND args->>'message' LIKE '%kill switch%'`, e.user))
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND reason = 'kill_switch'
		AND side = 'sell' AND bar_time = $2`, b.ID, haltedAt.Add(time.Minute)), "flattened at the next open")
	require.Zero(t, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND side = 'buy' AND bar_time > $2`,
		b.ID, haltedAt))
	require.Zero(t, count(t, e.pool, `SELECT count(*) FROM bot_positions WHERE bot_id = $1`, b.ID))
	refused := count(t, e.pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1 AND status = 'refused'
		AND refusal LIKE 'kill switch: max_drawdown_pct 0.3 reached%'`, b.ID)

	var started bool
	require.NoError(t, pgx.BeginFunc(e.ctx, e.pool, func(tx pgx.Tx) error {
		s, err := e.svc.Start(e.ctx, tx, e.actor(), b.ID)
		started = s.State == tradingbot.StateRunning
		return err
	}))
	require.True(t, started)
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.start' AND source = 'cli'
		AND actor_user_id = $1 AND details->>'from' = 'halted'`, e.user))
	for range 60 {
		e.tick(r, time.Minute)
	}
	after := count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND side = 'buy' AND bar_time > $2`, b.ID, haltedAt)
	require.Positive(t, refused, "the strategy's entries while halted were refused, with the reason")
	require.Positive(t, after, "after the restart it enters again")
	require.NotEqual(t, tradingbot.StateStopped, e.bot(b.ID).State)
}
