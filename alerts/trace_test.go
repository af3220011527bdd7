package alerts

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
)

// explainOn evaluates cfg on series with a trace, steps a fresh state at the
// latest bar's close and returns the trace.
func explainOn(t *testing.T, cfg *Config, series bars.Series) Trace {
	t.Helper()
	now := series[len(series)-1].Time.Add(time.Hour)
	ev, err := cfg.EvaluateWith(Input{Series: series, Now: now, Trace: true})
	require.NoError(t, err)
	require.NotNil(t, ev.Trace)
	d := cfg.Step(NewState(), ev, now)
	return cfg.Explain(NewState(), ev, d, now)
}

// Rule lines of Text: the lines between the header and "Rearm:".
func ruleLines(tr Trace) []string {
	lines := strings.Split(tr.Text(), "\n")
	var out []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "Rearm:") {
			break
		}
		out = append(out, l)
	}
	return out
}

// The trace keeps the tree's shape: each and/or/not with its children in
// rule order, each condition with its operands' values, every outcome,
// including unknown for an operand without a value.
func TestTrace_Trees(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		rule    string
		closes  []float64
		outcome string
		lines   []string
	}{
		{"Condition", closeVs(">", 100), []float64{101}, "true", []string{
			"✓ close = 101.00 > 100  [main]",
		}},
		{"AndOneFalse", `{"operator": "and", "conditions": [` + closeVs(">", 100) + `, ` + closeVs("<", 101) + `]}`, []float64{102}, "false", []string{
			"✗ and",
			"  ✓ close = 102.00 > 100  [main]",
			"  ✗ close = 102.00 < 101",
		}},
		{"OrOneTrue", `{"operator": "or", "conditions": [` + closeVs(">", 200) + `, ` + closeVs("<", 101) + `]}`, []float64{100}, "true", []string{
			"✓ or",
			"  ✗ close = 100.00 > 200  [main]",
			"  ✓ close = 100.00 < 101",
		}},
		{"Not", `{"operator": "not", "conditions": [` + closeVs(">", 100) + `]}`, []float64{99}, "true", []string{
			"✓ not",
			"  ✗ close = 99.00 > 100  [main]",
		}},
		{"Nested", `{"operator": "and", "conditions": [` + closeVs(">", 100) + `, {"operator": "or", "conditions": [` + closeVs("<", 50) +
			`, {"operator": "not", "conditions": [` + closeVs("crosses_above", 105) + `]}]}]}`, []float64{104, 106}, "false", []string{
			"✗ and",
			"  ✓ close = 106.00 > 100  [main]",
			"  ✗ or",
			"    ✗ close = 106.00 < 50",
			"    ✗ not",
			"      ✓ close = 106.00 crosses_above 105 (before: 104.00 vs 105.00)",
		}},
		{"UnknownDecidedByOr", `{"operator": "or", "conditions": [{"indicator": "sma", "period": 2, "operator": ">", "value": 1}, ` + closeVs(">", 1) + `]}`,
			[]float64{2, nan, 3}, "true", []string{
				"✓ or",
				"? sma(2) (no value) > 1  [main]",
				"  ✓ close = 3.00 > 1",
			}},
		{"Channel", `{"indicator": "close", "operator": "entering_channel", "lower": 100, "upper": {"indicator": "highest", "period": 2}}`,
			[]float64{99, 99, 101}, "true", []string{
				"✓ close = 101.00 entering_channel [100, highest(2) = 101.00] (before: 99.00 in [100.00, 99.00])  [main]",
			}},
		{"ChangePct", `{"indicator": "close", "operator": "change_pct", "bars": 2, "direction": "down", "value": 5}`, []float64{100, 50, 90}, "true", []string{
			"✓ close = 90.00 fell -10.00% in 2 bars (from 100.00), needs <= -5%  [main]",
		}},
		{"CrossIndicator", `{"indicator": "close", "operator": "crosses_below", "right": {"indicator": "sma", "period": 2}}`, []float64{10, 12, 9}, "true", []string{
			"✓ close = 9.00 crosses_below sma(2) = 10.50 (before: 12.00 vs 11.00)  [main]",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, withRule(tt.rule))
			tr := explainOn(t, cfg, flat(tt.closes...))
			require.Equal(t, tt.outcome, tr.Outcome)
			got := ruleLines(tr)
			// The unknown line's indent is checked apart: the mark comes
			// after the indent.
			for i := range got {
				got[i] = strings.Replace(got[i], "  ? ", "? ", 1)
			}
			require.Equal(t, tt.lines, got, tr.Text())
			require.Equal(t, cfg.Rule.String(), tr.Condition)

			// The JSON keeps the tree and reads back to the same trace.
			data, err := json.Marshal(tr)
			require.NoError(t, err)
			var back Trace
			require.NoError(t, json.Unmarshal(data, &back))
			require.Equal(t, tr.Text(), back.Text())
		})
	}
}

// The JSON of a trace: the tree with op, outcome, operands (null for no
// value) and children.
func TestTrace_JSON(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(`{"operator": "and", "conditions": [{"indicator": "sma", "period": 2, "operator": ">", "value": 1}, {"operator": "not", "conditions": [`+closeVs("<", 1)+`]}]}`))
	ev, err := cfg.EvaluateWith(Input{Series: flat(2, nan, 3), Trace: true})
	require.ErrorIs(t, err, ErrMissingValue, "and of unknown and true is unknown")
	tr := cfg.ExplainError(NewState(), ev, err, hour(2))
	data, err := json.Marshal(tr.Rule)
	require.NoError(t, err)
	require.JSONEq(t, `{"op": "and", "outcome": "unknown", "children": [
		{"op": ">", "outcome": "unknown", "main": true, "operands": [
			{"role": "left", "label": "sma(2)", "value": null}, {"role": "right", "label": "1", "value": 1, "const": true}]},
		{"op": "not", "outcome": "true", "children": [
			{"op": "<", "outcome": "false", "operands": [
				{"role": "left", "label": "close", "value": 3}, {"role": "right", "label": "1", "value": 1, "const": true}]}]}]}`, string(data))
	require.Equal(t, "unknown", tr.Outcome)
	require.False(t, tr.Fired)
	require.Equal(t, "not evaluated, state unchanged: missing value: sma(2) has no value on the latest bar", tr.Why)
	require.Equal(t, tr.Before, tr.After)
}

// Each re-arm type: the state before and after each evaluation and why the
// alert fired or not, in words, with what lets it fire next.
func TestTrace_Rearm(t *testing.T) {
	t.Parallel()
	type step struct {
		close  float64
		before string
		after  string
		why    string
		next   string
	}
	const (
		heldFalse = "it already fired while the condition held: it re-arms once the condition is false"
		onFalse   = "re-arms once the condition is false"
	)
	for _, tt := range []struct {
		name  string
		extra []string
		steps []step
	}{
		{"None", nil, []step{
			{101, "ARMED", "TRIGGERED", "fired: condition true and the alert was armed", onFalse},
			{102, "TRIGGERED", "TRIGGERED", "condition true but " + heldFalse, onFalse},
			{99, "TRIGGERED", "ARMED", "condition false; re-armed (the condition was false)", ""},
			{98, "ARMED", "ARMED", "condition false", ""},
			{101, "ARMED", "TRIGGERED", "fired: condition true and the alert was armed", onFalse},
		}},
		{"Simple", []string{`"rearm": {"type": "simple"}`}, []step{
			{101, "ARMED", "ARMED", "fired: condition true and the alert was armed", ""},
			{102, "ARMED", "ARMED", "fired: condition true and the alert was armed", ""},
			{99, "ARMED", "ARMED", "condition false", ""},
		}},
		{"Hysteresis", []string{`"rearm": {"type": "hysteresis", "threshold": 0.02}`}, []step{
			{101, "ARMED", "TRIGGERED", "fired: condition true and the alert was armed", "hysteresis: re-arms once close is at or below 98.00 (now 101.00)"},
			{102, "TRIGGERED", "TRIGGERED", "condition true but waiting for hysteresis: re-arms once close is at or below 98.00 (now 102.00)",
				"hysteresis: re-arms once close is at or below 98.00 (now 102.00)"},
			{99, "TRIGGERED", "TRIGGERED", "condition false", "hysteresis: re-arms once close is at or below 98.00 (now 99.00)"},
			{97, "TRIGGERED", "ARMED", "condition false; re-armed (close moved back beyond the hysteresis band)", ""},
			{101, "ARMED", "TRIGGERED", "fired: condition true and the alert was armed", "hysteresis: re-arms once close is at or below 98.00 (now 101.00)"},
		}},
		{"Cooldown", []string{`"rearm": {"type": "cooldown", "cooldown": 7200}`}, []step{
			{101, "ARMED", "COOLDOWN", "fired: condition true and the alert was armed", "cooldown: armed again at 02:05 UTC"},
			{102, "COOLDOWN", "COOLDOWN", "condition true but cooldown until 02:05 UTC (last fired 00:05 UTC)", "cooldown: armed again at 02:05 UTC"},
			{99, "COOLDOWN", "ARMED", "condition false", ""},
			{101, "ARMED", "COOLDOWN", "fired: condition true and the alert was armed", "cooldown: armed again at 05:05 UTC"},
		}},
		{"Persistence", []string{`"rearm": {"type": "persistence", "bars": 3}`}, []step{
			{101, "ARMED", "ARMED", "condition true but waiting for 2 more bars of persistence (1/3)",
				"persistence: fires once the condition has held on 3 consecutive bars (1 so far)"},
			{102, "ARMED", "ARMED", "condition true but waiting for 1 more bar of persistence (2/3)",
				"persistence: fires once the condition has held on 3 consecutive bars (2 so far)"},
			{101, "ARMED", "TRIGGERED", "fired: condition true on 3 consecutive bars (persistence 3)", onFalse},
			{101, "TRIGGERED", "TRIGGERED", "condition true but " + heldFalse, onFalse},
			{99, "TRIGGERED", "ARMED", "condition false; re-armed (the condition was false)",
				"persistence: fires once the condition has held on 3 consecutive bars (0 so far)"},
		}},
		{"Crossing", []string{`"rearm": {"type": "crossing"}`}, []step{
			{101, "ARMED", "ARMED (above)", "condition true but crossing rearm only records the first side (above the level) and fires on the next side change",
				"crossing: fires when close changes side while the condition holds (now above the level)"},
			{102, "ARMED (above)", "ARMED (above)", "condition true but no side change: crossing rearm fires only when close changes side (still above the level)",
				"crossing: fires when close changes side while the condition holds (now above the level)"},
			{99, "ARMED (above)", "ARMED (below)", "condition false", "crossing: fires when close changes side while the condition holds (now below the level)"},
			{101, "ARMED (below)", "TRIGGERED (above)", "fired: condition true and close changed side (below the level → above the level)",
				"crossing: re-arms when close crosses to the other side of the level (now above the level)"},
			{103, "TRIGGERED (above)", "TRIGGERED (above)", "condition true but waiting for close to cross back (still above the level)",
				"crossing: re-arms when close crosses to the other side of the level (now above the level)"},
		}},
		{"OnceFrequency", []string{`"frequency": "once"`}, []step{
			{101, "ARMED", "TRIGGERED", "fired: condition true and the alert was armed", "frequency once: it never fires again"},
			{99, "TRIGGERED", "TRIGGERED", "not fired: frequency once, and it already fired at 00:05 UTC", "frequency once: it never fires again"},
		}},
		{"Expired", []string{`"expires_at": "2027-01-04T01:00:00Z"`}, []step{
			{101, "ARMED", "TRIGGERED", "fired: condition true and the alert was armed", onFalse},
			{99, "TRIGGERED", "TRIGGERED", "not fired: the alert expired at 01:00 UTC", onFalse},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, withRule(closeVs(">", 100), tt.extra...))
			state := NewState()
			for i, st := range tt.steps {
				ev := Evaluation{Matched: st.close > 100, Value: st.close, Level: 100, Bar: bars.Bar{Time: hour(i), Close: st.close}}
				now := hour(i).Add(5 * time.Minute)
				d := cfg.Step(state, ev, now)
				tr := cfg.Explain(state, ev, d, now)
				require.Equal(t, d.Fire, tr.Fired)
				require.Equal(t, st.before, stateText(tr.Before), "step %d", i)
				require.Equal(t, st.after, stateText(tr.After), "step %d", i)
				require.Equal(t, st.why, tr.Why, "step %d", i)
				require.Equal(t, st.next, tr.Next, "step %d", i)
				require.True(t, strings.HasSuffix(tr.Text(), "Why: "+st.why+map[bool]string{true: "\nNext: " + st.next, false: ""}[st.next != ""]))
				state = d.State
			}
		})
	}
}

// The other reasons a true condition does not fire.
func TestTrace_OtherReasons(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100)))
	on := func(bar int) Evaluation {
		return Evaluation{Matched: true, Value: 101, Level: 100, Bar: bars.Bar{Time: hour(bar)}}
	}
	state := cfg.Step(NewState(), on(1), hour(1).Add(time.Minute)).State
	state.Status = StatusArmed // as if re-armed within the bar

	d := cfg.Step(state, on(1), hour(1).Add(2*time.Minute))
	require.Equal(t, "condition true but it already fired on this bar (frequency once_per_bar)", cfg.Explain(state, on(1), d, hour(1).Add(2*time.Minute)).Why)

	d = cfg.Step(state, on(0), hour(1).Add(3*time.Minute))
	require.Equal(t, "not fired: the bar of 00:00 UTC is older than the last bar evaluated (01:00 UTC)", cfg.Explain(state, on(0), d, hour(1).Add(3*time.Minute)).Why)

	closeCfg := mustParse(t, withRule(closeVs(">", 100), `"frequency": "once_per_bar_close"`))
	d = closeCfg.Step(NewState(), on(2), hour(2).Add(30*time.Minute))
	require.Equal(t, "not fired: frequency once_per_bar_close waits for the bar to close at 03:00 UTC",
		closeCfg.Explain(NewState(), on(2), d, hour(2).Add(30*time.Minute)).Why)

	// Another day's time carries its date.
	d = cfg.Step(state, on(0), hour(30))
	require.Equal(t, "not fired: the bar of 2027-01-04 00:00 UTC is older than the last bar evaluated (2027-01-04 01:00 UTC)", cfg.Explain(state, on(0), d, hour(30)).Why)
}

// A trace is bounded: the widest and deepest rule trees Parse accepts give
// at most MaxTraceNodes nodes and MaxTraceBytes of JSON, and say how many
// nodes they left out.
func TestTrace_Bounded(t *testing.T) {
	t.Parallel()
	long := `{"indicator": "bollinger", "period": 1000, "stddev": 2.123456789, "source": "volume", "output": "percent_b", "offset": 999}`
	leaf := `{"indicator": "bollinger", "period": 999, "stddev": 1.987654321, "source": "open", "output": "percent_b", "offset": 998, "operator": "exiting_channel", "lower": ` +
		long + `, "upper": ` + long + `}`
	kids := func(child string, n int) string {
		return strings.TrimSuffix(strings.Repeat(child+", ", n), ", ")
	}
	wide := `{"operator": "or", "conditions": [` + kids(`{"operator": "and", "conditions": [`+kids(leaf, maxConditions)+`]}`, maxConditions) + `]}`
	deep := leaf
	for range 60 {
		deep = `{"operator": "not", "conditions": [` + deep + `]}`
	}
	series := walk(2200, 5)
	for name, rule := range map[string]string{"Wide": wide, "Deep": deep} {
		cfg := mustParse(t, withRule(rule))
		ev, err := cfg.EvaluateWith(Input{Series: series, Trace: true})
		require.NoError(t, err)
		tr := cfg.Explain(NewState(), ev, cfg.Step(NewState(), ev, hour(2200)), hour(2200))
		nodes := 0
		var count func(n *TraceNode)
		count = func(n *TraceNode) {
			nodes++
			for i := range n.Children {
				count(&n.Children[i])
			}
		}
		count(tr.Rule)
		require.Equal(t, MaxTraceNodes, nodes, name)
		require.Positive(t, tr.OmittedNodes, name)
		data, err := json.Marshal(tr)
		require.NoError(t, err)
		require.LessOrEqual(t, len(data), MaxTraceBytes, name)
		require.Contains(t, tr.Text(), fmt.Sprintf("(%d more nodes, with what they hold, not traced", tr.OmittedNodes), name)
		t.Logf("%s: %d nodes, %d omitted, %d bytes", name, nodes, tr.OmittedNodes, len(data))
	}
}

// Without Input.Trace nothing is traced (Backtest and the API's run-alert
// build none).
func TestTrace_OnlyWhenAsked(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, design)
	ev, err := cfg.EvaluateAt(walk(100, 3), hour(100))
	require.NoError(t, err)
	require.Nil(t, ev.Trace)
	tr := cfg.Explain(NewState(), ev, cfg.Step(NewState(), ev, hour(100)), hour(100))
	require.Nil(t, tr.Rule)
	require.NotEmpty(t, tr.Why)
	require.False(t, math.IsNaN(ev.Price))
}
