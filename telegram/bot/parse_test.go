package bot

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/schemas"
)

var (
	validatorOnce sync.Once
	validator     *schemas.Validator
	validatorErr  error
)

func testValidator(t testing.TB) *schemas.Validator {
	t.Helper()
	validatorOnce.Do(func() { validator, validatorErr = schemas.New() })
	require.NoError(t, validatorErr)
	return validator
}

func TestParseAlert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args      string
		timeframe string
		want      string
	}{
		{"AAPL > 150", "1d", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"close","operator":">","value":150},"ticker":"AAPL","timeframe":"1d"}`},
		{"BTCUSDT rsi(14) < 30 1h", "1h", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"rsi","operator":"<","period":14,"value":30},"ticker":"BTCUSDT","timeframe":"1h"}`},
		{"MSFT close crosses_above sma(50) 1d", "1d", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"close","operator":"crosses_above","right":{"indicator":"sma","period":50}},"ticker":"MSFT","timeframe":"1d"}`},
		{"spy macd( 12, 26, 9 ).signal >= 0 4h", "4h", `{"notify":{"channels":["telegram"]},"rule":{"fast":12,"indicator":"macd","operator":">=","output":"signal","signal":9,"slow":26,"value":0},"ticker":"SPY","timeframe":"4h"}`},
		{"QQQ close crosses_below bollinger(20,2.5).lower 1w", "1w", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"close","operator":"crosses_below","right":{"indicator":"bollinger","output":"lower","period":20,"stddev":2.5}},"ticker":"QQQ","timeframe":"1w"}`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			t.Parallel()
			params, tf, err := ParseAlert(tt.args)
			require.NoError(t, err)
			require.Equal(t, tt.timeframe, tf)
			require.JSONEq(t, tt.want, string(params))
			_, err = alerts.Parse(params)
			require.NoError(t, err)
			require.NoError(t, testValidator(t).Validate("alert", params))
		})
	}
}

func TestParseAlertErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		problem string
	}{
		{"", "needs a ticker"},
		{"AAPL >> 150", `Unknown operator ">>"`},
		{"AAPL > 15x0", `"15x0" is not a number`},
		{"AAPL > 150 2h", `Unknown timeframe "2h"`},
		{"AAPL > 150 1d extra", "Unexpected"},
		{"aa$pl > 150", "is not a ticker"},
		{"AAPL foo(3) > 1", "Unknown operator or operand"},
		{"AAPL sma(0) > 1", "whole number"},
		{"AAPL sma(5,6) > 1", "at most 1"},
		{"AAPL sma(5 > 1", "not closed"},
		{"AAPL sma(5)) > 1", "is not a number"},
		{"AAPL > NaN", "not a usable number"},
		{"AAPL bollinger(20,2) > 1", "That alert is not valid"},
		{"AAPL >", "operator and a value"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			t.Parallel()
			_, _, err := ParseAlert(tt.args)
			require.ErrorIs(t, err, ErrUsage)
			require.ErrorContains(t, err, tt.problem)
			require.ErrorContains(t, err, "/alert AAPL > 150", "shows the right form")
		})
	}
}

func TestParseCommand(t *testing.T) {
	t.Parallel()
	cmd, err := ParseCommand("/pause@vigil_test_bot 12")
	require.NoError(t, err)
	require.Equal(t, "pause", cmd.Name)
	require.EqualValues(t, 12, cmd.ID)

	cmd, err = ParseCommand(`/schedule report daily_summary “0 9 * * 1-5” America/New_York`)
	require.NoError(t, err)
	require.Equal(t, "0 9 * * 1-5", cmd.Schedule.Cron)
	require.Equal(t, "America/New_York", cmd.Zone)
	require.JSONEq(t, `{"report_type":"daily_summary"}`, string(cmd.Schedule.TaskParams))
	require.NoError(t, testValidator(t).Validate("report", cmd.Schedule.TaskParams))

	cmd, err = ParseCommand("/verify abcd-efgh")
	require.NoError(t, err)
	require.Equal(t, "abcd-efgh", cmd.Code)

	for text, problem := range map[string]string{
		"hello":                               "only understand commands",
		"/frobnicate":                         "Unknown command /frobnicate",
		"/pause":                              "takes one id",
		"/pause x":                            `"x" is not an id`,
		"/delete -3":                          "is not an id",
		"/next 99999999999":                   "is not an id",
		"/verify":                             "invite code",
		"/timezone":                           "time zone",
		"/schedule report daily_summary 0 9":  "double quotes",
		`/schedule report daily_summary "0 9`: "closing quote",
		`/schedule backup x "0 9 * * *"`:      "Unknown job type",
		`/schedule report weekly "0 9 * * *"`: "Unknown report type",
		`/schedule report daily_summary "0 9 * * *" A B`: "at most one time zone",
	} {
		_, err := ParseCommand(text)
		var ue *UsageError
		require.True(t, errors.As(err, &ue), text)
		require.ErrorContains(t, err, problem, text)
	}
}

func TestDefaultCron(t *testing.T) {
	t.Parallel()
	for tf, want := range map[string]string{
		"1m": "* * * * *", "5m": "*/5 * * * *", "15m": "*/15 * * * *", "30m": "*/30 * * * *",
		"1h": "0 * * * *", "4h": "0 */4 * * *", "1d": "0 21 * * 1-5", "1w": "0 21 * * 5",
	} {
		got, ok := DefaultCron(tf)
		require.True(t, ok)
		require.Equal(t, want, got)
	}
	_, ok := DefaultCron("2h")
	require.False(t, ok)
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"/start", "/alert AAPL > 150", "/alert BTCUSDT rsi(14) < 30 1h",
		"/alert MSFT close crosses_above sma(50) 1d", "/alert X macd(1,2,3).signal > 0",
		`/schedule report daily_summary "0 9 * * 1-5" America/New_York`, "/pause 1", "/next #2",
		"/timezone Europe/Berlin", "/verify AB-CD", "/alert@bot a ( ( > 1e400", "hello", "/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := ParseCommand(text)
		if err != nil {
			require.ErrorIs(t, err, ErrUsage)
			require.NotEmpty(t, err.Error())
			return
		}
		if cmd.Alert != nil {
			var v map[string]any
			require.NoError(t, json.Unmarshal(cmd.Alert.TaskParams, &v))
			_, ok := DefaultCron(cmd.Alert.Timeframe)
			require.True(t, ok)
		}
	})
}
