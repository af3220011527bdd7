package tradingview

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/trading"
)

func problems(t *testing.T, err error) map[string]string {
	t.Helper()
	var be *BodyError
	require.True(t, errors.As(err, &be), "want a *BodyError, got %v", err)
	out := map[string]string{}
	for _, p := range be.Problems {
		out[p.Location] = p.Message
	}
	return out
}

// The TradingView alert message of the README: JSON with placeholders
// expanded, sent as text/plain or application/json.
func TestParseTradingViewJSON(t *testing.T) {
	t.Parallel()
	body := []byte(`{"ticker": "NASDAQ:AAPL", "price": 187.25, "message": "AAPL crossed the 200-day SMA"}`)
	for _, ct := range []string{"text/plain; charset=utf-8", "application/json"} {
		a, err := Parse(ct, body)
		require.NoError(t, err, ct)
		require.Equal(t, FormatJSON, a.Format)
		require.Equal(t, "AAPL crossed the 200-day SMA", a.Message)
		require.Equal(t, "AAPL", a.Ticker, "the exchange prefix is dropped")
		require.InDelta(t, 187.25, *a.Price, 1e-9)
		require.Empty(t, a.Actions)
	}
}

func TestParsePlainText(t *testing.T) {
	t.Parallel()
	a, err := Parse("text/plain", []byte("  BTCUSDT crossing 65000.5 \n"))
	require.NoError(t, err)
	require.Equal(t, Alert{Format: FormatText, Message: "BTCUSDT crossing 65000.5"}, a)

	// Text that only starts like JSON is text.
	a, err = Parse("text/plain", []byte("{not json} AAPL"))
	require.NoError(t, err)
	require.Equal(t, FormatText, a.Format)
}

func TestParseActions(t *testing.T) {
	t.Parallel()
	// A strategy alert: {{strategy.order.action}} and a quoted size.
	a, err := Parse("application/json", []byte(`{"ticker": "AAPL", "price": "187.5", "bot": "swing", "action": "BUY", "size_pct": "10"}`))
	require.NoError(t, err)
	require.Equal(t, []trading.Action{{Bot: "swing", Symbol: "AAPL", Side: "buy", SizePct: 10}}, a.Actions)
	require.Equal(t, "TradingView: AAPL buy at 187.5", a.Message, "no message: one made of ticker, side and price")
	require.JSONEq(t, `[{"bot": "swing", "side": "buy", "size_pct": 10, "symbol": "AAPL"}]`, string(a.ActionsDocument()))
	require.Equal(t, "body.action", a.Location("/0/side"))
	require.Equal(t, "body.ticker", a.Location("/0/symbol"))

	a, err = Parse("application/json", []byte(`{"ticker": "MSFT", "message": "rebalance",
		"actions": [{"bot": "a", "side": "exit"}, {"bot": "b", "side": "sell", "size_pct": 50, "symbol": "IBM"}]}`))
	require.NoError(t, err)
	require.Equal(t, []trading.Action{{Bot: "a", Symbol: "MSFT", Side: "exit"}, {Bot: "b", Symbol: "IBM", Side: "sell", SizePct: 50}}, a.Actions)
	require.Equal(t, "body.actions[1].size_pct", a.Location("/1/size_pct"))
	require.Equal(t, "body.actions[1].symbol", a.Location("/1/symbol"))
	require.Equal(t, "body.ticker", a.Location("/0/symbol"))
	require.Equal(t, "body.actions", a.Location(""))
}

func TestParseBadBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ct, body string
		where    string
	}{
		{"text/plain", "", "body"},
		{"text/plain", " \n ", "body"},
		{"text/plain", "a\x00b", "body"},
		{"text/plain", "a\xffb", "body"},
		{"application/json", "AAPL above 100", "body"},
		{"application/json", `["AAPL"]`, "body"},
		{"application/json", `{"a": 1} {"b": 2}`, "body"},
		{"application/json", `{"message": {"x": 1}}`, "body.message"},
		{"application/json", `{"price": "close"}`, "body.price"},
		{"application/json", `{"price": [1]}`, "body.price"},
		{"application/json", `{"bot": "x", "ticker": "AAPL"}`, "body.action"},
		{"application/json", `{"bot": "x", "side": "buy", "size_pct": 5}`, "body.ticker"},
		{"application/json", `{"bot": 7, "side": "buy", "ticker": "AAPL"}`, "body.bot"},
		{"application/json", `{"bot": "x", "actions": []}`, "body.actions"},
		{"application/json", `{"actions": {"bot": "x"}}`, "body.actions"},
		{"application/json", `{"actions": ["x"]}`, "body.actions[0]"},
		{"application/json", `{"actions": [{"bot": "x", "side": "buy", "qty": 1}], "ticker": "A"}`, "body.actions[0].qty"},
		{"application/json", `{"actions": [{"bot": "x", "side": "exit"}]}`, "body.actions[0].symbol"},
	}
	for _, c := range cases {
		_, err := Parse(c.ct, []byte(c.body))
		require.Contains(t, problems(t, err), c.where, "%s %q", c.ct, c.body)
	}
}
