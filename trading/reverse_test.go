package trading

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/schemas"
)

// rsi_reversion with allow_short sells short above sell_above and covers
// below buy_below; without it a flat bot does nothing above the level.
func TestRSIReversionShorts(t *testing.T) {
	t.Parallel()
	// Period 2, closes 10, 11, 12: two gains, no loss → RSI 100 > 70 on the third close.
	run := func(allow bool, pos string) []Order {
		s := &RSIReversion{Period: 2, BuyBelow: 30, SellAbove: 70}
		var out []Order
		for i, c := range []float64{10, 11, 12} {
			in := &Input{Symbol: "X", Bar: bar(i, c, c, c, c), AllowShort: allow}
			in.Position.Quantity = dec(pos)
			out = s.OnBar(in)
		}
		return out
	}
	require.Nil(t, run(false, "0"), "long only: flat stays flat")
	require.Equal(t, []Order{{Symbol: "X", Side: Sell, Type: Market, TIF: GTC, AllCash: true, Reason: "rsi_above"}}, run(true, "0"))
	require.Equal(t, []Order{{Symbol: "X", Side: Sell, Type: Market, TIF: GTC, Close: true, Reason: "rsi_above"},
		{Symbol: "X", Side: Sell, Type: Market, TIF: GTC, AllCash: true, Reason: "rsi_above"}}, run(true, "5"), "exit the long, then short")
	require.Nil(t, run(true, "-5"), "already short")
	require.Equal(t, []Order{{Symbol: "X", Side: Sell, Type: Market, TIF: GTC, Close: true, Reason: "rsi_above"}}, run(false, "5"))

	// Closes 12, 11, 10: RSI 0 < 30: a short is covered, then a long bought.
	s := &RSIReversion{Period: 2, BuyBelow: 30, SellAbove: 70}
	var out []Order
	for i, c := range []float64{12, 11, 10} {
		in := &Input{Symbol: "X", Bar: bar(i, c, c, c, c), AllowShort: true}
		in.Position.Quantity = dec("-5")
		out = s.OnBar(in)
	}
	require.Equal(t, []Order{{Symbol: "X", Side: Buy, Type: Market, TIF: GTC, Close: true, Reason: "rsi_below"},
		{Symbol: "X", Side: Buy, Type: Market, TIF: GTC, AllCash: true, Reason: "rsi_below"}}, out)
}

// The allow_short parameter of a strategy turns shorting on in the engine.
func TestStrategyAllowShortParam(t *testing.T) {
	t.Parallel()
	v := validatorT(t)
	s, err := NewStrategy(v, "sma_cross", []byte(`{"fast":2,"slow":3,"allow_short":true}`))
	require.NoError(t, err)
	require.True(t, newEngine(t, Config{}, s).AllowShort())
	s, err = NewStrategy(v, "sma_cross", []byte(`{"fast":2,"slow":3}`))
	require.NoError(t, err)
	require.False(t, newEngine(t, Config{}, s).AllowShort())
	_, err = NewStrategy(v, "rsi_reversion", []byte(`{"allow_short":"yes"}`))
	require.ErrorContains(t, err, "/allow_short")
}

func validatorT(t *testing.T) *schemas.Validator {
	t.Helper()
	v, err := schemas.New()
	require.NoError(t, err)
	return v
}
