package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/notify/channels"
)

// ErrUsage marks a command the bot could not understand; the *UsageError
// that wraps it says what was wrong and shows the right form.
var ErrUsage = errors.New("bad command")

// UsageError is a command with bad input: Problem says what was wrong and
// Usage shows the right form.
type UsageError struct {
	// Command is the command's name without the slash, "" for text that is
	// not a command.
	Command string
	// Problem says what was wrong, e.g. `"15x" is not a number`.
	Problem string
	// Usage is the right form with an example.
	Usage string
}

// Error returns the problem and the right form, as the bot replies it.
func (e *UsageError) Error() string {
	if e.Usage == "" {
		return e.Problem
	}
	return e.Problem + "\n\nUsage:\n" + e.Usage
}

// Unwrap returns ErrUsage.
func (e *UsageError) Unwrap() error { return ErrUsage }

// Command is a parsed bot command.
type Command struct {
	// Name is the command without the slash and bot name: "alert".
	Name string
	// Args is the text after the command, trimmed.
	Args string
	// ID is the schedule or user id of /pause, /resume, /delete, /next,
	// /approve and /block, and the run id of /why.
	ID int64
	// Code is the invite code of /verify.
	Code string
	// Zone is the time zone of /timezone and, optionally, /schedule.
	Zone string
	// Alert is the alert of /alert.
	Alert *AlertSpec
	// Schedule is the schedule of /schedule.
	Schedule *ScheduleSpec
	// Report is the report of /report.
	Report *ReportSpec
	// Screener is the screener of /screener.
	Screener *ScreenerSpec
	// Portfolio is what /portfolio asks for.
	Portfolio *PortfolioSpec
	// Set is what /set asks for.
	Set *SetSpec
	// Backtest is the backtest of /backtest.
	Backtest *StrategyBacktestSpec
	// TradingBot is what a trading bot command asks for.
	TradingBot *TradingBotSpec
	// Email is what /email asks for.
	Email *EmailSpec
	// Notify is what /notify asks for.
	Notify *NotifySpec
	// Quiet is the window /quiet sets ("22:00-07:00"; "" turns quiet hours off).
	Quiet *string
}

// EmailSpec is what /email asks for.
type EmailSpec struct {
	// Action is "show" (no arguments), "set", "confirm" or "remove".
	Action string
	// Address is the address of "set"; Code the code of "confirm".
	Address, Code string
}

// AlertSpec is an alert as /alert describes it.
type AlertSpec struct {
	// Ticker is the upper-cased symbol.
	Ticker string
	// Timeframe is the bar size, 1d when not given.
	Timeframe string
	// TaskParams is the design's full alert config.
	TaskParams []byte
	// Summary is the alert in the bot's syntax, normalised: "AAPL close > 150 1d".
	Summary string
	// Cron is the default cron of Timeframe, in UTC.
	Cron string
	// Test is set by a trailing "test" word: backtest the alert instead of
	// creating it.
	Test bool
}

// ScheduleSpec is a schedule as /schedule describes it.
type ScheduleSpec struct {
	// JobType is the job type, "report" or "screener".
	JobType string
	// ReportType is the report_type of a report, or the screener_set of a
	// screener.
	ReportType string
	// TaskParams is the task_params document.
	TaskParams []byte
	// Cron is the cron expression.
	Cron string
	// Zone is the IANA time zone, "" for the user's.
	Zone string
}

// DefaultTimeframe is the timeframe of an /alert that names none.
const DefaultTimeframe = "1d"

// defaultCrons maps each timeframe to the cron (in UTC) its alerts are
// checked on: once per bar, daily and weekly ones after the US close.
var defaultCrons = map[string]string{
	"1m":  "* * * * *",
	"5m":  "*/5 * * * *",
	"15m": "*/15 * * * *",
	"30m": "*/30 * * * *",
	"1h":  "0 * * * *",
	"4h":  "0 */4 * * *",
	"1d":  "0 21 * * 1-5",
	"1w":  "0 21 * * 5",
}

// DefaultCron returns the cron (UTC) an alert of timeframe is checked on,
// and whether timeframe is known.
func DefaultCron(timeframe string) (string, bool) {
	c, ok := defaultCrons[timeframe]
	return c, ok
}

const timeframes = "1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"

// Usage lines, shown in /help and with every bad-input reply.
var usages = map[string]string{
	"start":     "/start — register with the bot",
	"help":      "/help [COMMAND] — list the commands, or one command's full form: /help alert",
	"verify":    "/verify CODE — verify with a one-time invite code from an admin, e.g. /verify 7K3M-Q9XP-2HRT",
	"alert":     "/alert TICKER [OPERAND] OPERATOR VALUE|OPERAND [TIMEFRAME] [via CHANNELS]\n  /alert AAPL > 150 1d via telegram,email\n  /alert BTCUSDT rsi(14) < 30 1h\n  /alert MSFT close crosses_above sma(50) 1d\n  /alert AAPL close > sma(200,1d) 1h\nOperators: > >= < <= == != crosses_above crosses_below crosses\nOperands: open high low close price volume, sma(N) ema(N) wma(N) rsi(N) roc(N) atr(N) vwap(N) highest(N) lowest(N) volume_avg(N) volume_spike_ratio(N), macd(F,S,SIG)[.signal|.histogram], bollinger(N,K).upper|.middle|.lower|.percent_b|.width, stoch(K,S,D)[.d]; a last argument that is a timeframe computes the operand on that longer timeframe's closed bars: sma(200,1d), close(1w)\nTimeframes: " + timeframes + " (default 1d) (via: telegram (default), email, webhook)\nEnd with test to backtest it over the last 90 days instead of creating it: /alert AAPL > 150 test",
	"alerttest": "/alerttest ID — backtest one of your alerts over the last 90 days: how often it would have fired, with a chart, e.g. /alerttest 12",
	"alerts":    "/alerts — list your alerts with ids and state",
	"pause":     "/pause ID — pause one of your schedules, e.g. /pause 12",
	"resume":    "/resume ID — resume a paused schedule, e.g. /resume 12",
	"delete":    "/delete ID — delete one of your schedules, e.g. /delete 12",
	"schedule":  "/schedule report REPORT_TYPE \"CRON\" [TIMEZONE]\n/schedule screener SET \"CRON\" [TIMEZONE]\n  /schedule report daily_summary \"0 9 * * 1-5\" America/New_York\n  /schedule screener sp500 \"30 16 * * 1-5\" America/New_York\nReport types: daily_summary, portfolio_analysis, performance_report. Screener sets: sp500, nasdaq100, custom:NAME",
	"schedules": "/schedules — list all your schedules",
	"next":      "/next ID — the next fire times of a schedule, e.g. /next 12",
	"runs":      "/runs — your recent runs with their status",
	"why":       "/why RUN_ID — why an alert run fired or did not: each condition with its values, the re-arm state before and after; alert messages end with it, e.g. /why 123",
	"report": "/report TYPE [TICKERS...] [TIMEFRAME] [charts] — run a report now; the result arrives here\n  /report daily AAPL MSFT charts\n  /report portfolio NAME\n  /report performance AAPL SPY 1w\n  /report performance portfolio NAME\n" +
		"Types: daily (daily_summary), portfolio (portfolio_analysis), performance (performance_report). Timeframes: " + timeframes + " (default 1d)",
	"screener": "/screener SET [top N] [CRITERIA...] — run a screener now; the result arrives here\n  /screener sp500 top 5\n  /screener sp500 pe<25 cap>10B vol>1M\n  /screener tech top 3\n  /screener AAPL,MSFT,NVDA top 2\n" +
		"Sets: sp500, nasdaq, nasdaq100, one of your /sets, or tickers with commas. Criteria: pe<N (highest P/E), cap>N (lowest market cap), vol>N (lowest average volume); N may end in K, M, B or T",
	"portfolios": "/portfolios — list your portfolios",
	"portfolio":  "/portfolio NAME — show a portfolio's holdings\n/portfolio add NAME SYMBOL QTY PRICE — add or update a holding (creates the portfolio)\n/portfolio remove NAME SYMBOL — remove a holding\n/portfolio delete NAME — delete a portfolio\n  /portfolio add main AAPL 10 150.25",
	"sets":       "/sets — list your screener sets",
	"set":        "/set NAME TICKER,TICKER,... — save a screener set (replaces it); /set NAME shows it; /set delete NAME deletes it\n  /set tech AAPL,MSFT,NVDA",
	"backtest":   "/backtest STRATEGY TICKER [FROM] [TO] — backtest a trading strategy on daily bars (10,000 cash, no fees, the strategy's default parameters); the reply is its figures and equity chart\n  /backtest sma_cross AAPL\n  /backtest rsi_reversion MSFT 2025-01-01 2026-01-01\nStrategies: sma_cross, rsi_reversion. Dates: YYYY-MM-DD or RFC 3339, the range [FROM, TO); by default the last year",
	"timezone":   "/timezone ZONE — set your time zone, e.g. /timezone Europe/Berlin",
	"email":      "/email ADDRESS — get email too (I mail a code to confirm it: /email confirm CODE); /email shows it, /email remove removes it",
	"notify":     "/notify — how each notification type reaches you\n/notify TYPE on|silent|off [CHANNELS] — choose: /notify report silent email, /notify screener off, /notify alert on telegram,email\n/notify TYPE default — back to the default (on, every channel)\nTypes: alert, report, screener, system, trade. Channels: telegram, email, webhook (none: every channel you have an address on). silent: Telegram without a sound",
	"quiet":      "/quiet HH:MM-HH:MM — hold messages during these hours of your time zone (urgent alerts still come): /quiet 22:00-07:00; /quiet shows them; /quiet off ends them",
	"status":     "/status — your account, schedules and runs",
	"approve":    "/approve USER_ID — (admins) verify a pending user",
	"block":      "/block USER_ID — (admins) block a user",
	"incidents":  "/incidents — (admins) open incidents of the service and the latest resolved ones",
}

// commandOrder is the order of /help and setMyCommands.
var commandOrder = []string{"start", "help", "verify", "alert", "alerttest", "alerts", "pause", "resume", "delete",
	"schedule", "schedules", "next", "runs", "why", "report", "screener", "portfolios", "portfolio", "sets", "set",
	"backtest", "timezone", "email", "notify", "quiet", "status", "approve", "block", "incidents"}

// descriptions are the short texts registered with setMyCommands.
var descriptions = map[string]string{
	"start":      "Register with the bot",
	"help":       "List the commands",
	"verify":     "Verify with an invite code",
	"alert":      "Create an alert: /alert AAPL > 150",
	"alerttest":  "Backtest an alert: /alerttest ID",
	"alerts":     "List your alerts",
	"pause":      "Pause a schedule: /pause ID",
	"resume":     "Resume a schedule: /resume ID",
	"delete":     "Delete a schedule: /delete ID",
	"schedule":   "Schedule a report",
	"schedules":  "List your schedules",
	"next":       "Next fire times: /next ID",
	"runs":       "Your recent runs",
	"why":        "Why an alert fired or not: /why RUN_ID",
	"report":     "Run a report now: /report daily AAPL",
	"screener":   "Run a screener now: /screener sp500 top 5",
	"portfolios": "List your portfolios",
	"portfolio":  "Show or edit a portfolio",
	"sets":       "List your screener sets",
	"set":        "Save a screener set: /set tech AAPL,MSFT",
	"backtest":   "Backtest a strategy: /backtest sma_cross AAPL",
	"timezone":   "Set your time zone",
	"email":      "Email notifications: /email ann@example.com",
	"notify":     "Which notifications, where: /notify report silent",
	"quiet":      "Quiet hours: /quiet 22:00-07:00",
	"status":     "Your account and schedules",
	"approve":    "Admins: verify a user",
	"block":      "Admins: block a user",
	"incidents":  "Admins: open incidents",
}

func usage(name, problem string) *UsageError {
	return &UsageError{Command: name, Problem: problem, Usage: usages[name]}
}

// ParseCommand parses a message text such as "/alert@vigil_bot AAPL > 150"
// into a Command, with the arguments each command takes. Errors are
// *UsageError values that say what was wrong and show the right form.
func ParseCommand(text string) (Command, error) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return Command{}, &UsageError{Problem: "I only understand commands. Send /help to see them."}
	}
	head, args, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		args = head[i+1:] + " " + args
		head = head[:i]
	}
	name, _, _ := strings.Cut(head, "@")
	name = strings.ToLower(name)
	cmd := Command{Name: name, Args: strings.TrimSpace(args)}
	if _, ok := usages[name]; !ok {
		shown := name
		if utf8.RuneCountInString(shown) > 32 || !utf8.ValidString(shown) {
			shown = "that"
		}
		return cmd, &UsageError{Problem: fmt.Sprintf("Unknown command /%s. Send /help to see the commands.", shown)}
	}
	fields := strings.Fields(cmd.Args)
	switch name {
	case "start", "help", "alerts", "schedules", "runs", "status", "portfolios", "sets", "incidents":
		// Arguments are ignored.
	case "verify":
		if len(fields) != 1 {
			return cmd, usage(name, "Send the invite code after /verify.")
		}
		cmd.Code = fields[0]
	case "pause", "resume", "delete", "next", "approve", "block", "alerttest", "why":
		if len(fields) != 1 {
			return cmd, usage(name, fmt.Sprintf("/%s takes one id.", name))
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(fields[0], "#"), 10, 32)
		if err != nil || id <= 0 {
			where := "/schedules"
			if name == "why" {
				where = "/runs"
			}
			return cmd, usage(name, fmt.Sprintf("%q is not an id: ids are positive whole numbers, as %s shows them.", clip(fields[0]), where))
		}
		cmd.ID = id
	case "timezone":
		if len(fields) != 1 {
			return cmd, usage(name, "Send one IANA time zone name after /timezone.")
		}
		cmd.Zone = fields[0]
	case "alert":
		spec, err := parseAlert(cmd.Args)
		if err != nil {
			return cmd, err
		}
		cmd.Alert = spec
	case "schedule":
		spec, err := parseSchedule(cmd.Args)
		if err != nil {
			return cmd, err
		}
		cmd.Schedule = spec
		cmd.Zone = spec.Zone
	case "report":
		spec, err := parseReport(cmd.Args)
		if err != nil {
			return cmd, err
		}
		cmd.Report = spec
	case "screener":
		spec, err := parseScreener(cmd.Args)
		if err != nil {
			return cmd, err
		}
		cmd.Screener = spec
	case "portfolio":
		spec, err := parsePortfolio(cmd.Args)
		if err != nil {
			return cmd, err
		}
		cmd.Portfolio = spec
	case "set":
		spec, err := parseSet(cmd.Args)
		if err != nil {
			return cmd, err
		}
		cmd.Set = spec
	case "backtest":
		spec, err := parseStrategyBacktest(cmd.Args)
		if err != nil {
			return cmd, err
		}
		cmd.Backtest = spec
	case "bots", "bot", "profit", "balance", "trades", "forceexit", "stopentry", "startbot", "stopbot":
		spec, err := parseTradingBot(name, fields)
		if err != nil {
			return cmd, err
		}
		cmd.TradingBot = spec
	case "email":
		spec, err := parseEmail(fields)
		if err != nil {
			return cmd, err
		}
		cmd.Email = spec
	case "notify":
		spec, err := parseNotify(fields)
		if err != nil {
			return cmd, err
		}
		cmd.Notify = spec
	case "quiet":
		window, err := parseQuiet(fields)
		if err != nil {
			return cmd, err
		}
		cmd.Quiet = window
	}
	return cmd, nil
}

// parseEmail reads the arguments of /email.
func parseEmail(fields []string) (*EmailSpec, error) {
	switch {
	case len(fields) == 0:
		return &EmailSpec{Action: "show"}, nil
	case strings.EqualFold(fields[0], "confirm"):
		if len(fields) != 2 {
			return nil, usage("email", "Send the code of the confirmation mail after /email confirm.")
		}
		return &EmailSpec{Action: "confirm", Code: fields[1]}, nil
	case len(fields) == 1 && strings.EqualFold(fields[0], "remove"):
		return &EmailSpec{Action: "remove"}, nil
	case len(fields) == 1:
		return &EmailSpec{Action: "set", Address: fields[0]}, nil
	}
	return nil, usage("email", "/email takes one address, like /email ann@example.com.")
}

// clip shortens user text quoted in a reply.
func clip(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// ParseAlert turns the arguments of /alert ("AAPL > 150", "BTCUSDT rsi(14)
// < 30 1h", "MSFT close crosses_above sma(50) 1d") into the design's full
// alert config, checked with alerts.Parse, and its timeframe.
func ParseAlert(args string) (taskParams []byte, timeframe string, err error) {
	spec, err := parseAlert(args)
	if err != nil {
		return nil, "", err
	}
	return spec.TaskParams, spec.Timeframe, nil
}

var comparisons = map[string]bool{
	alerts.OpGreater: true, alerts.OpGreaterOrEqual: true, alerts.OpLess: true, alerts.OpLessOrEqual: true,
	alerts.OpEqual: true, alerts.OpNotEqual: true,
	alerts.OpCrossesAbove: true, alerts.OpCrossesBelow: true, alerts.OpCrosses: true,
}

func parseAlert(args string) (*AlertSpec, error) {
	joined, balanced := joinParens(args)
	if !balanced {
		return nil, usage("alert", "A parenthesis is not closed.")
	}
	fields := strings.Fields(joined)
	test := len(fields) > 1 && strings.EqualFold(fields[len(fields)-1], "test")
	if test {
		fields = fields[:len(fields)-1]
	}
	chans := []string{channels.Telegram}
	via := ""
	if n := len(fields); n >= 2 && strings.EqualFold(fields[n-2], "via") {
		var err error
		if chans, err = parseVia(fields[n-1]); err != nil {
			return nil, err
		}
		via = " via " + strings.Join(chans, ",")
		fields = fields[:n-2]
	}
	if len(fields) < 3 {
		return nil, usage("alert", "An alert needs a ticker, an operator and a value.")
	}
	ticker := strings.ToUpper(fields[0])
	if !validTicker(ticker) {
		return nil, usage("alert", fmt.Sprintf("%q is not a ticker: use 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC).", clip(fields[0])))
	}
	rest := fields[1:]
	left := map[string]any{"indicator": alerts.FieldClose}
	leftText := alerts.FieldClose
	if !comparisons[strings.ToLower(rest[0])] {
		op, err := parseOperand(rest[0])
		if err != nil {
			return nil, err
		}
		left, leftText = op, strings.ToLower(rest[0])
		rest = rest[1:]
	}
	if len(rest) < 2 {
		return nil, usage("alert", "An alert needs an operator and a value after the ticker.")
	}
	op := strings.ToLower(rest[0])
	if !comparisons[op] {
		return nil, usage("alert", fmt.Sprintf("Unknown operator %q.", clip(rest[0])))
	}
	rule := map[string]any{"operator": op}
	for k, v := range left {
		rule[k] = v
	}
	rightText := rest[1]
	if n, err := strconv.ParseFloat(rightText, 64); err == nil {
		if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 1e15 {
			return nil, usage("alert", fmt.Sprintf("%q is not a usable number.", clip(rightText)))
		}
		rule["value"] = n
		rightText = strconv.FormatFloat(n, 'f', -1, 64)
	} else if looksNumeric(rightText) {
		return nil, usage("alert", fmt.Sprintf("%q is not a number.", clip(rightText)))
	} else {
		right, err := parseOperand(rightText)
		if err != nil {
			return nil, err
		}
		rule["right"] = right
		rightText = strings.ToLower(rightText)
	}
	timeframe := DefaultTimeframe
	switch len(rest) {
	case 2:
	case 3:
		timeframe = strings.ToLower(rest[2])
	default:
		return nil, usage("alert", fmt.Sprintf("Unexpected %q after the timeframe.", clip(strings.Join(rest[3:], " "))))
	}
	cron, ok := DefaultCron(timeframe)
	if !ok {
		return nil, usage("alert", fmt.Sprintf("Unknown timeframe %q: use one of %s.", clip(rest[2]), timeframes))
	}
	for _, side := range []struct {
		op   any
		text string
	}{{left, leftText}, {rule["right"], rightText}} {
		if op, ok := side.op.(map[string]any); ok {
			if problem := operandTimeframeProblem(op, side.text, timeframe); problem != "" {
				return nil, usage("alert", problem)
			}
		}
	}
	cfg := map[string]any{
		"ticker":    ticker,
		"timeframe": timeframe,
		"rule":      rule,
		"notify":    map[string]any{"channels": chans},
	}
	params, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode alert config: %w", err)
	}
	if _, err := alerts.Parse(params); err != nil {
		return nil, usage("alert", "That alert is not valid: "+alertProblem(err))
	}
	return &AlertSpec{
		Ticker:     ticker,
		Timeframe:  timeframe,
		TaskParams: params,
		Summary:    fmt.Sprintf("%s %s %s %s %s%s", ticker, leftText, op, rightText, timeframe, via),
		Cron:       cron,
		Test:       test,
	}, nil
}

// operandTimeframeProblem says what is wrong with an operand's own
// timeframe in an alert of timeframe: only the alert's or a longer one is
// allowed. "" when it is fine.
func operandTimeframeProblem(op map[string]any, text, timeframe string) string {
	own, _ := op["timeframe"].(string)
	alert, err := bars.ParseTimeframe(timeframe)
	if own == "" || err != nil {
		return ""
	}
	tf, _ := bars.ParseTimeframe(own)
	if tf.Duration() >= alert.Duration() {
		return ""
	}
	example := "sma(200,1d) in a 1h alert"
	if alert.Duration() >= bars.D1.Duration() {
		example = "sma(50,1w) in a 1d alert"
	}
	return fmt.Sprintf("%s reads %s bars, shorter than the alert's %s: an operand may use the alert's timeframe or a longer one, e.g. %s.",
		clip(text), tf, alert, example)
}

// parseVia reads the channels after /alert's "via": telegram, email
// and/or webhook, comma-separated.
func parseVia(list string) ([]string, error) { return parseChannels("alert", "after via", list) }

// parseChannels reads a comma-separated channel list of command name
// (where says where it stands, for the reply).
func parseChannels(name, where, list string) ([]string, error) {
	var out []string
	for _, ch := range strings.Split(strings.ToLower(list), ",") {
		switch {
		case ch == "":
			continue
		case !slices.Contains(channels.User(), ch):
			return nil, usage(name, fmt.Sprintf("Unknown channel %q %s: use %s, comma-separated.", clip(ch), where, strings.Join(channels.User(), ", ")))
		case slices.Contains(out, ch):
			return nil, usage(name, fmt.Sprintf("Channel %q is named twice %s.", ch, where))
		}
		out = append(out, ch)
	}
	if len(out) == 0 {
		return nil, usage(name, "Name a channel "+where+": "+strings.Join(channels.User(), ", ")+".")
	}
	return out, nil
}

// alertProblem renders an alerts.Parse error for a chat reply.
func alertProblem(err error) string {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return strings.ToValidUTF8(msg, "?")
}

// joinParens removes white space inside parentheses, so "sma( 50, 2 )"
// stays one field, and reports whether every parenthesis was closed.
func joinParens(s string) (string, bool) {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')':
			if depth > 0 {
				depth--
			}
		case depth > 0 && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), depth == 0
}

func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')
}

func validTicker(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	for i, r := range s {
		ok := (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '^'
		if i > 0 {
			ok = ok || r == '.' || r == '-' || r == '='
		}
		if !ok {
			return false
		}
	}
	return true
}

// indicatorParams names the positional arguments of each operand.
var indicatorParams = map[string][]string{
	"open": nil, "high": nil, "low": nil, "close": nil, "price": nil, "volume": nil,
	"sma": {"period"}, "ema": {"period"}, "wma": {"period"}, "rsi": {"period"}, "roc": {"period"},
	"atr": {"period"}, "vwap": {"period"}, "highest": {"period"}, "lowest": {"period"},
	"volume_avg": {"period"}, "volume_spike_ratio": {"period"},
	"macd":      {"fast", "slow", "signal"},
	"bollinger": {"period", "stddev"},
	"stoch":     {"k_period", "k_smooth", "d_period"},
}

// parseOperand parses "close", "sma(50)", "macd(12,26,9).signal",
// "bollinger(20,2).upper", "sma(200,1d)" or "close(1w)" (on a longer
// timeframe's bars) into an alert operand object.
func parseOperand(s string) (map[string]any, error) {
	text := strings.ToLower(s)
	output := ""
	if i := strings.LastIndex(text, "."); i >= 0 && i > strings.LastIndex(text, ")") {
		text, output = text[:i], text[i+1:]
	}
	name, argText, hasArgs := strings.Cut(text, "(")
	names, ok := indicatorParams[name]
	if !ok && strings.Trim(s, "<>=!") == "" {
		return nil, usage("alert", fmt.Sprintf("Unknown operator %q.", clip(s)))
	}
	if !ok {
		return nil, usage("alert", fmt.Sprintf("Unknown operator or operand %q.", clip(s)))
	}
	op := map[string]any{"indicator": name}
	if output != "" {
		op["output"] = output
	}
	if hasArgs {
		if !strings.HasSuffix(argText, ")") {
			return nil, usage("alert", fmt.Sprintf("%q is missing a closing parenthesis.", clip(s)))
		}
		argText = strings.TrimSuffix(argText, ")")
		var args []string
		if argText != "" {
			args = strings.Split(argText, ",")
		}
		// A last argument that is a timeframe is the operand's own:
		// sma(200,1d), close(1w).
		if k := len(args); k > 0 {
			if tf, err := bars.ParseTimeframe(args[k-1]); err == nil {
				op["timeframe"] = string(tf)
				args = args[:k-1]
			}
		}
		if len(args) > len(names) {
			return nil, usage("alert", fmt.Sprintf("%s takes at most %d argument(s): %s.", name, len(names), strings.Join(names, ", ")))
		}
		for i, a := range args {
			n, err := strconv.ParseFloat(a, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, usage("alert", fmt.Sprintf("%q in %s is not a number.", clip(a), clip(s)))
			}
			if names[i] != "stddev" {
				if n != math.Trunc(n) || n < 1 || n > 10000 {
					return nil, usage("alert", fmt.Sprintf("%s of %s must be a whole number from 1 to 10000, not %s.", names[i], name, clip(a)))
				}
				op[names[i]] = int(n)
			} else {
				op[names[i]] = n
			}
		}
	}
	return op, nil
}

var reportTypes = map[string]bool{"daily_summary": true, "portfolio_analysis": true, "performance_report": true}

// parseSchedule parses `report daily_summary "0 9 * * 1-5" America/New_York`
// and `screener sp500 "30 16 * * 1-5"`.
func parseSchedule(args string) (*ScheduleSpec, error) {
	before, quoted, after, problem := splitQuoted(args)
	if problem != "" {
		return nil, usage("schedule", problem)
	}
	head := strings.Fields(before)
	if len(head) != 2 {
		return nil, usage("schedule", "Give the job type and the report type or screener set before the cron expression.")
	}
	jobType, reportType := strings.ToLower(head[0]), strings.ToLower(head[1])
	switch jobType {
	case "report":
		if !reportTypes[reportType] {
			return nil, usage("schedule", fmt.Sprintf("Unknown report type %q.", clip(head[1])))
		}
	case "screener":
		reportType = head[1] // custom:NAME keeps its case
	default:
		return nil, usage("schedule", fmt.Sprintf("Unknown job type %q: the bot schedules reports and screeners; use the API for other jobs.", clip(head[0])))
	}
	if strings.TrimSpace(quoted) == "" {
		return nil, usage("schedule", "The cron expression is empty.")
	}
	tail := strings.Fields(after)
	if len(tail) > 1 {
		return nil, usage("schedule", "Give at most one time zone after the cron expression.")
	}
	spec := &ScheduleSpec{JobType: jobType, ReportType: reportType, Cron: strings.Join(strings.Fields(quoted), " ")}
	if len(tail) == 1 {
		spec.Zone = tail[0]
	}
	params := map[string]any{"report_type": reportType}
	if jobType == "screener" {
		params = map[string]any{"screener_set": reportType, "filter_criteria": map[string]any{}}
	}
	var err error
	spec.TaskParams, err = json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encode %s params: %w", jobType, err)
	}
	return spec, nil
}

// splitQuoted splits s around its first double-quoted part, or says what
// is wrong; curly quotes, as
// phone keyboards type them, count too.
func splitQuoted(s string) (before, quoted, after, problem string) {
	s = strings.NewReplacer("“", `"`, "”", `"`, "„", `"`).Replace(s)
	i := strings.Index(s, `"`)
	if i < 0 {
		return "", "", "", "Put the cron expression in double quotes."
	}
	j := strings.Index(s[i+1:], `"`)
	if j < 0 {
		return "", "", "", "The cron expression's closing quote is missing."
	}
	return s[:i], s[i+1 : i+1+j], s[i+2+j:], ""
}
