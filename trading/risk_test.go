package trading

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRiskGuards(t *testing.T) {
	t.Parallel()
	buy := Order{Symbol: "X", Side: Buy, Type: Market, AllCash: true}
	cases := []struct {
		name   string
		risk   RiskSettings
		bars   [][4]float64 // open high low close, from bar 0; the buy is placed on bar 0's close and fills at bar 1's open
		cash   string       // cash after the last bar
		reason string       // a refusal containing this, or ""
		event  EventKind    // an event seen on some bar, or ""
	}{
		// Buy 10 at 100 on bar 1; stop 5% = 95; bar 2 low 94 → exit at min(95, open 99) = 95: cash 950.
		{"stoploss_pct", RiskSettings{StoplossPct: 5}, [][4]float64{{100, 100, 100, 100}, {100, 100, 100, 100}, {99, 99, 94, 96}},
			"950", "", EventStopHit},
		// Gap below the stop: open 90 → exit at min(95, 90) = 90: cash 900.
		{"stoploss gap", RiskSettings{StoplossPct: 5}, [][4]float64{{100, 100, 100, 100}, {100, 100, 100, 100}, {90, 91, 89, 90}},
			"900", "", EventStopHit},
		// Take profit 10% = 110; bar 2 high 112, open 101 → sell at max(110, 101) = 110: cash 1100.
		{"take_profit_pct", RiskSettings{TakeProfitPct: 10}, [][4]float64{{100, 100, 100, 100}, {100, 100, 100, 100}, {101, 112, 100, 111}},
			"1100", "", ""},
		// Trailing 10%: entry bar 1 (high water 100); bar 2 high 120 → high water 120 after bar 2;
		// bar 3 low 107 ≤ 120 × 0.9 = 108 → exit at min(108, open 115) = 108: cash 1080.
		{"trailing_stop_pct", RiskSettings{TrailingStopPct: 10}, [][4]float64{{100, 100, 100, 100}, {100, 100, 100, 100}, {100, 120, 100, 118}, {115, 115, 107, 110}},
			"1080", "", EventStopHit},
		// 50% of equity 1000 = 500 notional at 100 → 5 units, cash 500.
		{"max_position_pct caps the buy", RiskSettings{MaxPositionPct: 50}, [][4]float64{{100, 100, 100, 100}, {100, 100, 100, 100}, {100, 100, 100, 100}},
			"500", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, Config{Risk: tc.risk}, &script{At: map[int][]Order{1: {buy}}})
			var seen []EventKind
			for i, b := range tc.bars {
				for _, ev := range e.Step("X", bar(i, b[0], b[1], b[2], b[3])) {
					seen = append(seen, ev.Kind)
				}
			}
			require.Equal(t, tc.cash, e.Cash().String())
			if tc.event != "" {
				require.Contains(t, seen, tc.event)
			}
		})
	}
}

func TestKillSwitches(t *testing.T) {
	t.Parallel()
	t.Run("max_drawdown_pct halts entries and flattens", func(t *testing.T) {
		t.Parallel()
		// Bar 1 buys 10 at 100 (bar 2's open). Bar 2 closes 80: equity 800, 20% below the 1000 peak ≥ 15%:
		// halted, a flattening sell fills at bar 3's open 80 → cash 800; the buy of bar 3 is refused.
		buy := Order{Symbol: "X", Side: Buy, Type: Market, AllCash: true}
		e := newEngine(t, Config{Risk: RiskSettings{MaxDrawdownPct: 15, FlattenOnHalt: true}}, &script{At: map[int][]Order{1: {buy}, 4: {buy}}})
		e.Step("X", bar(0, 100, 100, 100, 100))
		e.Step("X", bar(1, 100, 100, 80, 80))
		e.Step("X", bar(2, 80, 80, 80, 80))
		e.Step("X", bar(3, 80, 80, 80, 80))
		require.Equal(t, "800", e.Cash().String())
		require.True(t, e.Position("X").Quantity.IsZero())
		require.Contains(t, e.Refusals()[len(e.Refusals())-1].Reason, "max_drawdown_pct")
		st, err := e.State()
		require.NoError(t, err)
		require.True(t, st.Halted)
	})
	t.Run("max_daily_loss_pct halts until the next day", func(t *testing.T) {
		t.Parallel()
		// Hourly bars on one day: buy 10 at 100; close 94 → equity 940, 6% below the day's start 1000 ≥ 5%.
		buy := Order{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("1")}
		e := newEngine(t, Config{Risk: RiskSettings{MaxDailyLossPct: 5}},
			&script{At: map[int][]Order{1: {{Symbol: "X", Side: Buy, Type: Market, AllCash: true}}, 3: {buy}, 4: {buy}}})
		h := func(i int, c float64) {
			b := bar(0, c, c, c, c)
			b.Time = day(0).Add(timeHours(i))
			e.Step("X", b)
		}
		h(0, 100)
		h(1, 100)
		h(2, 94) // the kill switch trips here; bar 3's buy is refused
		require.Contains(t, e.Refusals()[0].Reason, "max_daily_loss_pct")
		next := bar(1, 94, 94, 94, 94) // the next UTC day: entries allowed again
		e.Step("X", next)
		require.Len(t, e.Refusals(), 1)
		require.Len(t, e.OpenOrders(), 1)
	})
	t.Run("max_open_positions", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t, Config{Risk: RiskSettings{MaxOpenPositions: 1}}, &script{At: map[int][]Order{
			1: {{Symbol: "X", Side: Buy, Type: Market, Notional: dec("100")}},
			3: {{Symbol: "Y", Side: Buy, Type: Market, Notional: dec("100")}},
		}})
		e.Step("X", bar(0, 10, 10, 10, 10))
		e.Step("X", bar(1, 10, 10, 10, 10))
		e.Step("Y", bar(1, 10, 10, 10, 10))
		require.Contains(t, e.Refusals()[0].Reason, "max_open_positions 1")
	})
	t.Run("cooldown_bars after a loss", func(t *testing.T) {
		t.Parallel()
		// Buy 10 at 100 (bar 1), sell at 90 (bar 2, a loss); cooldown 2 bars: buys on bars 3 and 4 are refused, bar 5's passes.
		buy := Order{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("1")}
		e := newEngine(t, Config{Risk: RiskSettings{CooldownBars: 2}}, &script{At: map[int][]Order{
			1: {{Symbol: "X", Side: Buy, Type: Market, AllCash: true}},
			2: {{Symbol: "X", Side: Sell, Type: Market, Close: true}},
			3: {buy}, 4: {buy}, 5: {buy},
		}})
		e.Step("X", bar(0, 100, 100, 100, 100))
		e.Step("X", bar(1, 100, 100, 100, 100))
		e.Step("X", bar(2, 90, 90, 90, 90))
		e.Step("X", bar(3, 90, 90, 90, 90))
		e.Step("X", bar(4, 90, 90, 90, 90))
		require.Len(t, e.Refusals(), 2)
		require.Contains(t, e.Refusals()[0].Reason, "cooldown_bars 2")
		require.Len(t, e.OpenOrders(), 1, "bar 5's buy is placed")
	})
}
