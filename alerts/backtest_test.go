package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
)

// firedBars returns the indexes of the bars of series that res lists as
// triggers, checking each trigger's price against its bar.
func firedBars(t *testing.T, series bars.Series, res BacktestResult) []int {
	t.Helper()
	byTime := map[time.Time]int{}
	for i, b := range series {
		byTime[b.Time] = i
	}
	out := []int{}
	for _, tr := range res.Triggers {
		i, ok := byTime[tr.Time]
		require.True(t, ok, "trigger at %s is no bar's open time", tr.Time)
		require.Equal(t, series[i].Close, tr.Price, "trigger price is the bar's close")
		_, err := json.Marshal(tr)
		require.NoError(t, err)
		out = append(out, i)
	}
	require.Equal(t, res.Count, len(res.Triggers))
	return out
}

// backtestAll replays cfg over every bar of series.
func backtestAll(t *testing.T, cfg *Config, series bars.Series) BacktestResult {
	t.Helper()
	res, err := cfg.Backtest(series, series[0].Time, series[len(series)-1].Time.Add(time.Hour))
	require.NoError(t, err)
	return res
}

// Each re-arm type and frequency on hand-built hourly series of close
// against 100: bar i is evaluated once, at its close (hour i+1).
func TestBacktest_RearmAndFrequency(t *testing.T) {
	t.Parallel()
	above := closeVs(">", 100)
	for _, tt := range []struct {
		name   string
		extra  []string
		closes []float64
		want   []int
	}{
		// Edge-triggered: once per excursion above 100.
		{"NoRearm", nil, []float64{99, 101, 102, 99, 101, 103, 98, 101}, []int{1, 4, 7}},
		// Simple: every bar while true (once per bar).
		{"Simple", []string{`"rearm": {"type": "simple"}`}, []float64{99, 101, 102, 99, 101, 103, 98, 101}, []int{1, 2, 4, 5, 7}},
		// Cooldown 2h: fires at 2h, 4h, 6h while it holds (bar i closes at hour i+1).
		{"Cooldown", []string{`"rearm": {"type": "cooldown", "cooldown": 7200}`}, []float64{99, 101, 102, 103, 104, 105, 99}, []int{1, 3, 5}},
		// Simple with a cooldown gate of 1h59m: every other bar.
		{"SimpleWithCooldown", []string{`"rearm": {"type": "simple", "cooldown": 7140}`}, []float64{101, 101, 101, 101, 101}, []int{0, 2, 4}},
		// Hysteresis 2%: re-arms only once close <= 98; 99 is not enough.
		{"Hysteresis", []string{`"rearm": {"type": "hysteresis", "threshold": 0.02}`}, []float64{99, 101, 99, 101, 97, 101, 102}, []int{1, 5}},
		// Persistence 2 bars: fires on the second consecutive true bar, then re-arms when false.
		{"Persistence", []string{`"rearm": {"type": "persistence", "bars": 2}`}, []float64{99, 101, 102, 103, 99, 101, 99, 101, 102}, []int{2, 8}},
		// Crossing: the first bar only records the side; fires on a side change while true.
		{"Crossing", []string{`"rearm": {"type": "crossing"}`}, []float64{101, 102, 99, 101, 102, 99, 100, 101}, []int{3, 7}},
		{"CrossingFromBelow", []string{`"rearm": {"type": "crossing"}`}, []float64{99, 101, 102, 99, 101}, []int{1, 4}},
		// Frequencies.
		{"Once", []string{`"rearm": {"type": "simple"}`, `"frequency": "once"`}, []float64{99, 101, 99, 101, 102}, []int{1}},
		{"OncePerBar", []string{`"frequency": "once_per_bar"`}, []float64{99, 101, 102, 99, 101}, []int{1, 4}},
		{"OncePerBarClose", []string{`"frequency": "once_per_bar_close"`}, []float64{99, 101, 102, 99, 101}, []int{1, 4}},
		// every_time drops edge triggering without a rearm: every bar while true.
		{"EveryTime", []string{`"frequency": "every_time"`}, []float64{99, 101, 102, 99, 101}, []int{1, 2, 4}},
		// every_time keeps an explicit rearm rule.
		{"EveryTimeHysteresis", []string{`"frequency": "every_time"`, `"rearm": {"type": "hysteresis", "threshold": 0.02}`},
			[]float64{101, 102, 99, 101, 97, 101}, []int{0, 5}},
		// Expiry at 03:00: bar 2 closes at 03:00, when the alert has expired.
		{"Expiry", []string{`"rearm": {"type": "simple"}`, `"expires_at": "2027-01-04T03:00:00Z"`}, []float64{101, 101, 101, 101, 101}, []int{0, 1}},
		{"ExpiredBeforeRange", []string{`"expires_at": "2027-01-01T00:00:00Z"`}, []float64{101, 99, 101}, []int{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, withRule(above, tt.extra...))
			series := flat(tt.closes...)
			res := backtestAll(t, cfg, series)
			require.Equal(t, tt.want, firedBars(t, series, res))
			require.Equal(t, len(tt.closes), res.BarsEvaluated)
			require.Equal(t, "AAPL", res.Symbol)
			require.Equal(t, "1h", res.Timeframe)
			for _, tr := range res.Triggers {
				require.Equal(t, map[string]float64{"close": tr.Price}, tr.Values)
			}
		})
	}
}

// The main condition drives hysteresis in a two-condition rule: RSI must
// fall back below 70·(1-0.1) = 63 before the alert fires again.
func TestBacktest_HysteresisOnRSI(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(`{"operator": "and", "conditions": [
		{"indicator": "rsi", "period": 3, "operator": ">", "value": 70},
		{"indicator": "close", "operator": ">", "value": 100}]}`, `"rearm": {"type": "hysteresis", "threshold": 0.1}`))
	// Rises (rsi 100: fires), a small dip (rsi stays above 63: no re-arm, so
	// 104 and 105 do not fire), a deep fall (rsi near 0: re-armed), and a
	// rise that takes rsi back above 70 on 110.
	closes := []float64{100, 101, 102, 103, 102.9, 104, 105, 90, 80, 70, 102, 110, 120}
	series := flat(closes...)
	res := backtestAll(t, cfg, series)
	require.Equal(t, []int{3, 11}, firedBars(t, series, res))
	require.Equal(t, len(closes)-3, res.BarsEvaluated, "rsi(3) has no value on the first 3 bars")
	require.Contains(t, res.Triggers[0].Values, "rsi(3)")
	require.Equal(t, 103.0, res.Triggers[0].Values["close"])
	require.InDelta(t, 100, res.Triggers[0].Values["rsi(3)"], 1e-9)
}

// Bars before from are history only: the state starts fresh at from, and the
// indicators see the bars before it.
func TestBacktest_Range(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(`{"indicator": "close", "operator": ">", "value": {"indicator": "sma", "period": 3}}`))
	series := flat(10, 10, 10, 12, 13, 14, 9, 12)
	// sma(3): -, -, 10, 10.67, 11.67, 13, 12, 11.67
	// close > sma: bars 3, 4, 5 and 7 (edges: 3 and 7).
	res := backtestAll(t, cfg, series)
	require.Equal(t, []int{3, 7}, firedBars(t, series, res))
	require.Equal(t, 6, res.BarsEvaluated)

	// From bar 4: the state is fresh there, so bar 4 fires (sma from bars 2-4).
	res, err := cfg.Backtest(series, hour(4), hour(7))
	require.NoError(t, err)
	require.Equal(t, []int{4}, firedBars(t, series, res))
	require.Equal(t, 3, res.BarsEvaluated, "bars 4, 5 and 6")

	// A range with no bars.
	res, err = cfg.Backtest(series, hour(20), hour(30))
	require.NoError(t, err)
	require.Zero(t, res.BarsEvaluated)
	require.Empty(t, res.Triggers)
	require.Empty(t, res.PerWeek)
}

// A bar with a missing value is skipped like a failed evaluation: the state
// is not stepped, so it neither fires nor re-arms the alert.
func TestBacktest_MissingValueSkipsTheBar(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100)))
	series := flat(101, nan, 101, 99, 101)
	res := backtestAll(t, cfg, series)
	require.Equal(t, []int{0, 4}, firedBars(t, series, res))
	require.Equal(t, 4, res.BarsEvaluated)
}

// PerWeek lists every week from the first bar's to the last bar's, named by
// its Monday, with the triggers that opened in it.
func TestBacktest_PerWeek(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100)))
	// Daily-spaced hourly bars over three weeks from Monday 2027-01-04 (t0):
	// excursions above 100 on days 1, 3 (week 1) and 16 (week 3).
	closes := make([]float64, 19)
	for i := range closes {
		closes[i] = 99
	}
	closes[1], closes[3], closes[16] = 101, 101, 101
	series := flat(closes...)
	for i := range series {
		series[i].Time = t0.Add(time.Duration(i) * 24 * time.Hour)
	}
	res, err := cfg.Backtest(series, series[0].Time, series[len(series)-1].Time.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 3, res.Count)
	require.Equal(t, []WeekCount{{"2027-01-04", 2}, {"2027-01-11", 0}, {"2027-01-18", 1}}, res.PerWeek)
	data, err := json.Marshal(res)
	require.NoError(t, err)
	require.Contains(t, string(data), `"per_week":[{"week":"2027-01-04","count":2}`)
	require.Contains(t, string(data), `"time":"2027-01-05T00:00:00Z","price":101,"values":{"close":101}`)
}

func TestBacktest_Errors(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100)))

	_, err := cfg.Backtest(make(bars.Series, MaxBacktestBars+1), t0, hour(1))
	require.ErrorIs(t, err, ErrTooManyBars)

	series := flat(99, 101, 102)
	series[2].Time = series[0].Time
	_, err = cfg.Backtest(series, t0, hour(3))
	require.ErrorIs(t, err, ErrBarOrder)
}

// The newest MaxBacktestTriggers triggers are listed; Count and PerWeek
// count them all.
func TestBacktest_TriggerListBounded(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "simple"}`))
	closes := make([]float64, MaxBacktestTriggers+5)
	for i := range closes {
		closes[i] = 101
	}
	series := flat(closes...)
	res := backtestAll(t, cfg, series)
	require.Equal(t, len(closes), res.Count)
	require.Len(t, res.Triggers, MaxBacktestTriggers)
	require.Equal(t, series[5].Time, res.Triggers[0].Time, "the oldest five are left out")
	require.Equal(t, series[len(series)-1].Time, res.Triggers[MaxBacktestTriggers-1].Time)
	total := 0
	for _, w := range res.PerWeek {
		total += w.Count
	}
	require.Equal(t, len(closes), total)
}

// TestBacktestMatchesLive: for random rules and random series, a backtest
// over bars 0..n-1 fires on the same bars, with the same values, as the
// worker's path (operands on 4h and 1d bars included: the worker fetches
// their last LookbackFor bars up to each fire) — Evaluate on the bars up to each one at its close, Step, the
// state stored as JSON and loaded back between fires — and decides the same
// number of bars.
func TestBacktestMatchesLive(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2027, 15))
	fires := 0
	for k := range 150 {
		// Some random rules do not suit their rearm (hysteresis and
		// crossing need a level): draw again.
		doc := randomConfig(r)
		cfg, err := Parse([]byte(doc))
		for err != nil {
			require.ErrorIs(t, err, ErrInvalidConfig)
			doc = randomConfig(r)
			cfg, err = Parse([]byte(doc))
		}
		series := walk(120+r.IntN(120), uint64(k)+100)
		if r.IntN(3) == 0 { // gaps: missing closes
			for i := range series {
				if r.IntN(25) == 0 {
					series[i].Close = math.NaN()
				}
			}
		}
		from := series[r.IntN(20)].Time
		to := series[len(series)-1].Time.Add(time.Hour)

		frames := map[bars.Timeframe]bars.Series{bars.H4: resample(series, bars.H4), bars.D1: resample(series, bars.D1)}
		res, err := cfg.BacktestWith(series, frames, from, to)
		require.NoError(t, err, doc)

		live, evaluated := liveReplayWith(t, cfg, series, frames, from, to)
		require.Equal(t, evaluated, res.BarsEvaluated, doc)
		require.Equal(t, len(live), res.Count, doc)
		require.Len(t, res.Triggers, len(live), doc)
		for j, want := range live {
			got := res.Triggers[j]
			require.Equal(t, want.Bar.Time, got.Time, "%s\ntrigger %d", doc, j)
			if math.IsNaN(want.Price) { // a missing close on a bar a volume rule decided
				require.True(t, math.IsNaN(got.Price), doc)
			} else {
				require.Equal(t, want.Price, got.Price, doc)
			}
			require.Equal(t, want.Details, got.Values, doc)
		}
		fires += len(live)
	}
	require.Greater(t, fires, 100, "the random rules fire often enough to compare something")
}

// liveReplayWith evaluates cfg as the worker would at the close of every bar
// in [from, to) and returns the evaluations that fired and how many bars were
// decided. For operands on other timeframes the worker fetches their bars up
// to now, the bar still open included (FuzzParse checks that LookbackFor of
// them are enough).
func liveReplayWith(t *testing.T, cfg *Config, series bars.Series, frames map[bars.Timeframe]bars.Series, from, to time.Time) ([]Evaluation, int) {
	t.Helper()
	stateJSON := []byte(nil) // a new schedule's state_json
	var fired []Evaluation
	evaluated := 0
	for i, b := range series {
		if b.Time.Before(from) || !b.Time.Before(to) {
			continue
		}
		now := b.Time.Add(cfg.Timeframe.Duration())
		fetched := map[bars.Timeframe]bars.Series{}
		for tf, s := range frames {
			n := 0
			for n < len(s) && s[n].Time.Before(now) {
				n++
			}
			fetched[tf] = s[:n] // all of it, as series[:i+1]: recursive indicators converge alike
		}
		ev, err := cfg.EvaluateWith(Input{Series: series[:i+1], Frames: fetched, Now: now, Trace: true})
		if err != nil {
			require.True(t, errors.Is(err, ErrNotEnoughData) || errors.Is(err, ErrMissingValue), err)
			continue
		}
		evaluated++
		prev, err := LoadState(stateJSON)
		require.NoError(t, err)
		d := cfg.Step(prev, ev, now)
		stateJSON, err = json.Marshal(d.State)
		require.NoError(t, err)
		if d.Fire {
			fired = append(fired, ev)
		}
	}
	return fired, evaluated
}

// randomConfig returns a full-form alert config on 1h bars with a random
// rule tree (depth up to 3), rearm, frequency and expiry.
func randomConfig(r *rand.Rand) string {
	parts := []string{}
	switch r.IntN(7) {
	case 1:
		parts = append(parts, `"rearm": {"type": "simple"}`)
	case 2:
		parts = append(parts, fmt.Sprintf(`"rearm": {"type": "cooldown", "cooldown": %d}`, 1800*(1+r.IntN(8))))
	case 3:
		parts = append(parts, fmt.Sprintf(`"rearm": {"type": "hysteresis", "threshold": %v, "cooldown": %d}`,
			[]float64{0, 0.005, 0.01, 0.05}[r.IntN(4)], []int{0, 0, 3600, 10800}[r.IntN(4)]))
	case 4:
		parts = append(parts, fmt.Sprintf(`"rearm": {"type": "persistence", "bars": %d}`, 1+r.IntN(4)))
	case 5:
		parts = append(parts, fmt.Sprintf(`"rearm": {"type": "crossing", "cooldown": %d}`, []int{0, 7200}[r.IntN(2)]))
	case 6:
		parts = append(parts, fmt.Sprintf(`"rearm": {"type": "simple", "bars": %d, "cooldown": %d}`, 1+r.IntN(3), 3600*r.IntN(3)))
	}
	parts = append(parts, fmt.Sprintf(`"frequency": %q`, frequencies[r.IntN(len(frequencies))]))
	if r.IntN(5) == 0 {
		parts = append(parts, fmt.Sprintf(`"expires_at": %q`, hour(60+r.IntN(150)).Format(time.RFC3339)))
	}
	return withRule(randomNode(r, 0), parts...)
}

// randomNode returns a random rule node: a group at depth < 2 half the time,
// else a condition.
func randomNode(r *rand.Rand, depth int) string {
	if depth < 2 && r.IntN(2) == 0 {
		op := []string{OpAnd, OpOr, OpNot}[r.IntN(3)]
		n := 1
		if op != OpNot {
			n = 2 + r.IntN(2)
		}
		kids := make([]string, n)
		for i := range kids {
			kids[i] = randomNode(r, depth+1)
		}
		return fmt.Sprintf(`{"operator": %q, "conditions": [%s]}`, op, strings.Join(kids, ", "))
	}
	operands := []string{
		`{"indicator": "close"}`,
		`{"indicator": "sma", "period": 10}`,
		`{"indicator": "ema", "period": 8}`,
		`{"indicator": "wma", "period": 5}`,
		`{"indicator": "highest", "period": 10, "offset": 1}`,
		`{"indicator": "lowest", "period": 10, "offset": 1}`,
		`{"indicator": "vwap", "period": 10}`,
		`{"indicator": "bollinger", "period": 10, "output": "middle"}`,
		`{"indicator": "sma", "period": 3, "timeframe": "4h"}`, // multi-timeframe operands
		`{"indicator": "close", "timeframe": "1d", "offset": 1}`,
	}
	left := func() string { return operands[r.IntN(len(operands))] }
	withOp := func(operand, op, rest string) string {
		return strings.TrimSuffix(operand, "}") + fmt.Sprintf(`, "operator": %q, %s}`, op, rest)
	}
	level := fmt.Sprintf("%.2f", 90+20*r.Float64())
	switch r.IntN(7) {
	case 0: // close or an average against a level
		return withOp(left(), []string{">", ">=", "<", "<="}[r.IntN(4)], `"value": `+level)
	case 1: // against another operand
		return withOp(left(), []string{">", "<", "crosses_above", "crosses_below", "crosses"}[r.IntN(5)], `"right": `+left())
	case 2:
		return withOp(left(), []string{"crosses_above", "crosses_below", "crosses"}[r.IntN(3)], `"value": `+level)
	case 3: // oscillators
		osc := []string{`{"indicator": "rsi", "period": 14}`, `{"indicator": "stoch", "output": "k"}`, `{"indicator": "roc", "period": 5}`,
			`{"indicator": "macd", "fast": 5, "slow": 13, "signal": 4, "output": "histogram"}`}[r.IntN(4)]
		v := []string{"70", "30", "50", "0", "1", "-1"}[r.IntN(6)]
		return withOp(osc, []string{">", "<", "crosses_above", "crosses_below"}[r.IntN(4)], `"value": `+v)
	case 4:
		return withOp(`{"indicator": "close"}`, []string{"inside_channel", "outside_channel", "entering_channel", "exiting_channel"}[r.IntN(4)],
			`"lower": {"indicator": "bollinger", "period": 10, "stddev": 1, "output": "lower"}, "upper": {"indicator": "bollinger", "period": 10, "stddev": 1, "output": "upper"}`)
	case 5:
		return withOp(left(), "change_pct", fmt.Sprintf(`"bars": %d, "direction": %q, "value": %v`,
			1+r.IntN(5), []string{"up", "down"}[r.IntN(2)], []float64{0.5, 1, 2}[r.IntN(3)]))
	default:
		return withOp(`{"indicator": "volume_spike_ratio", "period": 10}`, ">", `"value": 1.5`)
	}
}
