package bot

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

func TestParseStrategyBacktest(t *testing.T) {
	t.Parallel()
	cmd, err := ParseCommand("/backtest SMA_Cross aapl 2025-01-01 2026-01-01T00:00:00Z")
	require.NoError(t, err)
	require.Equal(t, &StrategyBacktestSpec{Strategy: "sma_cross", Symbol: "AAPL", From: "2025-01-01", To: "2026-01-01T00:00:00Z"}, cmd.Backtest)
	cmd, err = ParseCommand("/backtest@vigil_bot rsi_reversion MSFT")
	require.NoError(t, err)
	require.Equal(t, &StrategyBacktestSpec{Strategy: "rsi_reversion", Symbol: "MSFT"}, cmd.Backtest)

	for text, want := range map[string]string{
		"/backtest":                                "Give a strategy and a ticker",
		"/backtest sma_cross":                      "Give a strategy and a ticker",
		"/backtest moon AAPL":                      `Unknown strategy "moon": use sma_cross or rsi_reversion.`,
		"/backtest alert_signals AAPL":             `Unknown strategy "alert_signals"`,
		"/backtest sma_cross A$PL":                 `"A$PL" is not a ticker`,
		"/backtest sma_cross AAPL yesterday":       `The from date "yesterday" is neither RFC 3339`,
		"/backtest sma_cross AAPL 2025-01-01 soon": `The to date "soon" is neither RFC 3339`,
		"/backtest sma_cross AAPL 1 2 3":           "too many words",
	} {
		_, err := ParseCommand(text)
		var ue *UsageError
		require.ErrorAs(t, err, &ue, text)
		require.Contains(t, ue.Error(), want, text)
		require.Contains(t, ue.Error(), "/backtest STRATEGY TICKER [FROM] [TO]", text)
	}
}

// replies sends text as user id and waits for the text reply and, when
// photo, the photo after it.
func (tb *testBundle) replies(t *testing.T, id int64, text string, photo bool) (string, *telegramtest.Message) {
	t.Helper()
	before := len(tb.srv.Messages(id))
	tb.srv.SendUpdate(id, id, text)
	want := before + 1
	if photo {
		want++
	}
	var msgs []telegramtest.Message
	require.Eventually(t, func() bool {
		msgs = tb.srv.Messages(id)
		return len(msgs) >= want
	}, 10*time.Second, 10*time.Millisecond, "no reply to %q", text)
	if !photo {
		return msgs[before].Plain, nil
	}
	return msgs[before].Plain, &msgs[before+1]
}

func TestStrategyBacktestCommand(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	user := tb.user(t, StatusVerified, false)

	// The figures are the backtest's own: the same request run directly.
	want, err := tb.backtests.Run(tb.ctx, backtests.Request{Strategy: "sma_cross", Symbol: "AAPL", From: "2025-01-01",
		To: "2026-01-01", Cash: backtests.DefaultCash})
	require.NoError(t, err)
	require.NotEmpty(t, want.Result.Trades, "the synthetic year has crosses")

	text, photo := tb.replies(t, user, "/backtest sma_cross AAPL 2025-01-01 2026-01-01", true)
	require.Contains(t, text, `Backtest of sma_cross {"fast":10,"slow":30,"fractional":false} on AAPL 1d, 2025-01-01 to 2026-01-01 (365 bars), 10,000 cash, no fees:`)
	require.Contains(t, text, want.Summary())
	require.Contains(t, text, "Last ")
	last := want.Result.Trades[len(want.Result.Trades)-1]
	require.Contains(t, text, last.EntryTime.Format(time.DateOnly)+" at "+backtestNum(last.EntryPrice))

	require.Equal(t, "sendPhoto", photo.Method)
	cfg, err := png.DecodeConfig(bytes.NewReader(photo.Photo))
	require.NoError(t, err)
	require.Equal(t, backtests.ChartWidth, cfg.Width)
	require.Equal(t, "sma_cross on AAPL 1d: equity "+backtestNum(want.Result.FinalEquity)+" ("+backtestSigned(want.Result.ReturnPct)+"%)",
		photo.Plain)

	// Bad input: a usage reply, no photo.
	text, _ = tb.replies(t, user, "/backtest sma_cross AAPL 2026-02-01 2026-01-01", false)
	require.Contains(t, text, "That backtest cannot run: from 2026-02-01T00:00:00Z must be before to 2026-01-01T00:00:00Z.")
	require.Contains(t, text, "Usage:\n/backtest STRATEGY TICKER")
	text, _ = tb.replies(t, user, "/backtest rsi_reversion AAPL 2030-01-01", false)
	require.Contains(t, text, "That backtest cannot run: from 2030-01-01T00:00:00Z must be before to 2026-11-27T00:00:00Z")
	text, _ = tb.replies(t, user, "/backtest moon AAPL", false)
	require.Contains(t, text, `Unknown strategy "moon"`)
	require.Len(t, photos(tb.srv.Messages(user)), 1)

	// Unverified users cannot.
	pending := tb.user(t, StatusPending, false)
	text, _ = tb.replies(t, pending, "/backtest sma_cross AAPL", false)
	require.Contains(t, text, "not verified")
}

func photos(msgs []telegramtest.Message) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range msgs {
		if m.Photo != nil {
			out = append(out, m)
		}
	}
	return out
}

// A symbol the provider lacks (the csv provider with one file), and a bot
// without backtests.
func TestStrategyBacktestUnknownSymbolAndDisabled(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "backtests", "testdata", "sma_cross.csv"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "TEST_1d.csv"), data, 0o600))
	tb.backtests = &backtests.Runner{Validator: testValidator(t), Now: func() time.Time { return botNow },
		Market: marketdata.NewManager(marketdata.NewCSV(dir), nil, 0, nil)}
	tb.start(t)
	user := tb.user(t, StatusVerified, false)

	text, _ := tb.replies(t, user, "/backtest sma_cross NOPE", false)
	require.Contains(t, text, "That backtest cannot run: symbol NOPE: the market-data provider csv has no such symbol.")
	// TEST's 19 bars: too few for the default 10/30 SMAs: no trade.
	text, photo := tb.replies(t, user, "/backtest sma_cross TEST 2026-01-01", true)
	require.Contains(t, text, "(19 bars)")
	require.Contains(t, text, "final equity    10000\n")
	require.NotContains(t, text, "Last ")
	require.NotNil(t, photo.Photo)

	off := setup(t)
	off.backtests = nil
	off.start(t)
	u := off.user(t, StatusVerified, false)
	text, _ = off.replies(t, u, "/backtest sma_cross AAPL", false)
	require.Equal(t, "Backtests are not enabled on this server.", text)
}
