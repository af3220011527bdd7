package alerts

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
)

func TestEvaluate_Conditions(t *testing.T) {
	t.Parallel()

	channel := func(op string) string {
		return fmt.Sprintf(`{"indicator": "close", "operator": %q, "lower": 100, "upper": 110}`, op)
	}
	change := func(dir string, pct float64) string {
		return fmt.Sprintf(`{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": %q, "value": %v}`, dir, pct)
	}
	for _, tt := range []struct {
		name   string
		rule   string
		closes []float64
		want   bool
	}{
		{"GreaterAbove", closeVs(">", 150), []float64{151}, true},
		{"GreaterAtLevel", closeVs(">", 150), []float64{150}, false},
		{"GreaterOrEqualAtLevel", closeVs(">=", 150), []float64{150}, true},
		{"GreaterOrEqualBelow", closeVs(">=", 150), []float64{149.99}, false},
		{"LessBelow", closeVs("<", 150), []float64{149}, true},
		{"LessAtLevel", closeVs("<", 150), []float64{150}, false},
		{"LessOrEqualAtLevel", closeVs("<=", 150), []float64{150}, true},
		{"EqualAtLevel", closeVs("==", 150), []float64{150}, true},
		{"EqualWithinRounding", closeVs("==", 0.3), []float64{0.1 + 0.2}, true},
		{"EqualOff", closeVs("==", 150), []float64{150.01}, false},
		{"NotEqual", closeVs("!=", 150), []float64{150.01}, true},
		{"NotEqualAtLevel", closeVs("!=", 150), []float64{150}, false},
		{"GreaterWithinRoundingIsNotAbove", closeVs(">", 0.3), []float64{0.1 + 0.2}, false},

		{"CrossesAbove", closeVs("crosses_above", 100), []float64{99, 101}, true},
		{"CrossesAboveFromLevel", closeVs("crosses_above", 100), []float64{100, 101}, true},
		{"CrossesAboveToLevel", closeVs("crosses_above", 100), []float64{99, 100}, false},
		{"CrossesAboveStaysAbove", closeVs("crosses_above", 100), []float64{101, 102}, false},
		{"CrossesAboveGoingDown", closeVs("crosses_above", 100), []float64{101, 99}, false},
		{"CrossesAboveOnlyLatestBar", closeVs("crosses_above", 100), []float64{99, 101, 102}, false},
		{"CrossesBelow", closeVs("crosses_below", 100), []float64{101, 99}, true},
		{"CrossesBelowFromLevel", closeVs("crosses_below", 100), []float64{100, 99}, true},
		{"CrossesBelowToLevel", closeVs("crosses_below", 100), []float64{101, 100}, false},
		{"CrossesUp", closeVs("crosses", 100), []float64{99, 101}, true},
		{"CrossesDown", closeVs("crosses", 100), []float64{101, 99}, true},
		{"CrossesFlatAtLevel", closeVs("crosses", 100), []float64{100, 100}, false},
		{"CrossesAboveIndicator", `{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "sma", "period": 3}}`,
			[]float64{10, 10, 10, 9, 12}, true}, // sma 9.67 -> 10.33; close 9 -> 12
		{"CrossesAboveIndicatorNoCross", `{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "sma", "period": 3}}`,
			[]float64{10, 10, 10, 11, 12}, false}, // close was already above
		{"IndicatorAsValue", `{"indicator": "close", "operator": ">", "value": {"indicator": "sma", "params": {"period": 2}}}`,
			[]float64{1, 2, 3}, true},

		{"InsideChannel", channel("inside_channel"), []float64{105}, true},
		{"InsideChannelAtLower", channel("inside_channel"), []float64{100}, true},
		{"InsideChannelAtUpper", channel("inside_channel"), []float64{110}, true},
		{"InsideChannelAbove", channel("inside_channel"), []float64{110.5}, false},
		{"OutsideChannelBelow", channel("outside_channel"), []float64{99.5}, true},
		{"OutsideChannelAtBound", channel("outside_channel"), []float64{100}, false},
		{"EnteringFromBelow", channel("entering_channel"), []float64{99, 100}, true},
		{"EnteringFromAbove", channel("entering_channel"), []float64{111, 105}, true},
		{"EnteringAlreadyInside", channel("entering_channel"), []float64{100, 105}, false},
		{"EnteringJumpsOver", channel("entering_channel"), []float64{99, 111}, false},
		{"Exiting", channel("exiting_channel"), []float64{110, 111}, true},
		{"ExitingAlreadyOutside", channel("exiting_channel"), []float64{111, 112}, false},
		{"ExitingStaysInside", channel("exiting_channel"), []float64{105, 110}, false},
		{"BollingerInside", `{"indicator": "close", "operator": "inside_channel",
			"lower": {"indicator": "bollinger", "period": 3, "output": "lower"},
			"upper": {"indicator": "bollinger", "period": 3, "output": "upper"}}`, []float64{10, 11, 10.5}, true},
		{"BollingerOutside", `{"indicator": "close", "operator": "outside_channel",
			"lower": {"indicator": "bollinger", "period": 3, "stddev": 1, "output": "lower"},
			"upper": {"indicator": "bollinger", "period": 3, "stddev": 1, "output": "upper"}}`, []float64{10, 10, 13}, true},

		{"ChangeUpExactly", change("up", 3), []float64{100, 50, 50, 50, 50, 103}, true},
		{"ChangeUpShort", change("up", 3), []float64{100, 200, 200, 200, 200, 102.9}, false},
		{"ChangeUpWhenDown", change("up", 3), []float64{100, 1, 1, 1, 1, 90}, false},
		{"ChangeDownExactly", change("down", 3), []float64{100, 1, 1, 1, 1, 97}, true},
		{"ChangeDownShort", change("down", 3), []float64{100, 1, 1, 1, 1, 97.1}, false},
		{"ChangeUpZeroPct", change("up", 0), []float64{100, 1, 1, 1, 1, 100}, true},
		{"ChangeOnlyNBarsBack", change("up", 3), []float64{1, 100, 1, 1, 1, 1, 103}, true},
		{"ChangeNegativeBase", `{"indicator": "close", "operator": "change_pct", "bars": 1, "direction": "up", "value": 50}`,
			[]float64{-2, -1}, true}, // -2 -> -1 rose by 50% of |-2|

		{"Offset", `{"indicator": "close", "offset": 1, "operator": ">", "value": 5}`, []float64{6, 1}, true},
		{"And", `{"operator": "and", "conditions": [` + closeVs(">", 1) + `, ` + closeVs("<", 3) + `]}`, []float64{2}, true},
		{"AndOneFalse", `{"operator": "and", "conditions": [` + closeVs(">", 1) + `, ` + closeVs("<", 2) + `]}`, []float64{2}, false},
		{"Or", `{"operator": "or", "conditions": [` + closeVs(">", 5) + `, ` + closeVs("<", 3) + `]}`, []float64{2}, true},
		{"OrNone", `{"operator": "or", "conditions": [` + closeVs(">", 5) + `, ` + closeVs("<", 1) + `]}`, []float64{2}, false},
		{"Not", `{"operator": "not", "conditions": [` + closeVs(">", 5) + `]}`, []float64{2}, true},
		{"Nested", `{"operator": "and", "conditions": [{"operator": "not", "conditions": [` + closeVs(">", 5) +
			`]}, {"operator": "or", "conditions": [` + closeVs("==", 2) + `, ` + closeVs("==", 3) + `]}]}`, []float64{2}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, withRule(tt.rule))
			ev, err := cfg.Evaluate(flat(tt.closes...))
			require.NoError(t, err)
			require.Equal(t, tt.want, ev.Matched, "%s on %v", cfg.Rule.String(), tt.closes)
			require.Empty(t, ev.Missing)
		})
	}
}

// Crossing exactly at the level fires on exactly one bar of 99, 100, 101 and
// of 101, 100, 99.
func TestEvaluate_CrossingThroughLevelOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		op     string
		closes []float64
	}{
		{"crosses_above", []float64{99, 100, 101, 101}},
		{"crosses_below", []float64{101, 100, 99, 99}},
		{"crosses", []float64{99, 100, 101, 101}},
		{"crosses", []float64{101, 100, 99, 99}},
	} {
		cfg := mustParse(t, withRule(closeVs(tt.op, 100)))
		series := flat(tt.closes...)
		var matched []int
		for i := 2; i <= len(series); i++ {
			ev, err := cfg.Evaluate(series[:i])
			require.NoError(t, err)
			if ev.Matched {
				matched = append(matched, i-1)
			}
		}
		require.Equal(t, []int{2}, matched, "%s on %v", tt.op, tt.closes)
	}
}

func TestEvaluate_ValueLevelDetails(t *testing.T) {
	t.Parallel()

	cfg := mustParse(t, design)
	series := flat(100, 110, 120, 130, 140, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160)
	ev, err := cfg.Evaluate(series)
	require.NoError(t, err)
	require.True(t, ev.Matched)
	require.Equal(t, 100.0, ev.Value, "rsi of a rising series")
	require.Equal(t, 70.0, ev.Level)
	require.Equal(t, 160.0, ev.Price)
	require.Equal(t, series[len(series)-1], ev.Bar)
	require.Equal(t, "rsi(14) > 70 and close > 150", ev.Condition)
	require.Equal(t, map[string]float64{"rsi(14)": 100, "close": 160}, ev.Details)

	cfg = mustParse(t, withRule(`{"indicator": "close", "operator": "change_pct", "bars": 2, "direction": "down", "value": 5}`))
	ev, err = cfg.Evaluate(flat(100, 50, 90))
	require.NoError(t, err)
	require.True(t, ev.Matched)
	require.InDelta(t, -10.0, ev.Value, 1e-9)
	require.Equal(t, -5.0, ev.Level)
	require.InDelta(t, -10.0, ev.Details["change_pct(close,2)"], 1e-9)

	cfg = mustParse(t, withRule(`{"indicator": "close", "operator": "inside_channel", "lower": 1, "upper": 2}`))
	ev, err = cfg.Evaluate(flat(1.5))
	require.NoError(t, err)
	require.Equal(t, 1.5, ev.Value)
	require.True(t, math.IsNaN(ev.Level), "channels have no single level")
}

func TestEvaluate_NotEnoughData(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		rule string
		need int
	}{
		{"Field", closeVs(">", 1), 1},
		{"SMA", `{"indicator": "sma", "period": 50, "operator": ">", "value": 1}`, 50},
		{"CrossSMA", `{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "sma", "period": 50}}`, 51},
		{"RSI", `{"indicator": "rsi", "operator": ">", "value": 70}`, 15},
		{"ChangePct", `{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "up", "value": 3}`, 6},
		{"ChangePctOfSMA", `{"indicator": "sma", "period": 3, "operator": "change_pct", "bars": 5, "direction": "up", "value": 3}`, 8},
		{"Entering", `{"indicator": "close", "operator": "entering_channel", "lower": {"indicator": "lowest", "period": 10}, "upper": 5}`, 11},
		{"Offset", `{"indicator": "sma", "period": 5, "offset": 2, "operator": ">", "value": 1}`, 7},
		{"Group", `{"operator": "or", "conditions": [` + closeVs(">", 1) + `, {"indicator": "macd", "operator": ">", "value": 0, "output": "signal"}]}`, 34},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, withRule(tt.rule))
			require.Equal(t, tt.need, cfg.MinBars())
			require.GreaterOrEqual(t, cfg.Lookback(), tt.need+1)

			series := walk(tt.need, 1)
			_, err := cfg.Evaluate(series[:tt.need-1])
			require.ErrorIs(t, err, ErrNotEnoughData)
			require.EqualError(t, err, fmt.Sprintf("not enough data: need %d bars, have %d", tt.need, tt.need-1))
			_, err = cfg.Evaluate(series)
			require.NoError(t, err)
		})
	}

	_, err := mustParse(t, withRule(closeVs(">", 1))).Evaluate(nil)
	require.EqualError(t, err, "not enough data: need 1 bars, have 0")
}

// Every indicator's documented warm-up is exact: MinBars bars give a value on
// the latest bar, one bar less does not.
func TestEvaluate_WarmUpOfEveryIndicator(t *testing.T) {
	t.Parallel()
	for _, name := range Indicators() {
		outputs := specs[name].outputs
		if name == "price" {
			outputs = nil
		}
		if len(outputs) == 0 {
			outputs = []string{""}
		}
		for _, out := range outputs {
			for _, offset := range []int{0, 3} {
				operand := fmt.Sprintf(`"indicator": %q, "offset": %d`, name, offset)
				if out != "" {
					operand += fmt.Sprintf(`, "output": %q`, out)
				}
				cfg := mustParse(t, withRule(`{`+operand+`, "operator": ">", "value": -1e15}`))
				need := cfg.MinBars()
				series := walk(need, 7)

				ev, err := cfg.Evaluate(series)
				require.NoError(t, err, "%s with %d bars", cfg.Rule.String(), need)
				require.True(t, ev.Matched)

				c := newCalc(series[:need-1])
				v, err := c.at(&cfg.Rule.Left, need-2)
				require.NoError(t, err)
				require.True(t, math.IsNaN(v), "%s is defined one bar early", cfg.Rule.String())
			}
		}
	}
}

func TestEvaluate_MissingValues(t *testing.T) {
	t.Parallel()

	t.Run("NaNOnLatestBar", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs(">", 150)))
		ev, err := cfg.Evaluate(flat(151, nan))
		require.ErrorIs(t, err, ErrMissingValue)
		require.EqualError(t, err, "missing value: close has no value on the latest bar")
		require.False(t, ev.Matched)
		require.Equal(t, []string{"close has no value on the latest bar"}, ev.Missing)
		require.True(t, math.IsNaN(ev.Value))
	})

	t.Run("NotOfUnknownIsUnknown", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"operator": "not", "conditions": [`+closeVs(">", 150)+`]}`))
		ev, err := cfg.Evaluate(flat(nan))
		require.ErrorIs(t, err, ErrMissingValue)
		require.False(t, ev.Matched)
	})

	t.Run("OrDecidedByOtherBranch", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"operator": "or", "conditions": [`+closeVs(">", 150)+`, {"indicator": "volume", "operator": ">", "value": 10}]}`))
		ev, err := cfg.Evaluate(flat(nan))
		require.NoError(t, err)
		require.True(t, ev.Matched)
		require.Equal(t, []string{"close has no value on the latest bar"}, ev.Missing)
		require.Equal(t, map[string]float64{"volume": 1000}, ev.Details)
	})

	t.Run("AndDecidedByOtherBranch", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"operator": "and", "conditions": [`+closeVs(">", 150)+`, {"indicator": "volume", "operator": ">", "value": 1e6}]}`))
		ev, err := cfg.Evaluate(flat(nan))
		require.NoError(t, err)
		require.False(t, ev.Matched)
	})

	t.Run("PreviousBarForCrossing", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs("crosses_above", 100)))
		_, err := cfg.Evaluate(flat(99, nan, 101))
		require.EqualError(t, err, "missing value: close has no value on the previous bar")
	})

	t.Run("ChangePctBase", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"indicator": "close", "operator": "change_pct", "bars": 2, "direction": "up", "value": 1}`))
		_, err := cfg.Evaluate(flat(nan, 1, 2))
		require.EqualError(t, err, "missing value: close has no value 2 bars back")
		_, err = cfg.Evaluate(flat(0, 1, 2))
		require.EqualError(t, err, "missing value: change_pct(close,2) is undefined: the value 2 bars back is 0")
	})

	// Leading NaNs (e.g. a provider's empty bars) lengthen the warm-up: the
	// series is long enough, but the indicator has no value yet.
	t.Run("WarmUpLengthenedByLeadingNaN", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"indicator": "sma", "period": 3, "operator": ">", "value": 0}`))
		_, err := cfg.Evaluate(flat(nan, nan, 1, 2, 3))
		require.NoError(t, err)
		_, err = cfg.Evaluate(flat(nan, nan, nan, 2, 3))
		require.EqualError(t, err, "missing value: sma(3) has no value on the latest bar")
	})

	// A NaN inside a window recovers once it leaves the window.
	t.Run("GapInWindowRecovers", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"indicator": "sma", "period": 2, "operator": ">", "value": 0}`))
		_, err := cfg.Evaluate(flat(1, nan, 2))
		require.ErrorIs(t, err, ErrMissingValue)
		_, err = cfg.Evaluate(flat(1, nan, 2, 3))
		require.NoError(t, err)
	})

	t.Run("Infinity", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs(">", 1)))
		_, err := cfg.Evaluate(flat(math.Inf(1)))
		require.ErrorIs(t, err, ErrMissingValue)
	})
}

// Missing bars in time are tolerated: the previous bar is the previous one in
// the slice.
func TestEvaluate_GapsInTime(t *testing.T) {
	t.Parallel()

	series := flat(99, 98, 101)
	series[2].Time = series[1].Time.Add(72 * time.Hour) // a weekend without bars
	cfg := mustParse(t, withRule(closeVs("crosses_above", 100)))
	ev, err := cfg.Evaluate(series)
	require.NoError(t, err)
	require.True(t, ev.Matched)

	cfg = mustParse(t, withRule(`{"indicator": "close", "operator": "change_pct", "bars": 2, "direction": "up", "value": 2}`))
	ev, err = cfg.Evaluate(series)
	require.NoError(t, err)
	require.True(t, ev.Matched, "99 -> 101 over two bars, whatever their times")
}

func TestEvaluate_BarOrder(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 1)))
	series := flat(1, 2, 3)
	series[2].Time = series[1].Time
	_, err := cfg.Evaluate(series)
	require.ErrorIs(t, err, ErrBarOrder)
	require.EqualError(t, err, "bars out of order: bar 2 at 2027-01-04T01:00:00Z is not after bar 1 at 2027-01-04T01:00:00Z")
}

func TestEvaluate_Indicators(t *testing.T) {
	t.Parallel()

	series := walk(400, 3)
	for _, tt := range []struct {
		operand string
		label   string
	}{
		{`"indicator": "sma", "period": 10`, "sma(10)"},
		{`"indicator": "ema", "period": 10, "source": "open"`, "ema(open,10)"},
		{`"indicator": "wma", "params": {"period": 10}`, "wma(10)"},
		{`"indicator": "rsi"`, "rsi(14)"},
		{`"indicator": "macd"`, "macd(12,26,9)"},
		{`"indicator": "macd", "output": "histogram", "fast": 5, "slow": 35, "signal": 5`, "macd(5,35,5).histogram"},
		{`"indicator": "bollinger", "output": "percent_b"`, "bollinger(20,2).percent_b"},
		{`"indicator": "bollinger", "output": "width", "stddev": 2.5`, "bollinger(20,2.5).width"},
		{`"indicator": "atr"`, "atr(14)"},
		{`"indicator": "stoch", "output": "d"`, "stoch(14,3,3).d"},
		{`"indicator": "vwap", "period": 30`, "vwap(30)"},
		{`"indicator": "roc"`, "roc(10)"},
		{`"indicator": "highest", "offset": 1`, "highest(20)[1]"},
		{`"indicator": "lowest", "source": "close"`, "lowest(close,20)"},
		{`"indicator": "volume_avg"`, "volume_avg(20)"},
		{`"indicator": "volume_spike_ratio", "period": 5`, "volume_spike_ratio(5)"},
		{`"indicator": "price"`, "close"},
		{`"indicator": "volume", "offset": 2`, "volume[2]"},
	} {
		cfg := mustParse(t, withRule(`{`+tt.operand+`, "operator": "<", "value": 1e15}`))
		require.Equal(t, tt.label, cfg.Rule.Left.Label())
		ev, err := cfg.Evaluate(series)
		require.NoError(t, err, tt.label)
		require.True(t, ev.Matched, tt.label)
		require.Contains(t, ev.Details, tt.label)
		require.Equal(t, ev.Value, ev.Details[tt.label])
	}

	// The operand values are the indicators package's.
	cfg := mustParse(t, withRule(`{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "ema", "period": 10}}`))
	ev, err := cfg.Evaluate(series)
	require.NoError(t, err)
	ema := ev.Details["ema(10)"]
	c := newCalc(series)
	want, err := c.at(cfg.Rule.Right, len(series)-1)
	require.NoError(t, err)
	require.Equal(t, want, ema)
	require.Equal(t, ema, ev.Level)
}

func TestClosedBars(t *testing.T) {
	t.Parallel()

	cfg := mustParse(t, withRule(closeVs(">", 1), `"frequency": "once_per_bar_close"`))
	series := flat(1, 2, 3) // bars open at 00:00, 01:00, 02:00
	require.Len(t, cfg.ClosedBars(series, hour(2).Add(59*time.Minute)), 2)
	require.Len(t, cfg.ClosedBars(series, hour(3)), 3, "a bar is closed at its end time")
	require.Empty(t, cfg.ClosedBars(series, hour(0)))

	ev, err := cfg.EvaluateAt(series, hour(2).Add(30*time.Minute))
	require.NoError(t, err)
	require.Equal(t, hour(1), ev.Bar.Time)

	cfg = mustParse(t, withRule(closeVs(">", 1)))
	ev, err = cfg.EvaluateAt(series, hour(2).Add(30*time.Minute))
	require.NoError(t, err)
	require.Equal(t, hour(2), ev.Bar.Time, "only once_per_bar_close drops the open bar")

	weekly := mustParse(t, `{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "timeframe": "1w"}`)
	wk := bars.Series{{Time: t0, Close: 2}}
	require.Empty(t, weekly.ClosedBars(wk, t0.Add(6*24*time.Hour)))
	require.Len(t, weekly.ClosedBars(wk, t0.Add(7*24*time.Hour)), 1)
}

func TestEvaluation_MarshalJSON(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(`{"operator": "or", "conditions": [`+closeVs(">", 150)+`, {"indicator": "volume", "operator": ">", "value": 10}]}`))
	ev, err := cfg.Evaluate(flat(nan))
	require.NoError(t, err)
	data, err := json.Marshal(ev)
	require.NoError(t, err)
	require.JSONEq(t, `{"matched": true, "value": null, "level": 150, "price": null, "bar_time": "2027-01-04T00:00:00Z",
		"condition": "close > 150 or volume > 10", "details": {"volume": 1000},
		"missing": ["close has no value on the latest bar"]}`, string(data))

	cfg = mustParse(t, withRule(`{"indicator": "close", "operator": "change_pct", "bars": 1, "direction": "up", "value": 1}`))
	_, err = cfg.Evaluate(flat(1e-300, 1e300))
	require.EqualError(t, err, "missing value: change_pct(close,1) overflows")
}
