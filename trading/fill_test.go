package trading

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFillModel(t *testing.T) {
	t.Parallel()
	// Every case: 1000 cash, an order placed on bar 1 (close 100), matched on bar 2.
	cases := []struct {
		name     string
		cfg      Config
		order    Order
		next     [4]float64 // open high low close of bar 2
		price    string     // fill price, "" for no fill
		qty      string
		fee      string
		cashLeft string
	}{
		// 1000 / (100 × 1.001) = 9.99 → 9 units; fee 9 × 100 × 0.001 = 0.9; cash 1000 − 900 − 0.9.
		{"market buy at next open, taker fee", Config{TakerFeeBps: 10}, Order{Side: Buy, Type: Market, AllCash: true},
			[4]float64{100, 110, 95, 105}, "100", "9", "0.9", "99.1"},
		// Slippage 50 bps: 100 × 1.005 = 100.5; 1000 / 100.5 = 9.95 → 9; cash 1000 − 904.5.
		{"market buy with slippage", Config{SlippageBps: 50}, Order{Side: Buy, Type: Market, AllCash: true},
			[4]float64{100, 110, 95, 105}, "100.5", "9", "0", "95.5"},
		// Fractional: 1000 / 100.1 = 9.99000999000999… floored to 8 places; cost 999.000999 + fee 0.999000999 = 999.999999999.
		{"fractional buy", Config{TakerFeeBps: 10, Fractional: true}, Order{Side: Buy, Type: Market, AllCash: true},
			[4]float64{100, 110, 95, 105}, "100", "9.99000999", "0.999000999", "0.000000001"},
		// Limit 97 with open 100 > 97 and low 95 ≤ 97: fills at 97, maker 0; 1000/97 = 10.3 → 10; cash 30.
		{"buy limit touched", Config{MakerFeeBps: 0, TakerFeeBps: 10}, Order{Side: Buy, Type: Limit, LimitPrice: dec("97"), AllCash: true},
			[4]float64{100, 110, 95, 105}, "97", "10", "0", "30"},
		// Limit 102, open 100 already better: fills at the open 100.
		{"buy limit, open better", Config{}, Order{Side: Buy, Type: Limit, LimitPrice: dec("102"), AllCash: true},
			[4]float64{100, 110, 95, 105}, "100", "10", "0", "0"},
		// Limit 90 above the low 95: no fill.
		{"buy limit not reached", Config{}, Order{Side: Buy, Type: Limit, LimitPrice: dec("90"), AllCash: true},
			[4]float64{100, 110, 95, 105}, "", "", "", "1000"},
		// Buy stop 105, high 110 ≥ 105, open 100: fills at max(105, 100) = 105; 1000/105 = 9.5 → 9; cash 55.
		{"buy stop touched", Config{}, Order{Side: Buy, Type: Stop, StopPrice: dec("105"), AllCash: true},
			[4]float64{100, 110, 95, 105}, "105", "9", "0", "55"},
		// Buy stop 105 gapped over: open 108 → max(105, 108) = 108; 1000/108 = 9.26 → 9; cash 28.
		{"buy stop gap", Config{}, Order{Side: Buy, Type: Stop, StopPrice: dec("105"), AllCash: true},
			[4]float64{108, 110, 107, 109}, "108", "9", "0", "28"},
		// Stop-limit 105/106: triggered at 105 ≤ 106: fills at 105.
		{"buy stop-limit", Config{}, Order{Side: Buy, Type: StopLimit, StopPrice: dec("105"), LimitPrice: dec("106"), AllCash: true},
			[4]float64{100, 110, 95, 105}, "105", "9", "0", "55"},
		// Stop-limit 105/106 gapped to 108 > 106: triggered, not filled.
		{"buy stop-limit gapped past limit", Config{}, Order{Side: Buy, Type: StopLimit, StopPrice: dec("105"), LimitPrice: dec("106"), AllCash: true},
			[4]float64{108, 110, 107, 109}, "", "", "", "1000"},
		// Notional 250 at 100: 2 units (2.5 floored), cash 800.
		{"notional buy", Config{}, Order{Side: Buy, Type: Market, Notional: dec("250")},
			[4]float64{100, 110, 95, 105}, "100", "2", "0", "800"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.order
			o.Symbol = "X"
			e := newEngine(t, tc.cfg, &script{At: map[int][]Order{1: {o}}})
			e.Step("X", bar(0, 100, 100, 100, 100))
			e.Step("X", bar(1, tc.next[0], tc.next[1], tc.next[2], tc.next[3]))
			require.Equal(t, tc.cashLeft, e.Cash().String())
			require.False(t, e.Cash().IsNegative())
			p := e.Position("X")
			if tc.price == "" {
				require.True(t, p.Quantity.IsZero())
				require.Len(t, e.OpenOrders(), 1, "the order rests")
				return
			}
			require.Equal(t, tc.qty, p.Quantity.String())
			require.Equal(t, tc.price, p.AvgCost.String())
			require.Equal(t, tc.fee, e.FeesPaid().String())
		})
	}
}

func TestSellAndAccounting(t *testing.T) {
	t.Parallel()
	// Buy 10 at 100 (notional 1000 − no fee; 10 bps taker → 1000/100.1 = 9.99 → 9 units), so use fees 0 here:
	// bar 2 buys 5 at 100, bar 3 buys 5 at 110 → avg (500 + 550)/10 = 105; bar 4 sells 4 at 120:
	// realised (120 − 105) × 4 = 60; bar 5 closes 6 at 90: realised (90 − 105) × 6 = −90 → total −30.
	// Cash: 2000 − 500 − 550 + 480 + 540 = 1970 = 2000 − 30.
	s := &script{At: map[int][]Order{
		1: {{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("5")}},
		2: {{Symbol: "X", Side: Buy, Type: Market, Quantity: dec("5")}},
		3: {{Symbol: "X", Side: Sell, Type: Market, Quantity: dec("4")}},
		4: {{Symbol: "X", Side: Sell, Type: Market, Close: true}},
		5: {{Symbol: "X", Side: Sell, Type: Market, Close: true}},
	}}
	e := newEngine(t, Config{Cash: dec("2000")}, s)
	e.Step("X", bar(0, 100, 100, 100, 100))
	e.Step("X", bar(1, 100, 100, 100, 100))
	e.Step("X", bar(2, 110, 110, 110, 110))
	require.Equal(t, "105", e.Position("X").AvgCost.String())
	// Unrealised at close 110: (110 − 105) × 10 = 50; equity 2000 − 1050 + 1100 = 2050.
	require.Equal(t, "50", e.Unrealised().String())
	require.InDelta(t, 2050, e.Equity(), 1e-9)
	e.Step("X", bar(3, 120, 120, 120, 120))
	require.Equal(t, "60", e.Realised().String())
	e.Step("X", bar(4, 90, 90, 90, 90))
	require.Equal(t, "-30", e.Realised().String())
	require.Equal(t, "1970", e.Cash().String())
	require.Len(t, e.Trades(), 1)
	tr := e.Trades()[0]
	require.Equal(t, "105", tr.EntryPrice.String())
	// Exit average (480 + 540) / 10 = 102.
	require.Equal(t, "102", tr.ExitPrice.String())
	require.Equal(t, "-30", tr.PnL.String())
	// Bar 6's close order with no position is refused by the risk engine.
	e.Step("X", bar(5, 90, 90, 90, 90))
	require.NotEmpty(t, e.Refusals())
	require.Contains(t, e.Refusals()[len(e.Refusals())-1].Reason, "shorting is not allowed")
}

func TestDayOrderExpires(t *testing.T) {
	t.Parallel()
	s := &script{At: map[int][]Order{1: {{Symbol: "X", Side: Buy, Type: Limit, TIF: Day, LimitPrice: dec("50"), AllCash: true}}}}
	e := newEngine(t, Config{}, s)
	e.Step("X", bar(0, 100, 100, 100, 100))
	ev := e.Step("X", bar(1, 100, 100, 40, 100)) // a later UTC day: cancelled before matching
	require.Empty(t, e.OpenOrders())
	require.Equal(t, EventOrderCancelled, ev[0].Kind)
	require.True(t, e.Position("X").Quantity.IsZero())
}
