package trading

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

// short is a scripted engine with allow_short and 1000 cash (2000 when the
// case says so), whose orders are placed on bar 1's close and fill from
// bar 2 on.
func shortEngine(t *testing.T, cfg Config, at map[int][]Order) *Engine {
	t.Helper()
	cfg.AllowShort = true
	return newEngine(t, cfg, &script{At: at})
}

func steps(e *Engine, ohlc ...[4]float64) []Event {
	var all []Event
	for i, b := range ohlc {
		all = append(all, e.Step("X", bar(i, b[0], b[1], b[2], b[3]))...)
	}
	return all
}

func flat(c float64) [4]float64 { return [4]float64{c, c, c, c} }

var shortSale = Order{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("10")}

func TestShortFills(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		cfg      Config
		order    Order
		next     [4]float64 // bar 2, where the order fills
		price    string     // fill price
		qty      string     // position after the fill (negative: short)
		fee      string
		cash     string
		equity   float64 // at bar 2's close
		refusal  string  // instead of a fill
		position string  // when refused: the position left
	}{
		// Next open 100 less 50 bps slippage: 100 × 0.995 = 99.5; 10 bps taker fee on 10 × 99.5 = 995: 0.995;
		// the sale credits cash: 2000 + 995 − 0.995 = 2994.005; equity at close 100: 2994.005 − 10 × 100 = 1994.005.
		{name: "short sale at next open less slippage, taker fee", cfg: Config{Cash: dec("2000"), SlippageBps: 50, TakerFeeBps: 10},
			order: shortSale, next: [4]float64{100, 101, 99, 100}, price: "99.5", qty: "-10", fee: "0.995", cash: "2994.005", equity: 1994.005},
		// all_cash sells short with the whole buying power, cash 1000 (no shorts yet): floor(1000 / (100 × 1.001)) = 9;
		// 9 × 100 = 900, fee 0.9; cash 1000 + 900 − 0.9 = 1899.1; equity at close 90: 1899.1 − 810 = 1089.1.
		{name: "all_cash short sized by buying power", cfg: Config{TakerFeeBps: 10},
			order: Order{Symbol: "X", Side: Sell, Type: Market, AllCash: true}, next: [4]float64{100, 100, 90, 90},
			price: "100", qty: "-9", fee: "0.9", cash: "1899.1", equity: 1089.1},
		// A notional short of 250 at 100: floor(2.5) = 2 units; cash 1200.
		{name: "notional short", order: Order{Symbol: "X", Side: Sell, Type: Market, Notional: dec("250")},
			next: flat(100), price: "100", qty: "-2", fee: "0", cash: "1200", equity: 1000},
		// Margin: 15 units asked at 100 with 1000 of buying power: cut to floor(1000 / 100) = 10; cash 2000.
		{name: "short cut to the buying power", order: Order{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("15")},
			next: flat(100), price: "100", qty: "-10", fee: "0", cash: "2000", equity: 1000},
		// Sell limit 105 touched (high 106, open 100): fills at the limit, maker 0: cash 1000 + 5 × 105 = 1525;
		// equity at close 104: 1525 − 520 = 1005.
		{name: "short by sell limit", order: Order{Symbol: "X", Side: Sell, Type: Limit, LimitPrice: dec("105"), Quantity: dec("5")},
			next: [4]float64{100, 106, 99, 104}, price: "105", qty: "-5", fee: "0", cash: "1525", equity: 1005},
		// Not a unit of buying power: 1000 at 2000 a unit.
		{name: "margin refusal", order: Order{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("1")},
			next: flat(2000), refusal: "insufficient margin: buying power 1000.00", position: "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := shortEngine(t, tc.cfg, map[int][]Order{1: {tc.order}})
			steps(e, flat(100), tc.next)
			p := e.Position("X")
			if tc.refusal != "" {
				require.Equal(t, tc.position, p.Quantity.String())
				require.Contains(t, e.Refusals()[len(e.Refusals())-1].Reason, tc.refusal)
				return
			}
			require.Empty(t, e.Refusals())
			require.Equal(t, tc.qty, p.Quantity.String())
			require.Equal(t, tc.price, p.AvgCost.String())
			require.Equal(t, tc.fee, e.FeesPaid().String())
			require.Equal(t, tc.cash, e.Cash().String())
			require.InDelta(t, tc.equity, e.Equity(), 1e-9)
			require.Len(t, e.Trades(), 1)
			require.Equal(t, p.Quantity.String(), e.Trades()[0].Quantity.String(), "a short trade's quantity is negative")
		})
	}
}

// Covers: a buy closes a short first; P&L is (entry − exit) × units − fees.
func TestShortCover(t *testing.T) {
	t.Parallel()
	t.Run("cover with a profit, fees", func(t *testing.T) {
		t.Parallel()
		// 2000 cash, 10 bps taker. Bar 2: short 10 at 100: +1000, fee 1 → cash 2999.
		// Bar 3 closes 95: unrealised (95 − 100) × −10 = 50; equity 2999 − 950 = 2049.
		// Bar 4: cover at 90: −900, fee 0.9 → cash 2098.1; realised (100 − 90) × 10 = 100;
		// the trade's pnl 100 − 1 − 0.9 = 98.1 = 2098.1 − 2000.
		e := shortEngine(t, Config{Cash: dec("2000"), TakerFeeBps: 10}, map[int][]Order{
			1: {shortSale}, 3: {{Symbol: "X", Side: Buy, Type: Market, Close: true}}})
		steps(e, flat(100), flat(100), flat(95))
		require.Equal(t, "50", e.Unrealised().String())
		require.InDelta(t, 2049, e.Equity(), 1e-9)
		ev := steps(e, flat(90))
		require.True(t, e.Position("X").Quantity.IsZero())
		require.Equal(t, "2098.1", e.Cash().String())
		require.Equal(t, "100", e.Realised().String())
		require.Equal(t, "1.9", e.FeesPaid().String())
		tr := e.Trades()[0]
		require.Equal(t, "-10", tr.Quantity.String())
		require.Equal(t, "100", tr.EntryPrice.String())
		require.Equal(t, "90", tr.ExitPrice.String())
		require.Equal(t, "98.1", tr.PnL.String())
		require.Equal(t, "1.9", tr.Fees.String())
		require.Equal(t, EventPositionClosed, ev[0].Kind, "the close is reported just before its fill")
		require.Equal(t, EventOrderFilled, ev[1].Kind)
		require.Equal(t, Buy, ev[1].Fill.Side)
	})
	t.Run("cover with a loss starts the cooldown", func(t *testing.T) {
		t.Parallel()
		// Short 10 at 100 (cash 2000), cover 10 at 110: cash 900; realised (100 − 110) × 10 = −100.
		// cooldown_bars 2: the short sale of bar 4 is refused.
		e := shortEngine(t, Config{Risk: RiskSettings{CooldownBars: 2}}, map[int][]Order{
			1: {shortSale}, 2: {{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("10")}}, 4: {shortSale}})
		steps(e, flat(100), flat(100), flat(110), flat(110))
		require.Equal(t, "900", e.Cash().String())
		require.Equal(t, "-100", e.Realised().String())
		require.Equal(t, "-100", e.Trades()[0].PnL.String())
		require.Contains(t, e.Refusals()[0].Reason, "cooldown_bars 2")
	})
	t.Run("a buy of more than the short covers it, then goes long", func(t *testing.T) {
		t.Parallel()
		// Short 10 at 100: cash 2000. Buy 15 at 80: covers 10 (−800, realised +200), then buys 5 (−400):
		// cash 800, one fill of 15; trade 1 closed with pnl 200, trade 2 long 5 at 80.
		e := shortEngine(t, Config{}, map[int][]Order{1: {shortSale}, 2: {{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("15")}}})
		ev := steps(e, flat(100), flat(100), flat(80))
		require.Equal(t, "800", e.Cash().String())
		require.Equal(t, "5", e.Position("X").Quantity.String())
		require.Equal(t, "80", e.Position("X").AvgCost.String())
		require.Len(t, e.Trades(), 2)
		require.Equal(t, "200", e.Trades()[0].PnL.String())
		require.Equal(t, "5", e.Trades()[1].Quantity.String())
		var fills []string
		for _, x := range ev {
			if x.Kind == EventOrderFilled {
				fills = append(fills, string(x.Fill.Side)+" "+x.Fill.Quantity.String())
			}
		}
		require.Equal(t, []string{"sell 10", "buy 15"}, fills)
		// Equity at close 80: 800 + 5 × 80 = 1200 = 1000 + 200.
		require.InDelta(t, 1200, e.Equity(), 1e-9)
	})
	t.Run("a sell of more than the long sells it, then shorts", func(t *testing.T) {
		t.Parallel()
		// Buy 5 at 100: cash 500. Sell 8 at 100: sells 5 (+500), shorts 3 (+300): cash 1300, position −3;
		// equity 1300 − 300 = 1000.
		e := shortEngine(t, Config{}, map[int][]Order{1: {{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("5")}},
			2: {{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("8")}}})
		steps(e, flat(100), flat(100), flat(100))
		require.Equal(t, "1300", e.Cash().String())
		require.Equal(t, "-3", e.Position("X").Quantity.String())
		require.InDelta(t, 1000, e.Equity(), 1e-9)
	})
	t.Run("averaging into a short", func(t *testing.T) {
		t.Parallel()
		// Short 5 at 100 and 5 at 110 (cash 2000 → 2500 → 3050): average (500 + 550) / 10 = 105.
		// Cover 4 at 120: realised (105 − 120) × 4 = −60; cover 6 at 90: (105 − 90) × 6 = 90 → 30.
		// Cash 3050 − 480 − 540 = 2030 = 2000 + 30.
		five := Order{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("5")}
		e := shortEngine(t, Config{Cash: dec("2000")}, map[int][]Order{1: {five}, 2: {five},
			3: {{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("4")}}, 4: {{Symbol: "X", Side: Buy, Type: Market, Close: true}}})
		steps(e, flat(100), flat(100), flat(110))
		require.Equal(t, "105", e.Position("X").AvgCost.String())
		require.Equal(t, "-10", e.Position("X").Quantity.String())
		steps(e, flat(120), flat(90))
		require.Equal(t, "30", e.Realised().String())
		require.Equal(t, "2030", e.Cash().String())
		// Exit average (480 + 540) / 10 = 102.
		require.Equal(t, "102", e.Trades()[0].ExitPrice.String())
	})
}

// The margin rule: buying power is cash less twice the short notional, and
// longs and short sales both spend it.
func TestShortMargin(t *testing.T) {
	t.Parallel()
	// Short 10 at 100 with 1000: cash 2000, short notional 1000, buying power 2000 − 2 × 1000 = 0:
	// a further short sale and a buy of another symbol are both refused.
	e := shortEngine(t, Config{}, map[int][]Order{1: {shortSale}, 2: {{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("1")}}})
	steps(e, flat(100), flat(100), flat(100))
	require.Equal(t, "-10", e.Position("X").Quantity.String())
	require.Contains(t, e.Refusals()[0].Reason, "insufficient margin: buying power 0.00 (cash less twice the short notional 1000.00)")
	_, err := e.Submit(Order{Symbol: "Y", Side: Buy, Type: Market, Quantity: dec("1")}, day(3))
	require.NoError(t, err, "placed; the buying power is checked at the fill")
	e.Step("Y", bar(3, 10, 10, 10, 10))
	require.Contains(t, e.Refusals()[1].Reason, "insufficient buying power 0.00")
	require.True(t, e.Position("Y").Quantity.IsZero())

	// The short falls to 50: short notional 500 at the fill, buying power 2000 − 1000 = 1000 → 20 more units at 50;
	// then cash 3000, short 30 × 50 = 1500, equity 1500: gross exposure = equity.
	e = shortEngine(t, Config{}, map[int][]Order{1: {shortSale}, 3: {{Symbol: "X", Side: Sell, Type: Market, AllCash: true}}})
	steps(e, flat(100), flat(100), flat(50), flat(50))
	require.Equal(t, "-30", e.Position("X").Quantity.String())
	require.Equal(t, "3000", e.Cash().String())
	require.InDelta(t, 1500, e.Equity(), 1e-9)
}

func TestShortRiskGuards(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		risk  RiskSettings
		cfg   Config
		bars  [][4]float64 // from bar 0; the short of 10 is placed on bar 0's close and fills at bar 1's open 100
		cash  string       // after the last bar (2000 once shorted)
		stop  string       // the stop_hit reason seen, or ""
		price string       // the covering fill's price
	}{
		// Stop 5% above the entry: 105. Bar 2 high 104: nothing; bar 3 high 106 ≥ 105, open 102 → max(105, 102) = 105:
		// cash 2000 − 1050 = 950.
		{"stoploss_pct above the entry", RiskSettings{StoplossPct: 5}, Config{},
			[][4]float64{flat(100), flat(100), {100, 104, 99, 103}, {102, 106, 101, 104}}, "950", "stop_loss", "105"},
		// Gap over the stop: open 108 → max(105, 108) = 108: cash 2000 − 1080 = 920.
		{"stoploss gap", RiskSettings{StoplossPct: 5}, Config{},
			[][4]float64{flat(100), flat(100), {108, 110, 107, 109}}, "920", "stop_loss", "108"},
		// With 50 bps slippage the entry is 100 × 0.995 = 99.5, the stop 99.5 × 1.05 = 104.475, hit by high 106 at open 102:
		// 104.475 × 1.005 = 104.997375; cash 1000 + 995 − 1049.97375 = 945.02625.
		{"stoploss with slippage", RiskSettings{StoplossPct: 5}, Config{SlippageBps: 50},
			[][4]float64{flat(100), flat(100), {102, 106, 101, 104}}, "945.02625", "stop_loss", "104.997375"},
		// Trailing 10% from the lowest low: entry bar 1 (low water 100); bar 2 low 80 (its check uses 100 × 1.1 = 110,
		// high 95: no); bar 3 high 89 ≥ 80 × 1.1 = 88, open 85 → max(88, 85) = 88: cash 2000 − 880 = 1120.
		{"trailing_stop_pct from the lowest low", RiskSettings{TrailingStopPct: 10}, Config{},
			[][4]float64{flat(100), flat(100), {95, 95, 80, 82}, {85, 89, 84, 86}}, "1120", "trailing_stop", "88"},
		// Take profit 10% below the entry: 90; bar 2 low 89, open 95 → min(90, 95) = 90 at maker 0: cash 2000 − 900 = 1100.
		{"take_profit_pct below the entry", RiskSettings{TakeProfitPct: 10}, Config{},
			[][4]float64{flat(100), flat(100), {95, 96, 89, 91}}, "1100", "", "90"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.Risk = tc.risk
			e := shortEngine(t, cfg, map[int][]Order{1: {shortSale}})
			var stop string
			var cover *Fill
			for _, ev := range steps(e, tc.bars...) {
				if ev.Kind == EventStopHit {
					stop = ev.Reason
				}
				if ev.Kind == EventOrderFilled && ev.Fill.Side == Buy {
					cover = ev.Fill
				}
			}
			require.Equal(t, tc.cash, e.Cash().String())
			require.Equal(t, tc.stop, stop)
			require.NotNil(t, cover)
			require.Equal(t, tc.price, cover.Price.String())
			require.True(t, e.Position("X").Quantity.IsZero())
		})
	}
	t.Run("max_position_pct caps |notional|", func(t *testing.T) {
		t.Parallel()
		// 50% of equity 1000 = 500 of short notional at 100 → 5 units; cash 1500. A second short sale finds
		// the position at 500 = the cap and is refused.
		e := shortEngine(t, Config{Risk: RiskSettings{MaxPositionPct: 50}}, map[int][]Order{
			1: {{Symbol: "X", Side: Sell, Type: Market, AllCash: true}}, 2: {shortSale}})
		steps(e, flat(100), flat(100))
		require.Equal(t, "-5", e.Position("X").Quantity.String())
		require.Equal(t, "1500", e.Cash().String())
		require.Contains(t, e.Refusals()[0].Reason, "max_position_pct 50: the position is already 500.00")
	})
	t.Run("a halted bot refuses the short entry but keeps the exit", func(t *testing.T) {
		t.Parallel()
		// Long 10 at 100, owner stops entries; a reversal (close the long, sell short) keeps only the close:
		// cash back to 1000, flat.
		e := shortEngine(t, Config{}, map[int][]Order{1: {{Symbol: "X", Side: Buy, Type: Market, AllCash: true}},
			2: {{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("20")}}})
		steps(e, flat(100))
		e.st.EntriesStopped = true
		steps(e, flat(100), flat(100))
		require.True(t, e.Position("X").Quantity.IsZero())
		require.Equal(t, "1000", e.Cash().String())
		require.Empty(t, e.Refusals(), "cut to the exit, not refused")
	})
}

func TestShortFlattenOnHalt(t *testing.T) {
	t.Parallel()
	// Short 10 at 100 (cash 2000). Bar 2 closes 120: equity 2000 − 1200 = 800, 20% below the peak 1000 ≥ 15%:
	// halted; the flattening order is a buy that covers at bar 3's open 120 → cash 800; the short sale placed
	// on that same close is refused.
	e := shortEngine(t, Config{Risk: RiskSettings{MaxDrawdownPct: 15, FlattenOnHalt: true}}, map[int][]Order{1: {shortSale}, 3: {shortSale}})
	ev := steps(e, flat(100), flat(100), [4]float64{110, 120, 110, 120})
	var kinds []EventKind
	for _, x := range ev {
		kinds = append(kinds, x.Kind)
	}
	require.Contains(t, kinds, EventKillSwitch)
	require.Len(t, e.OpenOrders(), 1)
	flatten := e.OpenOrders()[0]
	require.Equal(t, Buy, flatten.Side)
	require.True(t, flatten.Close)
	require.Equal(t, "kill_switch", flatten.Reason)
	steps(e, flat(120))
	require.True(t, e.Position("X").Quantity.IsZero())
	require.Equal(t, "800", e.Cash().String())
	require.Contains(t, e.Refusals()[0].Reason, "max_drawdown_pct")
}

// A trading action's sell never opens a short, even with allow_short; exit
// covers one.
func TestShortActions(t *testing.T) {
	t.Parallel()
	e := shortEngine(t, Config{}, nil)
	steps(e, flat(100))
	ok, err := e.SubmitAction(Action{Bot: "b", Symbol: "X", Side: "sell", SizePct: 100, Key: "a1"})
	require.NoError(t, err)
	require.True(t, ok)
	steps(e, flat(100), flat(100))
	require.True(t, e.Position("X").Quantity.IsZero(), "no short from a sell action")
	require.Contains(t, e.Refusals()[0].Reason, "no long position to sell")

	e = shortEngine(t, Config{}, map[int][]Order{1: {shortSale}})
	steps(e, flat(100), flat(100))
	_, err = e.SubmitAction(Action{Bot: "b", Symbol: "X", Side: "sell", SizePct: 50, Key: "a2"})
	require.NoError(t, err)
	steps(e, flat(100))
	require.Contains(t, e.Refusals()[0].Reason, "never adds to a short")
	require.Equal(t, "-10", e.Position("X").Quantity.String())
	_, err = e.SubmitAction(Action{Bot: "b", Symbol: "X", Side: "exit", Key: "a3"})
	require.NoError(t, err)
	steps(e, flat(100), flat(90))
	// Covered at 90: cash 2000 − 900 = 1100.
	require.True(t, e.Position("X").Quantity.IsZero())
	require.Equal(t, "1100", e.Cash().String())
}

// Without allow_short nothing shorts: a money-sized sell is not an order and
// a sell with no position is refused.
func TestNoShortWithoutAllowShort(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Config{}, &script{At: map[int][]Order{1: {{Symbol: "X", Side: Sell, Type: Market, AllCash: true}}, 2: {shortSale}}})
	steps(e, flat(100), flat(100), flat(100))
	require.True(t, e.Position("X").Quantity.IsZero())
	require.Contains(t, e.Refusals()[0].Reason, "notional and all_cash size buys only")
	require.Contains(t, e.Refusals()[1].Reason, "shorting is not allowed")
}

// A restored engine keeps the short (negative quantity, low water) and
// decides as the one that kept running.
func TestShortStateRoundTrip(t *testing.T) {
	t.Parallel()
	at := map[int][]Order{1: {shortSale}}
	cfg := Config{AllowShort: true, Cash: dec("1000"), Timeframe: bars.D1, Risk: RiskSettings{TrailingStopPct: 10}}
	whole, err := NewEngine(cfg, &script{At: at})
	require.NoError(t, err)
	series := [][4]float64{flat(100), flat(100), {95, 95, 80, 82}, {85, 89, 84, 86}}
	steps(whole, series[:3]...)
	st, err := whole.State()
	require.NoError(t, err)
	require.Equal(t, "-10", st.Positions["X"].Quantity.String())
	require.Equal(t, 80.0, st.Positions["X"].LowWater)
	restored, err := RestoreEngine(cfg, &script{At: at}, st)
	require.NoError(t, err)
	for _, e := range []*Engine{whole, restored} {
		e.Step("X", bar(3, 85, 89, 84, 86))
		require.Equal(t, "1120", e.Cash().String(), "trailing stop at 88")
	}
}

// sma_cross with allow_short reverses on every cross over
// testdata/short_cross.csv: fast 2, slow 3, 1000 cash, 10 bps (0.001) on
// every fill. By hand (diff = SMA2 − SMA3 of closes):
//
//	bar 4  close 9: SMA2 9.5, SMA3 9.667: diff < 0 after 0 → sell short at bar 5's open
//	bar 5  open 8.5: buying power 1000 → floor(1000 / (8.5 × 1.001)) = floor(117.53) = 117 units;
//	       proceeds 994.5, fee 0.9945; cash 1000 + 994.5 − 0.9945 = 1993.5055
//	bar 9  close 8: SMA2 7.5, SMA3 7: diff > 0 after −0.167 → cover, then buy, at bar 10's open
//	bar 10 open 7.5: cover 117 × 7.5 = 877.5, fee 0.8775; cash 1115.128;
//	       trade 1 (short) pnl (8.5 − 7.5) × 117 − 0.9945 − 0.8775 = 115.128, fees 1.872;
//	       buy floor(1115.128 / 7.5075) = floor(148.5) = 148: 1110, fee 1.11; cash 4.018
//	bar 13 close 8: SMA2 8.5, SMA3 9: diff < 0 after +0.167 → sell, then sell short, at bar 14's open
//	bar 14 open 7.8: sell 148 × 7.8 = 1154.4, fee 1.1544; cash 1157.2636;
//	       trade 2 (long) pnl (7.8 − 7.5) × 148 − 1.11 − 1.1544 = 42.1356, fees 2.2644;
//	       short floor(1157.2636 / 7.8078) = floor(148.2) = 148: proceeds 1154.4, fee 1.1544; cash 2310.5092
//	end    trade 3 open: −148 at 7.8, last close 6.5: pnl −1.1544 + (7.8 − 6.5) × 148 = 191.2456;
//	       final equity 2310.5092 − 148 × 6.5 = 1348.5092
func TestShortCSVBacktest(t *testing.T) {
	t.Parallel()
	series := readCSV(t, "testdata/short_cross.csv")
	e := newEngine(t, Config{MakerFeeBps: 10, TakerFeeBps: 10, AllowShort: true}, &SMACross{Fast: 2, Slow: 3})
	res := Backtest(e, "TEST", series, BacktestOptions{Curve: true})
	require.Equal(t, 15, res.Bars)
	type trade struct {
		entry, exit     int
		entryPx, exitPx float64
		qty, pnl, fees  float64
	}
	want := []trade{
		{entry: 5, exit: 10, entryPx: 8.5, exitPx: 7.5, qty: -117, pnl: 115.128, fees: 1.872},
		{entry: 10, exit: 14, entryPx: 7.5, exitPx: 7.8, qty: 148, pnl: 42.1356, fees: 2.2644},
		{entry: 14, entryPx: 7.8, qty: -148, pnl: 191.2456, fees: 1.1544},
	}
	require.Len(t, res.Trades, len(want))
	for i, w := range want {
		got := res.Trades[i]
		require.Equal(t, day(w.entry-1), got.EntryTime, "trade %d", i+1)
		require.InDelta(t, w.entryPx, got.EntryPrice, 1e-9, "trade %d", i+1)
		require.InDelta(t, w.qty, got.Quantity, 1e-9, "trade %d", i+1)
		require.InDelta(t, w.pnl, got.PnL, 1e-8, "trade %d", i+1)
		require.InDelta(t, w.fees, got.Fees, 1e-9, "trade %d", i+1)
		if w.exit == 0 {
			require.Nil(t, got.ExitPrice)
			continue
		}
		require.Equal(t, day(w.exit-1), *got.ExitTime, "trade %d", i+1)
		require.InDelta(t, w.exitPx, *got.ExitPrice, 1e-9, "trade %d", i+1)
	}
	require.InDelta(t, 1348.5092, res.FinalEquity, 1e-8)
	require.InDelta(t, 34.85092, res.ReturnPct, 1e-8)
	require.Equal(t, 1.0, res.WinRate, "both closed trades won")
	require.Nil(t, res.ProfitFactor, "no trade lost")
	// Positions are held at the closes of bars 5-15: 11 of 15.
	require.InDelta(t, 11.0/15*100, res.ExposurePct, 1e-8)
	// Equity at every close: cash + quantity × close (negative for the shorts).
	equity := []float64{1000, 1000, 1000, 1000,
		1993.5055 - 117*8, 1993.5055 - 117*7, 1993.5055 - 117*6, 1993.5055 - 117*7, 1993.5055 - 117*8,
		4.018 + 148*9, 4.018 + 148*10, 4.018 + 148*9, 4.018 + 148*8,
		2310.5092 - 148*7, 2310.5092 - 148*6.5}
	require.Len(t, res.Equity, len(equity))
	for i := range equity {
		require.InDelta(t, equity[i], res.Equity[i], 1e-9, "equity at bar %d", i+1)
	}
}

// readCSV reads a time,open,high,low,close,volume file of daily bars.
func readCSV(t *testing.T, path string) bars.Series {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var s bars.Series
	for _, r := range rows[1:] {
		tm, err := time.Parse(time.DateOnly, r[0])
		require.NoError(t, err)
		var v [5]float64
		for i := range v {
			v[i], err = strconv.ParseFloat(r[i+1], 64)
			require.NoError(t, err)
		}
		s = append(s, bars.Bar{Time: tm, Open: v[0], High: v[1], Low: v[2], Close: v[3], Volume: v[4]})
	}
	return s
}
