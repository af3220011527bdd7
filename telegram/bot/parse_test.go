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
		{"AAPL close > sma(200,1d) 1h", "1h", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"close","operator":">","right":{"indicator":"sma","period":200,"timeframe":"1d"}},"ticker":"AAPL","timeframe":"1h"}`},
		{"AAPL close(1w) crosses_above bollinger(20,2,1d).upper", "1d", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"close","timeframe":"1w","operator":"crosses_above","right":{"indicator":"bollinger","output":"upper","period":20,"stddev":2,"timeframe":"1d"}},"ticker":"AAPL","timeframe":"1d"}`},
		{"AAPL rsi(14,1h) > 70 1h", "1h", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"rsi","operator":">","period":14,"timeframe":"1h","value":70},"ticker":"AAPL","timeframe":"1h"}`},
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
		{"AAPL close > sma(200,5m) 1h", "sma(200,5m) reads 5m bars, shorter than the alert's 1h: an operand may use the alert's timeframe or a longer one, e.g. sma(200,1d) in a 1h alert."},
		{"AAPL ema(20,1h) > 1", "ema(20,1h) reads 1h bars, shorter than the alert's 1d: an operand may use the alert's timeframe or a longer one, e.g. sma(50,1w) in a 1d alert."},
		{"AAPL sma(5,1d,6) > 1", "sma takes at most 1 argument(s)"},
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
		"/report daily AAPL MSFT charts", "/report portfolio main", "/report performance portfolio main SPY 1w",
		"/report daily AAPL,MSFT 1h", "/screener sp500 top 5", "/screener sp500 pe<25 cap>10B vol>1M",
		"/screener AAPL,MSFT,NVDA top 2", "/screener custom:tech", "/screener x pe<1e999",
		"/portfolios", "/portfolio main", "/portfolio add main AAPL 10 150.25", "/portfolio add main BTC/USD 0.5 $30000",
		"/portfolio remove main AAPL", "/portfolio delete main", "/sets", "/set tech AAPL,MSFT", "/set delete tech",
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
		// What parses is valid task_params: a run-now never fails on them.
		if cmd.Report != nil {
			params, err := cmd.Report.TaskParams(1)
			require.NoError(t, err)
			require.NoError(t, testValidator(t).Validate("report", params))
		}
		if cmd.Screener != nil {
			params, err := cmd.Screener.TaskParams()
			require.NoError(t, err)
			require.NoError(t, testValidator(t).Validate("screener", params))
		}
		if p := cmd.Portfolio; p != nil && p.Action == ActionAdd {
			require.True(t, p.Quantity > 0 && p.Quantity <= maxAmount, p.Quantity)
			require.True(t, p.Price >= 0 && p.Price <= maxAmount, p.Price)
			require.Regexp(t, holdingSymbolRE, p.Symbol)
		}
		if s := cmd.Set; s != nil && s.Action == ActionSave {
			require.NotEmpty(t, s.Symbols)
			require.LessOrEqual(t, len(s.Symbols), maxSetSymbols)
		}
	})
}

func TestParseReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want ReportSpec
		json string
	}{
		{"/report daily AAPL MSFT charts", ReportSpec{ReportType: "daily_summary", Symbols: []string{"AAPL", "MSFT"}, IncludeCharts: true},
			`{"report_type":"daily_summary","parameters":{"symbols":["AAPL","MSFT"],"include_charts":true}}`},
		{"/report daily_summary aapl,brk.b,AAPL 1H", ReportSpec{ReportType: "daily_summary", Symbols: []string{"AAPL", "BRK.B"}, Timeframe: "1h"},
			`{"report_type":"daily_summary","parameters":{"symbols":["AAPL","BRK.B"],"timeframe":"1h"}}`},
		{"/report portfolio Main charts", ReportSpec{ReportType: "portfolio_analysis", Portfolio: "main", IncludeCharts: true},
			`{"report_type":"portfolio_analysis","parameters":{"portfolio_id":7,"include_charts":true}}`},
		{"/report performance_report SPY QQQ", ReportSpec{ReportType: "performance_report", Symbols: []string{"SPY", "QQQ"}},
			`{"report_type":"performance_report","parameters":{"symbols":["SPY","QQQ"]}}`},
		{"/report perf portfolio ira ^GSPC", ReportSpec{ReportType: "performance_report", Portfolio: "ira", Symbols: []string{"^GSPC"}},
			`{"report_type":"performance_report","parameters":{"symbols":["^GSPC"],"portfolio_id":7}}`},
	}
	for _, tt := range tests {
		cmd, err := ParseCommand(tt.text)
		require.NoError(t, err, tt.text)
		require.Equal(t, tt.want, *cmd.Report, tt.text)
		id := int64(0)
		if tt.want.Portfolio != "" {
			id = 7
		}
		params, err := cmd.Report.TaskParams(id)
		require.NoError(t, err)
		require.JSONEq(t, tt.json, string(params), tt.text)
		require.NoError(t, testValidator(t).Validate("report", params), tt.text)
	}
}

func TestParseScreener(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text   string
		json   string
		target string
	}{
		{"/screener sp500 top 5", `{"screener_set":"sp500","filter_criteria":{},"top_n":5}`, ""},
		{"/screener NASDAQ100 pe<=30.5 mcap>=2.5t volume>250k", `{"screener_set":"nasdaq100","filter_criteria":{"max_pe_ratio":30.5,"min_market_cap":2500000000000,"min_volume":250000}}`, ""},
		{"/screener tech top 3", `{"screener_set":"custom:tech","filter_criteria":{},"top_n":3}`, ""},
		{"/screener custom:my_set", `{"screener_set":"custom:my_set","filter_criteria":{}}`, ""},
		{"/screener aapl,MSFT,,aapl", `{"screener_set":"custom","filter_criteria":{}}`, "AAPL,MSFT"},
	}
	for _, tt := range tests {
		cmd, err := ParseCommand(tt.text)
		require.NoError(t, err, tt.text)
		params, err := cmd.Screener.TaskParams()
		require.NoError(t, err)
		require.JSONEq(t, tt.json, string(params), tt.text)
		require.Equal(t, tt.target, cmd.Screener.Target(), tt.text)
		require.NoError(t, testValidator(t).Validate("screener", params), tt.text)
	}
}

func TestParsePortfolioAndSet(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]PortfolioSpec{
		"/portfolio":                         {Action: ActionList},
		"/portfolio Main":                    {Action: ActionShow, Name: "main"},
		"/portfolio show ira":                {Action: ActionShow, Name: "ira"},
		"/portfolio add main aapl 10 150.25": {Action: ActionAdd, Name: "main", Symbol: "AAPL", Quantity: 10, Price: 150.25},
		"/portfolio ADD main btc/usd 0.5 $0": {Action: ActionAdd, Name: "main", Symbol: "BTC/USD", Quantity: 0.5},
		"/portfolio remove main es=f":        {Action: ActionRemove, Name: "main", Symbol: "ES=F"},
		"/portfolio delete old-one":          {Action: ActionDelete, Name: "old-one"},
	} {
		cmd, err := ParseCommand(text)
		require.NoError(t, err, text)
		require.Equal(t, want, *cmd.Portfolio, text)
	}
	for text, want := range map[string]SetSpec{
		"/set tech AAPL,MSFT nvda": {Action: ActionSave, Name: "tech", Symbols: []string{"AAPL", "MSFT", "NVDA"}},
		"/set Tech":                {Action: ActionShow, Name: "tech"},
		"/set delete tech":         {Action: ActionDelete, Name: "tech"},
		"/set delete AAPL,MSFT":    {Action: ActionSave, Name: "delete", Symbols: []string{"AAPL", "MSFT"}},
		"/set delete":              {Action: ActionShow, Name: "delete"},
	} {
		cmd, err := ParseCommand(text)
		require.NoError(t, err, text)
		require.Equal(t, want, *cmd.Set, text)
	}
	for _, text := range []string{"/portfolios extra", "/sets extra"} {
		_, err := ParseCommand(text)
		require.NoError(t, err, "arguments are ignored: %s", text)
	}
}
