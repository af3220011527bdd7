package bot

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alertbacktest"
	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// syntheticMarket is market data on the bots' clock.
func syntheticMarket() *marketdata.Manager {
	return marketdata.NewManager(&marketdata.Synthetic{Seed: 4, Now: func() time.Time { return botNow }}, nil, 0, nil)
}

func withMarket(m alertbacktest.Source) func(*Options) {
	return func(o *Options) { o.Market = m }
}

// sayPhoto sends text and returns the bot's text reply and the photo that
// follows it.
func (tb *testBundle) sayPhoto(t *testing.T, id int64, text string) (string, telegramtest.Message) {
	t.Helper()
	before := len(tb.srv.Messages(id))
	tb.srv.SendUpdate(id, id, text)
	var msgs []telegramtest.Message
	require.Eventually(t, func() bool {
		msgs = tb.srv.Messages(id)
		return len(msgs) >= before+2
	}, 10*time.Second, 10*time.Millisecond, "no text and photo reply to %q", text)
	require.Equal(t, "sendMessage", msgs[before].Method)
	require.Equal(t, "sendPhoto", msgs[before+1].Method)
	return msgs[before].Plain, msgs[before+1]
}

var recordedRE = regexp.MustCompile(`Recorded as run (\d+) with its chart`)

// TestAlertTestCommands: /alert … test backtests instead of creating, and
// /alerttest ID backtests one of the user's alerts; both reply with the
// count, the last triggers and the chart, and record an ad-hoc run.
func TestAlertTestCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	market := syntheticMarket()
	tb.start(t, withMarket(market))
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)

	// Edge-triggered close > 1 fires once, on the first bar.
	text, photo := tb.sayPhoto(t, u, "/alert AAPL > 1 test")
	require.Contains(t, text, "Backtest of AAPL close > 1 1d over 2026-08-29 – 2026-11-27 (90 bars): it would have fired once.")
	require.Contains(t, text, "Last 1 trigger (UTC):\n2026-08-29 00:00  close ")
	require.Contains(t, text, "Send the same /alert without test to create it.")
	require.Empty(t, tb.schedules(t, u), "a test creates no alert")
	img, err := png.Decode(bytes.NewReader(photo.Photo))
	require.NoError(t, err)
	require.Equal(t, 1000, img.Bounds().Dx())
	require.Equal(t, "AAPL 1d: 1 triggers, last 90 bars shown", photo.Plain)

	// The run holds the result and the chart.
	m := recordedRE.FindStringSubmatch(text)
	require.NotNil(t, m, text)
	runID, _ := strconv.ParseInt(m[1], 10, 64)
	var trigger, status string
	var owner int64
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT trigger, status, user_id FROM job_schedule_runs WHERE id = $1 AND job_id IS NULL`, runID).
		Scan(&trigger, &status, &owner))
	require.Equal(t, "adhoc", trigger)
	require.Equal(t, "COMPLETED", status)
	require.Equal(t, tb.dbUser(t, u).ID, owner)
	var chart []byte
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT data FROM report_artifacts WHERE run_id = $1`, runID).Scan(&chart))
	require.Equal(t, photo.Photo, chart, "the photo is the run's artifact")
	var audits int
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM audit_log WHERE action = 'alert.backtest' AND source = 'bot'`).Scan(&audits))
	require.Equal(t, 1, audits)

	// An RSI alert on hourly bars: the reply's count is the engine's.
	text, _ = tb.sayPhoto(t, u, "/alert BTCUSDT rsi(14) > 65 1h TEST")
	params, _, err := ParseAlert("BTCUSDT rsi(14) > 65 1h")
	require.NoError(t, err)
	cfg, err := alerts.Parse(params)
	require.NoError(t, err)
	want, err := alertbacktest.Run(context.Background(), market, cfg, time.Time{}, time.Time{}, botNow)
	require.NoError(t, err)
	require.Greater(t, want.Count, 1)
	require.Contains(t, text, fmt.Sprintf("(2160 bars): it would have fired %d times.", want.Count))
	require.Contains(t, text, fmt.Sprintf("Last %d triggers (UTC):", min(5, want.Count)))
	last := want.Triggers[len(want.Triggers)-1]
	require.Contains(t, text, last.Time.Format("2006-01-02 15:04")+"  close ")
	require.Contains(t, text, "rsi(14) ")
	require.Contains(t, text, "Busiest week: from ")

	// /alerttest of the user's own alert, in the user's time zone.
	require.Contains(t, tb.say(t, u, "/timezone Europe/Berlin"), "Europe/Berlin")
	require.Contains(t, tb.say(t, u, "/alert AAPL > 1"), "created")
	id := int64(tb.schedules(t, u)[0].ID)
	text, _ = tb.sayPhoto(t, u, fmt.Sprintf("/alerttest %d", id))
	require.Contains(t, text, fmt.Sprintf("Backtest of alert #%d (AAPL close > 1 1d) over ", id))
	require.Contains(t, text, "Last 1 trigger (Europe/Berlin):\n2026-08-29 02:00  close ")
	require.NotContains(t, text, "without test")

	// Another user's alert, a schedule that is not an alert, bad ids.
	require.Equal(t, notFound(id), tb.say(t, other, fmt.Sprintf("/alerttest %d", id)))
	require.Equal(t, notFound(id+50), tb.say(t, u, fmt.Sprintf("/alerttest %d", id+50)))
	require.Contains(t, tb.say(t, u, `/schedule report daily_summary "0 9 * * *"`), "created")
	report := int64(tb.schedules(t, u)[1].ID)
	require.Contains(t, tb.say(t, u, fmt.Sprintf("/alerttest %d", report)), "is not an alert")
	require.Contains(t, tb.say(t, u, "/alerttest abc"), "/alerttest ID")
	require.Contains(t, tb.say(t, u, "/alerttest"), "/alerttest takes one id")
	require.Contains(t, tb.say(t, u, "/alert AAPL >> 1 test"), `Unknown operator ">>"`)

	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM audit_log WHERE action = 'alert.backtest'`).Scan(&audits))
	require.Equal(t, 3, audits, "refusals record nothing")
}

// Without market data the bot says backtests are not available; a symbol
// the provider does not know gets a helpful reply.
func TestAlertTestUnavailable(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	require.Equal(t, "Backtests are not enabled on this server.", tb.say(t, u, "/alert AAPL > 1 test"))

	tb2 := setup(t)
	tb2.start(t, withMarket(marketdata.NewManager(marketdata.NewCSV(t.TempDir()), nil, 0, nil)))
	u2 := tb2.user(t, StatusVerified, false)
	require.Equal(t, "I have no market data for AAPL, so I cannot backtest it. Check the ticker.", tb2.say(t, u2, "/alert AAPL > 1 test"))
	require.Empty(t, tb2.schedules(t, u2))
}

func TestParseAlertTest(t *testing.T) {
	t.Parallel()
	cmd, err := ParseCommand("/alert AAPL rsi(14) > 70 1h test")
	require.NoError(t, err)
	require.True(t, cmd.Alert.Test)
	require.Equal(t, "AAPL rsi(14) > 70 1h", cmd.Alert.Summary)
	cmd, err = ParseCommand("/alert AAPL > 150 Test")
	require.NoError(t, err)
	require.True(t, cmd.Alert.Test)
	require.Equal(t, "1d", cmd.Alert.Timeframe)
	cmd, err = ParseCommand("/alert AAPL > 150")
	require.NoError(t, err)
	require.False(t, cmd.Alert.Test)
	_, err = ParseCommand("/alert AAPL test")
	require.ErrorIs(t, err, ErrUsage)

	cmd, err = ParseCommand("/alerttest #12")
	require.NoError(t, err)
	require.Equal(t, "alerttest", cmd.Name)
	require.EqualValues(t, 12, cmd.ID)
	_, err = ParseCommand("/alerttest 0")
	require.ErrorIs(t, err, ErrUsage)
}
