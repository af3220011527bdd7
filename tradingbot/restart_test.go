package tradingbot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingbot"
)

const twoSymbolDef = `{"name": "pair", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL", "MSFT"],
	"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10, "risk": {"max_position_pct": 50}}`

// After downtime longer than a bar, the missed bars are recorded as skipped
// (per symbol, with the reason) and shown to the strategy without trading:
// no order is placed or filled on them, and the bot resumes on the newest
// closed bar, exactly as an engine that warmed up on the missed bars.
func TestDowntimeSkipsMissedBars(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(twoSymbolDef)
	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(e.ctx))
	for range 30 {
		e.tick(r, time.Minute)
	}
	// The last bar decided is 10:29. Down for 6 minutes: the bars 10:30 to
	// 10:35 close unseen; 10:36 is the next one decided.
	e.clock.Add(6 * time.Minute)
	e.tick(r, time.Minute)
	for range 20 {
		e.tick(r, time.Minute)
	}
	got := e.bot(b.ID)
	require.EqualValues(t, 12, got.BarsSkipped, "6 bars of each of 2 symbols")
	skipped, err := dbsqlc.New().BotSkippedList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Len(t, skipped, 2)
	missedFrom := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	missedTo := missedFrom.Add(5 * time.Minute)
	for i, sym := range []string{"AAPL", "MSFT"} {
		require.Equal(t, sym, skipped[i].Symbol)
		require.Equal(t, missedFrom, skipped[i].FirstBar.UTC())
		require.Equal(t, missedTo, skipped[i].LastBar.UTC())
		require.EqualValues(t, 6, skipped[i].Bars)
		require.Contains(t, skipped[i].Reason, "downtime")
	}
	require.Zero(t, count(t, e.pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1 AND bar_time BETWEEN $2 AND $3`,
		b.ID, missedFrom, missedTo), "no decision on a missed bar")
	require.Zero(t, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND bar_time BETWEEN $2 AND $3`,
		b.ID, missedFrom, missedTo), "nothing filled on a missed bar")
	require.Zero(t, count(t, e.pool, `SELECT count(*) FROM bot_equity_snapshots WHERE bot_id = $1 AND bar_time BETWEEN $2 AND $3`,
		b.ID, missedFrom, missedTo))

	// The same engine: warm-up, 31 bars stepped, 6 warmed up, 21 stepped.
	first := time.Date(2026, 3, 2, 9, 59, 0, 0, time.UTC)
	lastBar := first.Add(57 * time.Minute)
	eng, _ := engineFor(t, twoSymbolDef)
	aapl := e.closed("AAPL", first.Add(-9*time.Minute), lastBar)
	msft := e.closed("MSFT", first.Add(-9*time.Minute), lastBar)
	eng.WarmUp("AAPL", aapl[:9])
	eng.WarmUp("MSFT", msft[:9])
	for i := 9; i < len(aapl); i++ {
		if at := aapl[i].Time; !at.Before(missedFrom) && !at.After(missedTo) {
			eng.WarmUp("AAPL", aapl[i:i+1])
			eng.WarmUp("MSFT", msft[i:i+1])
			continue
		}
		eng.Step("AAPL", aapl[i])
		eng.Step("MSFT", msft[i])
	}
	require.Equal(t, lastBar, got.LastBarTime.UTC())
	require.True(t, eng.Cash().Equal(got.Cash), "cash: engine %s, bot %s", eng.Cash(), got.Cash)
	eq, err := dbsqlc.New().BotEquityList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.InDelta(t, eng.Equity(), eq[len(eq)-1].Equity.InexactFloat64(), 1e-6)
	require.Positive(t, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1`, b.ID), "the pair traded")
}

// A decision that dies before its commit (the process killed mid-decision)
// leaves nothing behind; the runner that takes over decides that bar again
// with the same idempotency keys, and the bot ends with the orders, fills,
// positions and cash of a run that was never interrupted.
func TestCrashMidDecisionResumesExactly(t *testing.T) {
	t.Parallel()
	ref := setup(t)
	refBot := ref.create(smaDef)
	rr := ref.runner("ref", tradingbot.Options{})
	require.NoError(t, rr.Tick(ref.ctx))
	for range 90 {
		ref.tick(rr, time.Minute)
	}

	e := setup(t)
	b := e.create(smaDef)
	crashAt := map[time.Time]bool{}
	// Crash on three bars that fill or place orders, found from the reference run.
	rows, err := ref.pool.Query(ref.ctx, `SELECT DISTINCT bar_time FROM bot_orders WHERE bot_id = $1 ORDER BY bar_time LIMIT 3`, refBot.ID)
	require.NoError(t, err)
	for rows.Next() {
		var at time.Time
		require.NoError(t, rows.Scan(&at))
		crashAt[at.UTC()] = true
	}
	require.NoError(t, rows.Err())
	require.Len(t, crashAt, 3)
	errCrash := errors.New("killed mid-decision")
	crashing := func(_ context.Context, _ int64, bar time.Time) error {
		if crashAt[bar] {
			return errCrash
		}
		return nil
	}
	a := e.runner("a", tradingbot.Options{BeforeCommit: crashing})
	step := func() {
		err := a.Tick(e.ctx)
		if err == nil {
			return
		}
		require.ErrorIs(t, err, errCrash)
		delete(crashAt, e.bot(b.ID).LastBarTime.UTC().Add(time.Minute))
		// The process is gone: its lease expires and a new runner takes
		// the bot over within the same bar.
		_, err = e.pool.Exec(e.ctx, `UPDATE trading_bots SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, b.ID)
		require.NoError(t, err)
		a = e.runner("after-crash-"+e.clock.Now().Format("1504"), tradingbot.Options{BeforeCommit: crashing})
		require.NoError(t, a.Tick(e.ctx))
	}
	step()
	for range 90 {
		e.clock.Add(time.Minute)
		step()
	}
	require.Empty(t, crashAt, "every planned crash happened")

	want, got := ref.bot(refBot.ID), e.bot(b.ID)
	require.True(t, want.Cash.Equal(got.Cash), "cash %s vs %s", want.Cash, got.Cash)
	require.Equal(t, want.BarsDecided, got.BarsDecided)
	q := dbsqlc.New()
	wo, err := q.BotOrderList(ref.ctx, ref.pool, refBot.ID)
	require.NoError(t, err)
	gotOrders, err := q.BotOrderList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Equal(t, len(wo), len(gotOrders), "no order twice, none lost")
	for i := range wo {
		_, wk, _ := strings.Cut(wo[i].IdempotencyKey, ":")
		_, gk, _ := strings.Cut(gotOrders[i].IdempotencyKey, ":")
		require.Equal(t, wk, gk, "the same bar and signal index")
		require.Equal(t, wo[i].Status, gotOrders[i].Status)
		require.Equal(t, wo[i].Side, gotOrders[i].Side)
	}
	wp, err := q.BotPositionList(ref.ctx, ref.pool, refBot.ID)
	require.NoError(t, err)
	gp, err := q.BotPositionList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Equal(t, len(wp), len(gp))
	for i := range wp {
		require.True(t, wp[i].Quantity.Equal(gp[i].Quantity))
	}
	require.Equal(t, count(t, ref.pool, "SELECT count(*) FROM bot_fills"), count(t, e.pool, "SELECT count(*) FROM bot_fills"))
}
