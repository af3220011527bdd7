package trading

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

// wave is n minute bars of a deterministic oscillating price with wicks,
// enough for sma_cross 3/8 to trade many times.
func wave(n int, start time.Time) bars.Series {
	s := make(bars.Series, n)
	prev := 100.0
	for i := range s {
		c := 100 + 8*math.Sin(float64(i)/6) + 3*math.Sin(float64(i)/1.7)
		s[i] = bars.Bar{Time: start.Add(time.Duration(i) * time.Minute), Open: prev, High: max(prev, c) + 0.5,
			Low: min(prev, c) - 0.5, Close: c, Volume: 10}
		prev = c
	}
	return s
}

func smaEngine(t *testing.T, risk RiskSettings) *Engine {
	t.Helper()
	return newEngine(t, Config{Cash: dec("10000"), Timeframe: bars.M1, TakerFeeBps: 10, SlippageBps: 5, Risk: risk},
		&SMACross{Fast: 3, Slow: 8})
}

// A live runner stores a compacted state after every bar and restores the
// engine from it for the next: the decisions (cash, fees, realised P&L,
// positions, open orders) must equal those of one engine that kept
// everything, including the cooldown after losing trades and the stop loss.
func TestCompactedRestoreDecidesAsOneEngine(t *testing.T) {
	series := wave(400, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	risk := RiskSettings{StoplossPct: 2, CooldownBars: 3}
	whole := smaEngine(t, risk)
	live := smaEngine(t, risk)
	for _, b := range series {
		whole.Step("X", b)
		live.Step("X", b)
		st, err := live.State()
		require.NoError(t, err)
		st.Compact()
		require.LessOrEqual(t, len(st.Trades), 1, "only the open trade is kept")
		require.Empty(t, st.Refusals)
		live, err = RestoreEngine(live.cfg, &SMACross{Fast: 3, Slow: 8}, st)
		require.NoError(t, err)
	}
	require.Greater(t, len(whole.Trades()), 10, "the wave trades often")
	require.True(t, whole.Cash().Equal(live.Cash()), "cash %s vs %s", whole.Cash(), live.Cash())
	require.True(t, whole.FeesPaid().Equal(live.FeesPaid()))
	require.True(t, whole.Realised().Equal(live.Realised()))
	require.Equal(t, whole.Position("X").Quantity.String(), live.Position("X").Quantity.String())
	require.Equal(t, whole.OpenOrders(), live.OpenOrders())
	require.Equal(t, whole.Equity(), live.Equity())
}

// WarmUp feeds the strategy without trading: the account, the bar count and
// the orders stay as they were, and the strategy's state is the one Step
// would have built from the same closes.
func TestWarmUpTradesNothing(t *testing.T) {
	series := wave(60, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	warm := smaEngine(t, RiskSettings{})
	warm.WarmUp("X", series[:40])
	require.True(t, warm.Cash().Equal(dec("10000")))
	require.Zero(t, warm.st.Bars)
	require.Empty(t, warm.OpenOrders())
	require.Empty(t, warm.Trades())
	require.Equal(t, 9, WarmupBars(&SMACross{Fast: 3, Slow: 8}))
	require.Equal(t, 141, WarmupBars(&RSIReversion{Period: 14}))
	require.Zero(t, WarmupBars(&AlertSignals{}))

	stepped := smaEngine(t, RiskSettings{})
	for _, b := range series[:40] {
		stepped.Step("X", b)
	}
	ws, err := warm.State()
	require.NoError(t, err)
	ss, err := stepped.State()
	require.NoError(t, err)
	require.JSONEq(t, string(ss.Strategy), string(ws.Strategy), "the SMAs are the same however the closes came")
}
