package trading

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBrokerFillsSizesAndBooksBrokerFills(t *testing.T) {
	t.Parallel()
	// 1000 cash, taker 10 bps; an all-cash buy placed on bar 1 (close 100).
	s := &script{At: map[int][]Order{1: {{Symbol: "X", Side: Buy, Type: Market, AllCash: true, Reason: "signal"}}}}
	e := newEngine(t, Config{TakerFeeBps: 10, BrokerFills: true, Risk: RiskSettings{StoplossPct: 10}}, s)
	e.Step("X", bar(1, 100, 101, 99, 100))
	// Sized at the close: 1000 / (100 × 1.001) = 9.99 → 9 units, ref price 100.
	orders := e.OpenOrders()
	require.Len(t, orders, 1)
	require.Equal(t, "9", orders[0].Quantity.String())
	require.Equal(t, "100", orders[0].RefPrice.String())

	// Step fills nothing itself: bar 2 opens at 90, the order still rests.
	e.Step("X", bar(2, 90, 95, 85, 92))
	require.Len(t, e.OpenOrders(), 1)
	require.True(t, e.Position("X").Quantity.IsZero())

	// The broker fills 4 at 101, then 5 at 102: booked exactly, taker fee each.
	ev, err := e.ApplyFill(orders[0].ID, dec("4"), dec("101"), day(2))
	require.NoError(t, err)
	require.Len(t, ev, 1)
	require.Equal(t, EventOrderFilled, ev[0].Kind)
	// fee 4 × 101 × 0.001 = 0.404; cash 1000 − 404 − 0.404 = 595.596.
	require.Equal(t, "0.404", ev[0].Fill.Fee.String())
	require.Equal(t, "595.596", e.Cash().String())
	require.Equal(t, "5", e.OpenOrders()[0].Quantity.String())
	_, err = e.ApplyFill(orders[0].ID, dec("5"), dec("102"), day(2))
	require.NoError(t, err)
	// fee 5 × 102 × 0.001 = 0.51; cash 595.596 − 510 − 0.51 = 85.086.
	require.Equal(t, "85.086", e.Cash().String())
	p := e.Position("X")
	require.Equal(t, "9", p.Quantity.String())
	// avg (4 × 101 + 5 × 102) / 9 = 914 / 9 = 101.5555…
	require.Equal(t, "101.56", p.AvgCost.StringFixed(2))
	_, ok := e.FinishOrder(orders[0].ID)
	require.True(t, ok)
	require.Empty(t, e.OpenOrders())

	// Fills booked after bar 2's Step happened during bar 3, so bar 3 is
	// the entry bar: its low 90 does not trigger the stop.
	e.Step("X", bar(3, 100, 100, 90, 95))
	require.Empty(t, e.OpenOrders())
	// Bar 4's low 90 ≤ the stop 101.5555 × 0.9 = 91.4: a market close
	// order at the close, not an instant fill; not placed twice on bar 5.
	ev = e.Step("X", bar(4, 95, 95, 90, 93))
	require.Equal(t, "9", e.Position("X").Quantity.String())
	require.Len(t, e.OpenOrders(), 1)
	exit := e.OpenOrders()[0]
	require.True(t, exit.Close)
	require.Equal(t, Sell, exit.Side)
	require.Equal(t, "stop_loss", exit.Reason)
	require.Equal(t, "9", exit.Quantity.String())
	require.Contains(t, kinds(ev), EventStopHit)
	e.Step("X", bar(5, 93, 93, 80, 85))
	require.Len(t, e.OpenOrders(), 1)

	// The broker sells 9 at 84: the position closes with its P&L:
	// (84 − 101.5555…) × 9 = −158; fees 0.404 + 0.51 + 9 × 84 × 0.001 (0.756) = 1.67; pnl −159.67.
	ev, err = e.ApplyFill(exit.ID, dec("9"), dec("84"), day(6))
	require.NoError(t, err)
	require.Contains(t, kinds(ev), EventPositionClosed)
	require.True(t, e.Position("X").Quantity.IsZero())
	require.Equal(t, "-159.67", e.Trades()[0].PnL.StringFixed(2))
	// cash 85.086 + 756 − 0.756 = 840.33
	require.Equal(t, "840.33", e.Cash().String())
}

func TestBrokerFillsReservesCashOfOpenBuysAndRefusesShorts(t *testing.T) {
	t.Parallel()
	// Two all-cash buys on one bar: the second gets what the first did not promise.
	s := &script{At: map[int][]Order{1: {
		{Symbol: "X", Side: Buy, Type: Market, Notional: dec("600")},
		{Symbol: "X", Side: Buy, Type: Market, AllCash: true},
		{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("1")},
	}}}
	e := newEngine(t, Config{BrokerFills: true}, s)
	e.Step("X", bar(1, 100, 101, 99, 100))
	o := e.OpenOrders()
	require.Len(t, o, 2)
	require.Equal(t, "6", o[0].Quantity.String()) // 600 / 100
	require.Equal(t, "4", o[1].Quantity.String()) // (1000 − 600) / 100
	// The sell of nothing held is refused.
	require.Len(t, e.Refusals(), 1)
	require.Contains(t, e.Refusals()[0].Reason, "no position to sell")

	_, err := NewEngine(Config{Cash: dec("1000"), Timeframe: "1d", BrokerFills: true, AllowShort: true}, s)
	require.ErrorContains(t, err, "short selling is not supported")
	_, err = newEngine(t, Config{}, s).ApplyFill(1, dec("1"), dec("1"), day(1))
	require.ErrorContains(t, err, "not broker-filled")
}

func kinds(ev []Event) []EventKind {
	var out []EventKind
	for _, e := range ev {
		out = append(out, e.Kind)
	}
	return out
}

func TestBrokerFillsFlattenOrdersCarryTheirQuantity(t *testing.T) {
	t.Parallel()
	// 1000 cash, 10 units bought at 100 (booked from the broker); the bar
	// closing at 80 is a 20% drawdown ≥ max_drawdown_pct 15: flatten.
	s := &script{At: map[int][]Order{1: {{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("10")}}}}
	e := newEngine(t, Config{BrokerFills: true, Risk: RiskSettings{MaxDrawdownPct: 15, FlattenOnHalt: true}}, s)
	e.Step("X", bar(1, 100, 100, 100, 100))
	_, err := e.ApplyFill(e.OpenOrders()[0].ID, dec("10"), dec("100"), day(2))
	require.NoError(t, err)
	e.FinishOrder(e.OpenOrders()[0].ID)
	ev := e.Step("X", bar(2, 100, 100, 80, 80))
	require.Contains(t, kinds(ev), EventKillSwitch)
	o := e.OpenOrders()
	require.Len(t, o, 1)
	require.Equal(t, "kill_switch", o[0].Reason)
	require.Equal(t, "10", o[0].Quantity.String(), "the whole position, for the broker")
	require.True(t, e.Position("X").Quantity.Equal(dec("10")), "not filled by the engine")
}
