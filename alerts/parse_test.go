package alerts

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
)

func TestParse_DesignFullForm(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, design)
	require.Equal(t, &Config{
		Ticker:    "AAPL",
		Timeframe: bars.H1,
		Rule: Node{Operator: OpAnd, Conditions: []Node{
			{Operator: OpGreater, Left: Operand{Indicator: "rsi", Period: 14, Source: FieldClose}, Right: Const(70)},
			{Operator: OpGreater, Left: Operand{Indicator: FieldClose}, Right: Const(150)},
		}},
		Rearm:     &Rearm{Type: RearmHysteresis, Threshold: 0.02, Cooldown: 300},
		Notify:    Notify{Channels: []string{"telegram"}, MessageTemplate: "Alert triggered for {ticker}"},
		Frequency: FrequencyOncePerBar,
	}, cfg)
	require.Equal(t, 15, cfg.MinBars())
	require.Equal(t, 15+70+1, cfg.Lookback(), "rsi(14) converges over 5 periods")
	require.Equal(t, 300*1e9, float64(cfg.CooldownDuration()))
}

func TestParse_ShortForm(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		doc      string
		rule     string
		lookback int
	}{
		{`{"symbol": "AAPL", "condition": "price_above", "threshold": 150.00, "notification_channels": ["telegram", "email"]}`, "close > 150", 2},
		{`{"symbol": "AAPL", "condition": "price_below", "threshold": 99.5}`, "close < 99.5", 2},
		{`{"symbol": "AAPL", "condition": "volume_spike", "threshold": 3}`, "volume_spike_ratio(20) > 3", 22},
		{`{"symbol": "AAPL", "condition": "volume_spike"}`, "volume_spike_ratio(20) > 2", 22},
		{`{"symbol": "AAPL", "condition": "rsi_oversold", "threshold": 25}`, "rsi(14) < 25", 86},
		{`{"symbol": "AAPL", "condition": "rsi_oversold"}`, "rsi(14) < 30", 86},
		{`{"symbol": "AAPL", "condition": "rsi_overbought", "threshold": 80}`, "rsi(14) > 80", 86},
		{`{"symbol": "AAPL", "condition": "rsi_overbought"}`, "rsi(14) > 70", 86},
	} {
		cfg := mustParse(t, tt.doc)
		require.Equal(t, tt.rule, cfg.Rule.String(), tt.doc)
		require.Equal(t, "AAPL", cfg.Ticker)
		require.Equal(t, bars.D1, cfg.Timeframe, "short form defaults to 1d")
		require.Nil(t, cfg.Rearm, "edge-triggered")
		require.Equal(t, FrequencyOncePerBar, cfg.Frequency)
		require.Equal(t, tt.lookback, cfg.Lookback(), tt.doc)
	}

	cfg := mustParse(t, `{"symbol": "AAPL", "condition": "price_above", "threshold": 150.00, "notification_channels": ["telegram", "email"]}`)
	require.Equal(t, []string{"telegram", "email"}, cfg.Notify.Channels)
	cfg = mustParse(t, `{"version": 1, "symbol": "BTC-USD", "timeframe": "4h", "condition": "rsi_oversold", "threshold": 30}`)
	require.Equal(t, []string{"telegram"}, cfg.Notify.Channels)
	require.Equal(t, bars.H4, cfg.Timeframe)

	// The short form evaluates like its long form.
	short := mustParse(t, `{"symbol": "AAPL", "condition": "price_above", "threshold": 150}`)
	long := mustParse(t, `{"ticker": "AAPL", "timeframe": "1d", "rule": {"indicator": "close", "operator": ">", "value": 150}}`)
	require.Equal(t, long, short)
	ev, err := short.Evaluate(flat(151))
	require.NoError(t, err)
	require.True(t, ev.Matched)
}

func TestParse_Errors(t *testing.T) {
	t.Parallel()
	rule := func(r string) string { return withRule(r) }
	for _, tt := range []struct {
		name string
		doc  string
		want []Problem
	}{
		{"InvalidJSON", `{"ticker": `, []Problem{{"", "invalid JSON: unexpected EOF"}}},
		{"Empty", ``, []Problem{{"", "invalid JSON: empty document"}}},
		{"Trailing", `{} {}`, []Problem{{"", "invalid JSON: unexpected data after the document at offset 4"}}},
		{"NotObject", `[1]`, []Problem{{"", "must be an object, got array"}}},
		{"MissingEverything", `{}`, []Problem{
			{"/rule", `missing required property "rule"`},
			{"/ticker", `missing required property "ticker"`},
			{"/timeframe", `missing required property "timeframe"`},
		}},
		{"MixedForms", `{"symbol": "AAPL", "ticker": "AAPL", "condition": "price_above", "threshold": 150}`,
			[]Problem{{"", "mixes the short form (symbol, condition, threshold) with the full form (ticker, timeframe, rule); use one"}}},
		{"Version", `{"version": 2, "symbol": "AAPL", "condition": "price_above", "threshold": 1}`, []Problem{{"/version", "must be between 1 and 1"}}},
		{"BadTimeframe", withRule(closeVs(">", 1))[:0] + `{"ticker": "AAPL", "timeframe": "2h", "rule": ` + closeVs(">", 1) + `}`,
			[]Problem{{"/timeframe", "must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"}}},
		{"LowercaseTicker", `{"ticker": "aapl", "timeframe": "1h", "rule": ` + closeVs(">", 1) + `}`,
			[]Problem{{"/ticker", "must be an uppercase ticker of 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC)"}}},
		{"TypoKey", withRule(closeVs(">", 1), `"notfy": {"channels": ["telegram"]}`),
			[]Problem{{"/notfy", `unknown property "notfy" (did you mean "notify"?)`}}},
		{"UnknownIndicator", rule(`{"indicator": "rsx", "operator": ">", "value": 1}`),
			[]Problem{{"/rule/indicator", `unknown indicator "rsx" (did you mean "rsi"?)`}}},
		{"UnknownIndicatorFar", rule(`{"indicator": "ichimoku", "operator": ">", "value": 1}`),
			[]Problem{{"/rule/indicator", `unknown indicator "ichimoku" (known: atr, bollinger, close, ema, high, highest, low, lowest, macd, open, price, roc, rsi, sma, stoch, volume, volume_avg, volume_spike_ratio, vwap, wma)`}}},
		{"UnknownOperator", rule(`{"indicator": "rsi", "operator": "=>", "value": 1}`),
			[]Problem{{"/rule/operator", `must be one of >, >=, <, <=, ==, !=, crosses_above, crosses_below, crosses, inside_channel, outside_channel, entering_channel, exiting_channel, change_pct, got "=>"`}}},
		{"BadGroupOperator", rule(`{"operator": "xor", "conditions": [` + closeVs(">", 1) + `]}`),
			[]Problem{{"/rule/operator", `must be one of and, or, not, got "xor"`}}},
		{"EmptyConditions", rule(`{"operator": "and", "conditions": []}`),
			[]Problem{{"/rule/conditions", "must have at least 1 item"}}},
		{"NotWithTwo", rule(`{"operator": "not", "conditions": [` + closeVs(">", 1) + `, {"indicator": "rsx", "operator": ">", "value": 1}]}`),
			[]Problem{
				{"/rule/conditions", "not takes exactly 1 condition, got 2"},
				{"/rule/conditions/1/indicator", `unknown indicator "rsx" (did you mean "rsi"?)`},
			}},
		{"NestedPath", rule(`{"operator": "and", "conditions": [` + closeVs(">", 1) + `, {"operator": "or", "conditions": [{"indicator": "sma", "period": 0, "operator": ">", "value": 1}]}]}`),
			[]Problem{{"/rule/conditions/1/conditions/0/period", "must be between 1 and 1000"}}},
		{"MissingValue", rule(`{"indicator": "close", "operator": ">"}`),
			[]Problem{{"/rule/value", `missing required property "value" (or right)`}}},
		{"ValueAndRight", rule(`{"indicator": "close", "operator": ">", "value": 1, "right": {"indicator": "sma"}}`),
			[]Problem{{"/rule/right", "give either value or right, not both"}}},
		{"ValueString", rule(`{"indicator": "close", "operator": ">", "value": "150"}`),
			[]Problem{{"/rule/value", "must be a number or an indicator object, got string"}}},
		{"HugeValue", rule(`{"indicator": "close", "operator": ">", "value": 1e400}`),
			[]Problem{{"/rule/value", "must be between -1e15 and 1e15"}}},
		{"ParamTwice", rule(`{"indicator": "sma", "period": 5, "params": {"period": 6}, "operator": ">", "value": 1}`),
			[]Problem{{"/rule/params/period", "is also given beside indicator"}}},
		{"ParamNotTaken", rule(`{"indicator": "atr", "source": "open", "operator": ">", "value": 1}`),
			[]Problem{{"/rule/source", `atr has no parameter "source" (it takes period, offset)`}}},
		{"UnknownParam", rule(`{"indicator": "sma", "params": {"length": 5}, "operator": ">", "value": 1}`),
			[]Problem{{"/rule/params/length", `unknown parameter "length" (known: period, fast, slow, signal, stddev, k_period, k_smooth, d_period, source, offset)`}}},
		{"FractionalPeriod", rule(`{"indicator": "sma", "period": 5.5, "operator": ">", "value": 1}`),
			[]Problem{{"/rule/period", "must be an integer"}}},
		{"BollingerNeedsOutput", rule(`{"indicator": "close", "operator": ">", "right": {"indicator": "bollinger"}}`),
			[]Problem{{"/rule/right/output", `missing required property "output": bollinger has outputs upper, middle, lower, percent_b, width`}}},
		{"BadOutput", rule(`{"indicator": "macd", "output": "hist", "operator": ">", "value": 0}`),
			[]Problem{{"/rule/output", `must be one of line, signal, histogram, got "hist"`}}},
		{"OutputOnSingle", rule(`{"indicator": "rsi", "output": "line", "operator": ">", "value": 0}`),
			[]Problem{{"/rule/output", "rsi has a single output"}}},
		{"MACDFastSlow", rule(`{"indicator": "macd", "fast": 30, "operator": ">", "value": 0}`),
			[]Problem{{"/rule/fast", "must be below slow (30 >= 26)"}}},
		{"OperandTypo", rule(`{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "perod": 5}}`),
			[]Problem{{"/rule/right/perod", `unknown property "perod" (did you mean "period"?)`}}},
		{"ChannelMissingBounds", rule(`{"indicator": "close", "operator": "inside_channel", "value": 3}`),
			[]Problem{
				{"/rule/lower", `missing required property "lower"`},
				{"/rule/upper", `missing required property "upper"`},
				{"/rule/value", "is not used by operator inside_channel"},
			}},
		{"ChannelReversed", rule(`{"indicator": "close", "operator": "inside_channel", "lower": 5, "upper": 4}`),
			[]Problem{{"/rule/lower", "must be <= upper (5 > 4)"}}},
		{"ChangePctMissing", rule(`{"indicator": "close", "operator": "change_pct", "right": {"indicator": "sma"}}`),
			[]Problem{
				{"/rule/bars", `missing required property "bars"`},
				{"/rule/direction", `missing required property "direction"`},
				{"/rule/right", "is not used by operator change_pct"},
				{"/rule/value", `missing required property "value"`},
			}},
		{"ChangePctBad", rule(`{"indicator": "close", "operator": "change_pct", "bars": 0, "direction": "sideways", "value": -3}`),
			[]Problem{
				{"/rule/bars", "must be between 1 and 1000"},
				{"/rule/direction", `must be one of up, down, got "sideways"`},
				{"/rule/value", "must be a percentage between 0 and 1000000"},
			}},
		{"RearmType", withRule(closeVs(">", 1), `"rearm": {"type": "sticky"}`),
			[]Problem{{"/rearm/type", `must be one of simple, hysteresis, cooldown, persistence, crossing, got "sticky"`}}},
		{"HysteresisNoThreshold", withRule(closeVs(">", 1), `"rearm": {"type": "hysteresis"}`),
			[]Problem{{"/rearm/threshold", `missing required property "threshold"`}}},
		{"HysteresisPercent", withRule(closeVs(">", 1), `"rearm": {"type": "hysteresis", "threshold": 2}`),
			[]Problem{{"/rearm/threshold", "must be >= 0 and < 1: a fraction of the level (0.02 = 2%)"}}},
		{"HysteresisOnChannel", withRule(`{"indicator": "close", "operator": "inside_channel", "lower": 1, "upper": 2}`, `"rearm": {"type": "hysteresis", "threshold": 0.1}`),
			[]Problem{{"/rule/operator", "hysteresis rearm needs the rule's first condition to be >, >=, <, <=, crosses_above, crosses_below or change_pct, not inside_channel"}}},
		{"CrossingOnChannel", withRule(`{"indicator": "close", "operator": "exiting_channel", "lower": 1, "upper": 2}`, `"rearm": {"type": "crossing"}`),
			[]Problem{{"/rule/operator", "crossing rearm needs the rule's first condition to compare with a level (a comparison, crossing or change_pct), not exiting_channel"}}},
		{"ThresholdNotHysteresis", withRule(closeVs(">", 1), `"rearm": {"type": "crossing", "threshold": 0.1, "bars": 2}`),
			[]Problem{
				{"/rearm/bars", "is not allowed with crossing rearm, which fires only on the evaluation where the side changes"},
				{"/rearm/threshold", "is only for hysteresis rearm"},
			}},
		{"CooldownMissing", withRule(closeVs(">", 1), `"rearm": {"type": "cooldown"}`),
			[]Problem{{"/rearm/cooldown", `missing required property "cooldown"`}}},
		{"CooldownZero", withRule(closeVs(">", 1), `"rearm": {"type": "cooldown", "cooldown": 0}`),
			[]Problem{{"/rearm/cooldown", "must be between 1 and 2592000"}}},
		{"PersistenceMissingBars", withRule(closeVs(">", 1), `"rearm": {"type": "persistence"}`),
			[]Problem{{"/rearm/bars", `missing required property "bars"`}}},
		{"Frequency", withRule(closeVs(">", 1), `"frequency": "always"`),
			[]Problem{{"/frequency", `must be one of once, once_per_bar, once_per_bar_close, every_time, got "always"`}}},
		{"ExpiresAt", withRule(closeVs(">", 1), `"expires_at": "tomorrow"`),
			[]Problem{{"/expires_at", "must be an RFC 3339 date-time like 2027-01-02T15:04:05Z"}}},
		{"UnknownPlaceholder", withRule(closeVs(">", 1), `"notify": {"channels": ["telegram"], "message_template": "{ticker} at {prize}"}`),
			[]Problem{{"/notify/message_template", "unknown placeholder {prize} (known: {ticker}, {timeframe}, {price}, {value}, {level}, {condition}, {triggered_at}; write {{ for a literal brace)"}}},
		{"Channels", withRule(closeVs(">", 1), `"notify": {"channels": ["sms", "telegram", "telegram"]}`),
			[]Problem{
				{"/notify/channels/0", `must be one of telegram, email, webhook, log, got "sms"`},
				{"/notify/channels/2", `duplicate channel "telegram"`},
			}},
		{"NotifyPriority", withRule(closeVs(">", 1), `"notify": {"priority": "critical"}`),
			[]Problem{{"/notify/priority", `must be one of normal, high, urgent, got "critical"`}}},
		{"ShortMissing", `{"symbol": "AAPL"}`, []Problem{{"/condition", `missing required property "condition"`}}},
		{"ShortNoThreshold", `{"symbol": "AAPL", "condition": "price_above"}`, []Problem{{"/threshold", `missing required property "threshold"`}}},
		{"ShortNegative", `{"symbol": "AAPL", "condition": "price_below", "threshold": -5}`, []Problem{{"/threshold", "must be > 0"}}},
		{"ShortRSIRange", `{"symbol": "AAPL", "condition": "rsi_overbought", "threshold": 170}`, []Problem{{"/threshold", "must be between 0 and 100"}}},
		{"ShortCondition", `{"symbol": "AAPL", "condition": "price_over", "threshold": 150}`,
			[]Problem{{"/condition", `must be one of price_above, price_below, volume_spike, rsi_oversold, rsi_overbought, got "price_over"`}}},
		{"ShortExtraKey", `{"symbol": "AAPL", "condition": "price_above", "threshold": 150, "rearm": {"type": "simple"}}`,
			[]Problem{{"/rearm", `unknown property "rearm"`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse([]byte(tt.doc))
			require.Nil(t, cfg)
			var perr *ParseError
			require.ErrorAs(t, err, &perr)
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.Equal(t, tt.want, perr.Problems)
			require.True(t, strings.HasPrefix(err.Error(), "invalid alert config: "))
		})
	}
}

func TestParseError_Error(t *testing.T) {
	t.Parallel()
	err := &ParseError{Problems: []Problem{{"", "must be an object, got array"}, {"/ticker", "bad"}}}
	require.Equal(t, "invalid alert config: must be an object, got array; /ticker: bad", err.Error())
	require.True(t, errors.Is(err, ErrInvalidConfig))
}

func TestParse_Forms(t *testing.T) {
	t.Parallel()

	// Parameters beside indicator or under params; price and a source alias.
	a := mustParse(t, withRule(`{"indicator": "price", "operator": "crosses_above", "right": {"indicator": "sma", "period": 50, "source": "price"}}`))
	b := mustParse(t, withRule(`{"indicator": "close", "operator": "crosses_above", "value": {"indicator": "sma", "params": {"period": 50.0}}}`))
	require.Equal(t, a, b)
	require.Equal(t, "close crosses_above sma(50)", a.Rule.String())
	require.Equal(t, 51, a.MinBars())

	cfg := mustParse(t, withRule(`{"indicator": "close", "operator": "inside_channel",
		"lower": {"indicator": "bollinger", "output": "lower"}, "upper": {"indicator": "bollinger", "output": "upper"}}`))
	require.Equal(t, "close inside_channel [bollinger(20,2).lower, bollinger(20,2).upper]", cfg.Rule.String())

	cfg = mustParse(t, withRule(`{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "up", "value": 3}`))
	require.Equal(t, "close rose >= 3% in 5 bars", cfg.Rule.String())
	cfg = mustParse(t, withRule(`{"operator": "or", "conditions": [{"operator": "not", "conditions": [`+closeVs(">", 1)+`]},
		{"operator": "and", "conditions": [`+closeVs("<", 5)+`, `+closeVs(">=", 2)+`]}]}`))
	require.Equal(t, "not (close > 1) or (close < 5 and close >= 2)", cfg.Rule.String())

	cfg = mustParse(t, withRule(closeVs(">", 1), `"expires_at": "2027-03-01T12:00:00.5-05:00"`, `"frequency": "every_time"`))
	require.Equal(t, "2027-03-01T17:00:00.5Z", cfg.ExpiresAt.Format("2006-01-02T15:04:05.999Z07:00"))
	require.Equal(t, FrequencyEveryTime, cfg.Frequency)
}

// Marshalling a Config gives full-form JSON that parses back to the same
// Config.
func TestConfig_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	docs := []string{
		design,
		`{"symbol": "AAPL", "condition": "volume_spike"}`,
		withRule(`{"operator": "or", "conditions": [{"operator": "not", "conditions": [{"indicator": "macd", "output": "signal", "operator": "crosses", "right": {"indicator": "ema", "period": 3, "offset": 2}}]},
			{"indicator": "close", "operator": "entering_channel", "lower": {"indicator": "bollinger", "output": "lower", "stddev": 1.5}, "upper": 300},
			{"indicator": "stoch", "operator": "change_pct", "bars": 3, "direction": "down", "value": 2.5}]}`,
			`"rearm": {"type": "persistence", "bars": 2, "cooldown": 60}`, `"frequency": "once"`, `"expires_at": "2030-01-01T00:00:00Z"`,
			`"notify": {"channels": ["webhook", "email"], "message_template": "{{{ticker}}} {value}"}`),
		withRule(closeVs("<", -0.000001), `"rearm": {"type": "hysteresis", "threshold": 0}`),
	}
	for _, doc := range docs {
		cfg := mustParse(t, doc)
		data, err := json.Marshal(cfg)
		require.NoError(t, err)
		again, err := Parse(data)
		require.NoError(t, err, string(data))
		require.Equal(t, cfg, again, string(data))
	}
}

// The alert schema's examples agree with Parse: valid ones parse, invalid
// ones do not.
func TestParse_SchemaExamples(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"valid", "invalid"} {
		paths, err := filepath.Glob(filepath.Join("..", "schemas", "examples", "alert", dir, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, paths)
		for _, path := range paths {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			cfg, err := Parse(data)
			if dir == "valid" {
				require.NoError(t, err, path)
				series := walk(cfg.Lookback(), 5)
				frames := map[bars.Timeframe]bars.Series{}
				for _, tf := range cfg.Timeframes() {
					// LookbackFor bars of tf, the last closing with series.
					k := cfg.LookbackFor(tf)
					s := walk(k, 6)
					end := series[len(series)-1].Time.Add(cfg.Timeframe.Duration())
					for i := range s {
						s[i].Time = end.Add(-time.Duration(k-i) * tf.Duration())
					}
					frames[tf] = s
				}
				_, err = cfg.EvaluateWith(Input{Series: series, Frames: frames})
				require.NoError(t, err, path)
			} else {
				require.Error(t, err, path)
			}
		}
	}
}

// An alert that names no channel is marked Default (its owner's alert
// preference decides at delivery); named channels are not; notify.priority
// is carried, high by default; all of it survives a round trip.
func TestParse_NotifyDefaultAndPriority(t *testing.T) {
	t.Parallel()
	cases := []struct {
		doc      string
		def      bool
		priority string
	}{
		{`{"symbol": "AAPL", "condition": "volume_spike"}`, true, "high"},
		{`{"symbol": "AAPL", "condition": "volume_spike", "notification_channels": ["telegram"]}`, false, "high"},
		{withRule(closeVs(">", 1)), true, "high"},
		{withRule(closeVs(">", 1), `"notify": {"priority": "urgent"}`), true, "urgent"},
		{withRule(closeVs(">", 1), `"notify": {"channels": ["email"], "priority": "normal"}`), false, "normal"},
	}
	for _, c := range cases {
		cfg := mustParse(t, c.doc)
		require.Equal(t, c.def, cfg.Notify.Default, c.doc)
		require.Equal(t, c.priority, cfg.Notify.NotificationPriority(), c.doc)
		require.NotEmpty(t, cfg.Notify.Channels, c.doc)
		data, err := json.Marshal(cfg)
		require.NoError(t, err)
		again, err := Parse(data)
		require.NoError(t, err, string(data))
		require.Equal(t, cfg, again, string(data))
	}
}
