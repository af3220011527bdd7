package tradingbot_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/trading"
	"github.com/vigilhq/vigil/tradingbot"
)

const smaDef = `{"name": "sma", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL"],
	"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10, "slippage_bps": 5, "risk": {"stoploss_pct": 0.1, "cooldown_bars": 3}}`

// A bot run bar by bar on synthetic 1m bars writes the orders, fills,
// positions, cash and equity curve of trading.Backtest over the same bars
// (the same engine, after the same warm-up on the bars before its start).
func TestBotTradesLikeBacktest(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(smaDef)
	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(e.ctx)) // the first decision: the bar 09:59 closed at 10:00
	const n = 150
	for range n {
		e.tick(r, time.Minute)
	}
	first := time.Date(2026, 3, 2, 9, 59, 0, 0, time.UTC)
	last := first.Add(n * time.Minute)
	got := e.bot(b.ID)
	require.Equal(t, tradingbot.StateRunning, got.State)
	require.Equal(t, last, got.LastBarTime.UTC())
	require.EqualValues(t, n+1, got.BarsDecided)
	require.Zero(t, got.BarsSkipped)
	require.Equal(t, []string{"AAPL"}, got.WarmedSymbols)

	// The same engine over the same bars: warm-up on the 9 bars before the
	// first decision (sma_cross slow 8 + 1), then a backtest.
	eng, _ := engineFor(t, smaDef)
	eng.WarmUp("AAPL", e.closed("AAPL", first.Add(-9*time.Minute), first.Add(-time.Minute)))
	live := e.closed("AAPL", first, last)
	require.Len(t, live, n+1)
	res := trading.Backtest(eng, "AAPL", live, trading.BacktestOptions{Curve: true})
	require.GreaterOrEqual(t, len(res.Trades), 3, "the bars must trade for the comparison to mean something")

	q := dbsqlc.New()
	eq, err := q.BotEquityList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	require.Len(t, eq, n+1)
	for i, s := range eq {
		require.Equal(t, live[i].Time, s.BarTime.UTC())
		require.InDelta(t, res.Equity[i], s.Equity.InexactFloat64(), 1e-6, "equity at %s", s.BarTime)
	}
	require.True(t, eng.Cash().Equal(got.Cash), "cash: backtest %s, bot %s", eng.Cash(), got.Cash)
	require.True(t, eng.Cash().Equal(eq[n].Cash))

	// Every round trip is a buy fill and a sell fill at the backtest's prices.
	fills, err := q.BotFillList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	var i int
	for _, tr := range eng.Trades() {
		require.Less(t, i, len(fills))
		buy := fills[i]
		require.Equal(t, "buy", buy.Side)
		require.Equal(t, tr.EntryTime, buy.BarTime.UTC())
		require.True(t, tr.EntryPrice.Equal(buy.Price), "entry %s vs %s", tr.EntryPrice, buy.Price)
		require.True(t, tr.Quantity.Equal(buy.Quantity))
		i++
		if tr.ExitPrice == nil {
			continue
		}
		sell := fills[i]
		require.Equal(t, "sell", sell.Side)
		require.Equal(t, *tr.ExitTime, sell.BarTime.UTC())
		require.True(t, tr.ExitPrice.Equal(sell.Price), "exit %s vs %s", tr.ExitPrice, sell.Price)
		require.True(t, sell.TradePnl.Valid)
		require.True(t, tr.PnL.Equal(sell.TradePnl.Decimal), "trade P&L %s vs %s", tr.PnL, sell.TradePnl.Decimal)
		require.True(t, tr.Fees.Equal(buy.Fee.Add(sell.Fee)))
		i++
	}
	require.Len(t, fills, i, "no fill beyond the backtest's")
	reasons := map[string]int{}
	for _, f := range fills {
		reasons[f.Reason]++
	}
	require.Positive(t, reasons["stop_loss"], "a stop loss exits at once (an order placed and filled in one decision): %v", reasons)
	require.Positive(t, reasons["sma_cross_below"], "%v", reasons)

	// Orders: one row per fill (filled) plus the open ones, each once.
	orders, err := q.BotOrderList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	byStatus := map[string]int{}
	for _, o := range orders {
		byStatus[o.Status]++
	}
	require.Equal(t, len(fills), byStatus["filled"])
	require.Equal(t, len(eng.OpenOrders()), byStatus["open"])
	require.Equal(t, len(eng.Refusals()), byStatus["refused"])
	require.Positive(t, byStatus["refused"], "the cooldown after a losing trade refuses entries, recorded with the reason")
	require.Equal(t, byStatus["refused"], count(t, e.pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1 AND status = 'refused'
		AND engine_order_id IS NULL AND refusal LIKE 'cooldown_bars 3: %'`, b.ID))
	require.Equal(t, len(orders), count(t, e.pool, "SELECT count(DISTINCT idempotency_key) FROM bot_orders WHERE bot_id = $1", b.ID))

	pos, err := q.BotPositionList(e.ctx, e.pool, b.ID)
	require.NoError(t, err)
	if p := eng.Position("AAPL"); p.Quantity.IsPositive() {
		require.Len(t, pos, 1)
		require.True(t, p.Quantity.Equal(pos[0].Quantity))
		require.True(t, p.AvgCost.Equal(pos[0].AvgCost))
	} else {
		require.Empty(t, pos)
	}

	// Fills and closes were notified (type trade), in the decisions' transactions.
	require.Positive(t, count(t, e.pool, `SELECT count(*) FROM river_job WHERE kind = 'notification'
		AND args->>'notification_type' = 'trade' AND args->>'message' LIKE 'Trading bot sma, bar %bought%'`))
}
