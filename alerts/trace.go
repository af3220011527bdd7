package alerts

import (
	"math"
	"strconv"
	"time"
)

// MaxTraceNodes bounds a trace's rule tree: at most this many nodes (groups
// and conditions) are traced, depth first in rule order; a group counts the
// children that did not fit (each with its subtree) in Omitted. Every node
// is still evaluated. With at most six operands a
// condition and labels of a few dozen characters, a trace's JSON stays under
// MaxTraceBytes; a rule of two or three conditions takes under 1 KiB.
const MaxTraceNodes = 50

// MaxTraceCondition bounds Trace.Condition, in characters; a longer rule
// text is cut with "…" (the tree holds the nodes).
const MaxTraceCondition = 500

// MaxTraceBytes bounds the JSON of a Trace (TestTrace_Bounded checks it on
// the largest rule trees).
const MaxTraceBytes = 32 << 10

// Outcomes of a traced node.
const (
	OutcomeTrue    = "true"
	OutcomeFalse   = "false"
	OutcomeUnknown = "unknown" // an operand it needs has no value
)

// Roles of a traced operand.
const (
	RoleLeft      = "left"       // the operand the condition tests, on the bar
	RoleRight     = "right"      // what it is compared with or crosses
	RoleLower     = "lower"      // a channel's lower bound
	RoleUpper     = "upper"      // a channel's upper bound
	RoleLeftPrev  = "left_prev"  // left on the bar before (crossings, entering/exiting)
	RoleRightPrev = "right_prev" // right on the bar before (crossings)
	RoleLowerPrev = "lower_prev" // lower on the bar before (entering/exiting)
	RoleUpperPrev = "upper_prev" // upper on the bar before (entering/exiting)
	RoleBase      = "base"       // change_pct: left "bars" bars back
	RoleChangePct = "change_pct" // change_pct: the percent change from base to left
	RoleLevel     = "level"      // change_pct: the percent it must reach (negative: down)
)

// TraceNode is one node of an evaluated rule tree: a group with its children
// or a condition with its operands, and its outcome on the bar.
type TraceNode struct {
	// Op is the node's operator: and, or, not, or a condition operator.
	Op string `json:"op"`
	// Outcome is true, false or unknown.
	Outcome string `json:"outcome"`
	// Main marks the main condition (the first, depth first), the one
	// hysteresis and crossing rearm follow.
	Main bool `json:"main,omitempty"`
	// Operands are a condition's operands with their values.
	Operands []TraceOperand `json:"operands,omitempty"`
	// Bars and Direction are change_pct's.
	Bars      int    `json:"bars,omitempty"`
	Direction string `json:"direction,omitempty"`
	// Children are a group's children in rule order, the first ones when
	// they did not all fit in MaxTraceNodes.
	Children []TraceNode `json:"children,omitempty"`
	// Omitted counts a group's children left out of the trace (with their
	// subtrees); they were evaluated all the same.
	Omitted int `json:"omitted,omitempty"`
}

// IsGroup reports whether the node is an and/or/not group.
func (n *TraceNode) IsGroup() bool { return n.Op == OpAnd || n.Op == OpOr || n.Op == OpNot }

// TraceOperand is one operand of a traced condition.
type TraceOperand struct {
	// Role says which side it is: left, right, lower, upper, left_prev, ...
	Role string `json:"role"`
	// Label names it (Operand.Label), e.g. rsi(14) or 70; empty for the
	// roles that repeat another's operand (left_prev, right_prev,
	// lower_prev, upper_prev, base).
	Label string `json:"label,omitempty"`
	// Value is its value; nil (JSON null) when it has none.
	Value *float64 `json:"value"`
	// Const marks a constant.
	Const bool `json:"const,omitempty"`
}

// value is the operand's value, NaN when it has none.
func (o *TraceOperand) value() float64 {
	if o.Value == nil {
		return math.NaN()
	}
	return *o.Value
}

// num returns a pointer to v for a TraceOperand, nil for NaN. The values
// of one evaluation share chunks of memory, so that a trace costs a few
// allocations rather than one per operand.
func (e *evaluator) num(v float64) *float64 {
	if !finite(v) {
		return nil
	}
	if len(e.nums) == cap(e.nums) {
		e.nums = make([]float64, 0, 16) // earlier chunks stay where they are
	}
	e.nums = append(e.nums, v)
	return &e.nums[len(e.nums)-1]
}

// operand traces o with value v.
func (e *evaluator) operand(role string, o *Operand, v float64) TraceOperand {
	if o == nil {
		return TraceOperand{Role: role, Label: "?"}
	}
	return TraceOperand{Role: role, Label: e.label(o), Value: e.num(v), Const: o.IsConst()}
}

// again traces o's value v on another bar, without repeating its label.
func (e *evaluator) again(role string, o *Operand, v float64) TraceOperand {
	if o == nil {
		return TraceOperand{Role: role}
	}
	return TraceOperand{Role: role, Value: e.num(v), Const: o.IsConst()}
}

// Trace explains one evaluation of an alert: the rule tree with each node's
// outcome and operand values, the re-arm state before and after, and why the
// alert fired or did not, in words. The alert worker stores it in each run's
// result ("trace"); Text renders it for people.
type Trace struct {
	// Condition is the rule for people, e.g. "rsi(14) > 70 and close > 150",
	// at most MaxTraceCondition characters.
	Condition string `json:"condition"`
	// BarTime is the open time of the bar evaluated; At is the evaluation
	// time.
	BarTime time.Time `json:"bar_time"`
	At      time.Time `json:"at"`
	// Outcome is the rule's outcome on the bar: true, false or unknown.
	Outcome string `json:"outcome"`
	// Rule is the evaluated rule tree; nil when the rule was not evaluated
	// (not enough data).
	Rule *TraceNode `json:"rule,omitempty"`
	// OmittedNodes counts the nodes left out of Rule (MaxTraceNodes), each
	// with its subtree.
	OmittedNodes int `json:"omitted_nodes,omitempty"`
	// Rearm is the re-arm configuration in words, e.g. "hysteresis 2%,
	// cooldown 300s", or "none (edge-triggered)".
	Rearm string `json:"rearm"`
	// Frequency is the config's frequency.
	Frequency string `json:"frequency"`
	// Before and After are the alert's state before and after the
	// evaluation.
	Before TraceState `json:"before"`
	After  TraceState `json:"after"`
	// Fired reports whether the alert fired.
	Fired bool `json:"fired"`
	// Why says why it fired or did not, e.g. "condition true but cooldown
	// until 14:10 UTC (last fired 14:05 UTC)" or "condition true but
	// waiting for 2 more bars of persistence (1/3)".
	Why string `json:"why"`
	// Next says what lets the alert fire again from the state after, e.g.
	// "hysteresis: re-arms once rsi(14) is at or below 68.60 (now 72.10)";
	// empty when nothing but the condition is needed.
	Next string `json:"next,omitempty"`
}

// TraceState is the part of State a trace shows.
type TraceState struct {
	// Status is ARMED, TRIGGERED or COOLDOWN.
	Status string `json:"status"`
	// Side is the main condition's side of its level, for crossing rearm.
	Side string `json:"side,omitempty"`
	// ConsecutiveTrue counts the bars the condition has held (persistence).
	ConsecutiveTrue int `json:"consecutive_true"`
	// TriggerCount counts the times the alert fired.
	TriggerCount int `json:"trigger_count"`
	// LastTriggeredAt is when it last fired.
	LastTriggeredAt *time.Time `json:"last_triggered_at,omitempty"`
	// CooldownUntil is the end of the cooldown after the last trigger, when
	// it is after the evaluation time.
	CooldownUntil *time.Time `json:"cooldown_until,omitempty"`
}

// traceState summarises s at now.
func (c *Config) traceState(s *State, now time.Time) TraceState {
	ts := TraceState{Status: s.Status, ConsecutiveTrue: s.ConsecutiveTrue, TriggerCount: s.TriggerCount,
		LastTriggeredAt: s.LastTriggeredAt}
	if c.rearmType() == RearmCrossing {
		ts.Side = s.Side
	}
	if until, cooling := c.cooldownUntil(s, now); cooling {
		ts.CooldownUntil = &until
	}
	return ts
}

// Explain builds the trace of a run: ev is the evaluation (with its Trace
// when it was asked for with Input.Trace), prev the state Step was given and
// d its decision, at now.
func (c *Config) Explain(prev State, ev Evaluation, d Decision, now time.Time) Trace {
	prev = prev.normalised()
	now = now.UTC()
	t := Trace{Condition: ev.Condition, BarTime: ev.Bar.Time.UTC(), At: now, Outcome: OutcomeFalse, Rule: ev.Trace,
		Rearm: c.rearmText(), Frequency: c.Frequency, Before: c.traceState(&prev, now), After: c.traceState(&d.State, now),
		Fired: d.Fire}
	t.Condition = c.conditionText(t.Condition)
	if ev.Matched {
		t.Outcome = OutcomeTrue
	}
	if ev.Trace != nil {
		t.Outcome = ev.Trace.Outcome
		t.OmittedNodes = omitted(ev.Trace)
	}
	t.Why = c.why(d.code, &prev, &d.State, &ev, now)
	t.Next = c.next(&d.State, &ev, now)
	return t
}

// ExplainError is the trace of an evaluation that failed (not enough data,
// a missing value): the rule was not decided and the state is unchanged.
func (c *Config) ExplainError(prev State, ev Evaluation, err error, now time.Time) Trace {
	prev = prev.normalised()
	now = now.UTC()
	st := c.traceState(&prev, now)
	t := Trace{Condition: ev.Condition, BarTime: ev.Bar.Time.UTC(), At: now, Outcome: OutcomeUnknown, Rule: ev.Trace,
		Rearm: c.rearmText(), Frequency: c.Frequency, Before: st, After: st}
	t.Condition = c.conditionText(t.Condition)
	if ev.Trace != nil {
		t.OmittedNodes = omitted(ev.Trace)
	}
	t.Why = "not evaluated, state unchanged: " + err.Error()
	return t
}

// conditionText is the rule text for a trace, cut at MaxTraceCondition
// characters.
func (c *Config) conditionText(s string) string {
	if s == "" {
		s = c.Rule.String()
	}
	if r := []rune(s); len(r) > MaxTraceCondition {
		s = string(r[:MaxTraceCondition-1]) + "…"
	}
	return s
}

// omitted counts the nodes left out of a trace.
func omitted(n *TraceNode) int {
	k := n.Omitted
	for i := range n.Children {
		k += omitted(&n.Children[i])
	}
	return k
}

// rearmText describes the re-arm configuration.
func (c *Config) rearmText() string {
	if c.Rearm == nil {
		return "none (edge-triggered: re-arms once the condition is false)"
	}
	s := c.Rearm.Type
	switch c.Rearm.Type {
	case RearmHysteresis:
		s += " " + formatConst(100*c.Rearm.Threshold) + "%"
	case RearmCooldown:
		return s + " " + strconv.Itoa(c.Rearm.Cooldown) + "s" + barsText(c.Rearm.Bars)
	}
	if c.Rearm.Cooldown > 0 {
		s += ", cooldown " + strconv.Itoa(c.Rearm.Cooldown) + "s"
	}
	return s + barsText(c.Rearm.Bars)
}

func barsText(n int) string {
	if n <= 0 {
		return ""
	}
	return ", " + strconv.Itoa(n) + " bars"
}

// mainLabel names the main condition's value.
func (c *Config) mainLabel() string {
	main, _ := c.Rule.main()
	if main == nil {
		return "the value"
	}
	if main.Operator == OpChangePct {
		return changePctLabel(main)
	}
	return main.Left.Label()
}

// why says in words why a step fired or did not.
func (c *Config) why(code reason, prev, s *State, ev *Evaluation, now time.Time) string {
	bar := ev.Bar.Time.UTC()
	switch code {
	case reasonFired:
		switch {
		case c.rearmType() == RearmCrossing:
			return "fired: condition true and " + c.mainLabel() + " changed side (" + sideName(prev.Side) + " → " + sideName(s.Side) + ")"
		case c.persistenceBars() > 0:
			return "fired: condition true on " + strconv.Itoa(s.ConsecutiveTrue) + " consecutive bars (persistence " + strconv.Itoa(c.persistenceBars()) + ")"
		case prev.Status == StatusTriggered:
			return "fired: condition true and re-armed (" + c.rearmedText() + ")"
		case prev.Status == StatusCooldown:
			return "fired: condition true and the cooldown was over"
		}
		return "fired: condition true and the alert was armed"
	case reasonExpired:
		return "not fired: the alert expired at " + when(*c.ExpiresAt, now)
	case reasonStale:
		return "not fired: the bar of " + when(bar, now) + " is older than the last bar evaluated (" + when(*prev.LastBar, now) + ")"
	case reasonBarOpen:
		return "not fired: frequency once_per_bar_close waits for the bar to close at " + when(bar.Add(c.Timeframe.Duration()), now)
	case reasonOnce:
		last := "before"
		if s.LastTriggeredAt != nil {
			last = "at " + when(*s.LastTriggeredAt, now)
		}
		return "not fired: frequency once, and it already fired " + last
	case reasonFalse:
		if prev.Status == StatusTriggered && s.Status != StatusTriggered {
			return "condition false; re-armed (" + c.rearmedText() + ")"
		}
		return "condition false"
	case reasonWaitRearm:
		return "condition true but " + c.waitText(ev)
	case reasonCooldown:
		until, _ := c.cooldownUntil(s, now)
		text := "condition true but cooldown until " + when(until, now)
		if s.LastTriggeredAt != nil {
			text += " (last fired " + when(*s.LastTriggeredAt, now) + ")"
		}
		return text
	case reasonNoSideChange:
		if prev.Side == "" {
			return "condition true but crossing rearm only records the first side (" + sideName(s.Side) + ") and fires on the next side change"
		}
		return "condition true but no side change: crossing rearm fires only when " + c.mainLabel() + " changes side (still " + sideName(s.Side) + ")"
	case reasonPersistence:
		need := c.persistenceBars()
		more := need - s.ConsecutiveTrue
		unit := " more bars"
		if more == 1 {
			unit = " more bar"
		}
		return "condition true but waiting for " + strconv.Itoa(more) + unit + " of persistence (" + strconv.Itoa(s.ConsecutiveTrue) + "/" + strconv.Itoa(need) + ")"
	case reasonThisBar:
		return "condition true but it already fired on this bar (frequency " + c.Frequency + ")"
	}
	return short[code]
}

// rearmedText says what re-armed a TRIGGERED alert.
func (c *Config) rearmedText() string {
	switch c.rearmType() {
	case RearmHysteresis:
		if _, ok := c.hysteresisUp(); ok {
			return c.mainLabel() + " moved back beyond the hysteresis band"
		}
	case RearmCrossing:
		return c.mainLabel() + " changed side"
	case RearmSimple, RearmCooldown:
		return "re-arms at once"
	}
	if c.Frequency == FrequencyEveryTime && c.Rearm == nil {
		return "every_time"
	}
	return "the condition was false"
}

// waitText says what a TRIGGERED alert waits for, for an evaluation ev.
func (c *Config) waitText(ev *Evaluation) string {
	switch c.rearmType() {
	case RearmHysteresis:
		if up, ok := c.hysteresisUp(); ok {
			return "waiting for hysteresis: " + c.hysteresisText(ev, up)
		}
	case RearmCrossing:
		return "waiting for " + c.mainLabel() + " to cross back (still " + sideName(sideOf(ev.Value, ev.Level)) + ")"
	}
	return "it already fired while the condition held: it re-arms once the condition is false"
}

// hysteresisText is where a hysteresis alert re-arms, e.g. "re-arms once
// rsi(14) is at or below 68.60 (now 72.10)".
func (c *Config) hysteresisText(ev *Evaluation, up bool) string {
	bound := c.hysteresisBound(ev.Level, up)
	dir := "at or below "
	if !up {
		dir = "at or above "
	}
	return "re-arms once " + c.mainLabel() + " is " + dir + formatValue(bound) + " (now " + formatValue(ev.Value) + ")"
}

// next says what lets the alert fire again from state s.
func (c *Config) next(s *State, ev *Evaluation, now time.Time) string {
	switch s.Status {
	case StatusTriggered:
		if c.Frequency == FrequencyOnce && s.TriggerCount > 0 {
			return "frequency once: it never fires again"
		}
		switch c.rearmType() {
		case RearmHysteresis:
			if up, ok := c.hysteresisUp(); ok {
				return "hysteresis: " + c.hysteresisText(ev, up)
			}
		case RearmCrossing:
			return "crossing: re-arms when " + c.mainLabel() + " crosses to the other side of the level (now " + sideName(s.Side) + ")"
		}
		return "re-arms once the condition is false"
	case StatusCooldown:
		if until, ok := c.cooldownUntil(s, now); ok {
			return "cooldown: armed again at " + when(until, now)
		}
	}
	if n := c.persistenceBars(); n > 0 && s.ConsecutiveTrue < n {
		return "persistence: fires once the condition has held on " + strconv.Itoa(n) + " consecutive bars (" + strconv.Itoa(s.ConsecutiveTrue) + " so far)"
	}
	if c.rearmType() == RearmCrossing {
		return "crossing: fires when " + c.mainLabel() + " changes side while the condition holds (now " + sideName(s.Side) + ")"
	}
	return ""
}

// when formats t for a trace: "14:10 UTC" on now's day, else with the
// date; seconds only when not zero.
func when(t, now time.Time) string {
	t = t.UTC()
	layout := "15:04"
	if t.Second() != 0 {
		layout = "15:04:05"
	}
	if y, m, d := t.Date(); y != now.Year() || m != now.Month() || d != now.Day() {
		layout = "2006-01-02 " + layout
	}
	return t.Format(layout) + " UTC"
}

// label names o in a trace.
func (e *evaluator) label(o *Operand) string { return o.Label() }
