package tradingbot_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/trading"
	"github.com/vigilhq/vigil/tradingbot"
)

// shortDef is sma_cross with allow_short: it reverses on every cross.
const shortDef = `{"name": "reverser", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8, "allow_short": true},
	"symbols": ["AAPL"], "timeframe": "1m", "cash": 10000, "taker_fee_bps": 10}`

// A live bot with allow_short stores its short as a negative quantity (in
// bot_positions and its engine state), and a runner that takes it over
// after the first one died restores the short and decides on as a run that
// was never interrupted: the same orders, fills, position and cash.
func TestShortPositionSurvivesRestart(t *testing.T) {
	t.Parallel()
	ref := setup(t)
	refBot := ref.create(shortDef)
	rr := ref.runner("ref", tradingbot.Options{})
	require.NoError(t, rr.Tick(ref.ctx))
	for range 120 {
		ref.tick(rr, time.Minute)
	}

	e := setup(t)
	b := e.create(shortDef)
	a := e.runner("a", tradingbot.Options{})
	require.NoError(t, a.Tick(e.ctx))
	q := dbsqlc.New()
	ticks := 0
	for ; ticks < 120; ticks++ {
		pos, err := q.BotPositionList(e.ctx, e.pool, b.ID)
		require.NoError(t, err)
		if len(pos) == 1 && pos[0].Quantity.IsNegative() {
			break
		}
		e.tick(a, time.Minute)
	}
	require.Less(t, ticks, 120, "the bot went short")
	pos, err := q.BotPositionList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.True(t, pos[0].Quantity.IsNegative(), "bot_positions.quantity %s", pos[0].Quantity)
	held := e.bot(b.ID)
	var st trading.State
	require.NoError(t, json.Unmarshal(held.EngineState, &st))
	require.True(t, st.Positions["AAPL"].Quantity.Equal(pos[0].Quantity), "the engine state holds the same short")
	// The equity snapshot values the short negatively: equity = cash + quantity × last close < cash.
	eq, err := q.BotEquityList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	last := eq[len(eq)-1]
	require.True(t, last.PositionsValue.IsNegative(), "positions_value %s", last.PositionsValue)
	require.True(t, last.Equity.Equal(last.Cash.Add(pos[0].Quantity.Mul(pos[0].LastClose))), "equity %s", last.Equity)

	// The process dies: its lease expires and another runner takes over.
	_, err = e.pool.Exec(e.ctx, `UPDATE trading_bots SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, b.ID)
	require.NoError(t, err)
	after := e.runner("b", tradingbot.Options{})
	require.NoError(t, after.Tick(e.ctx))
	restored, err := q.BotPositionList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	// Within the same bar the new runner decides nothing: the short is as stored.
	require.Equal(t, held.LastBarTime.UTC(), e.bot(b.ID).LastBarTime.UTC())
	require.Len(t, restored, 1)
	require.True(t, restored[0].Quantity.Equal(pos[0].Quantity))
	for range 120 - ticks {
		e.tick(after, time.Minute)
	}

	want, got := ref.bot(refBot.ID), e.bot(b.ID)
	require.Equal(t, want.LastBarTime.UTC(), got.LastBarTime.UTC())
	require.Equal(t, want.BarsDecided, got.BarsDecided)
	require.True(t, want.Cash.Equal(got.Cash), "cash %s vs %s", want.Cash, got.Cash)
	wp, err := q.BotPositionList(ref.ctx, ref.pool, refBot.ID)
	require.NoError(t, err)
	gp, err := q.BotPositionList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Equal(t, len(wp), len(gp))
	for i := range wp {
		require.True(t, wp[i].Quantity.Equal(gp[i].Quantity), "position %s vs %s", wp[i].Quantity, gp[i].Quantity)
		require.True(t, wp[i].AvgCost.Equal(gp[i].AvgCost))
	}
	fills := func(env *env, id int64) []string {
		rows, err := env.pool.Query(env.ctx, `SELECT side || ' ' || quantity::text || ' @ ' || price::text || ' ' || coalesce(trade_pnl::text, '-')
			FROM bot_fills WHERE bot_id = $1 ORDER BY bar_time, id`, id)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out = append(out, s)
		}
		require.NoError(t, rows.Err())
		return out
	}
	require.Equal(t, fills(ref, refBot.ID), fills(e, b.ID), "the same fills, no order twice")
	require.Equal(t, count(t, ref.pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1`, refBot.ID),
		count(t, e.pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1`, b.ID))
	// Covers are buys that close a short: their fill carries the round trip's P&L.
	require.Positive(t, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND side = 'buy' AND trade_pnl IS NOT NULL`, b.ID),
		"a short was covered, with its P&L")
}
