package alerts

import (
	"strconv"
	"strings"
	"time"
)

// Text renders the trace for people, one line per rule node, indented by
// depth, e.g.
//
//	Rule on the bar of 2027-01-04 14:00 UTC: false
//	✗ and
//	  ✓ rsi(14) = 71.30 > 70
//	  ✗ close = 149.20 > 150
//	Rearm: hysteresis 2%; frequency once_per_bar
//	State: TRIGGERED → TRIGGERED
//	Why: condition false
//	Next: hysteresis: re-arms once rsi(14) is at or below 68.60 (now 71.30)
//
// ✓ marks a true node, ✗ a false one, ? an unknown one (an operand without a
// value). Times are UTC.
func (t *Trace) Text() string {
	var b strings.Builder
	b.WriteString("Rule on the bar of ")
	b.WriteString(when(t.BarTime, time.Time{})) // with the date
	if !t.At.IsZero() {
		b.WriteString(" (evaluated ")
		b.WriteString(when(t.At, t.BarTime))
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(t.Outcome)
	b.WriteString("\n")
	if t.Rule != nil {
		writeNode(&b, t.Rule, 0)
	} else {
		b.WriteString(t.Condition)
		b.WriteString("\n")
	}
	if t.OmittedNodes > 0 {
		b.WriteString("(" + strconv.Itoa(t.OmittedNodes) + " more nodes, with what they hold, not traced: a trace keeps " + strconv.Itoa(MaxTraceNodes) + ")\n")
	}
	b.WriteString("Rearm: " + t.Rearm + "; frequency " + t.Frequency + "\n")
	b.WriteString("State: " + stateText(t.Before) + " → " + stateText(t.After) + "\n")
	b.WriteString("Why: " + t.Why)
	if t.Next != "" {
		b.WriteString("\nNext: " + t.Next)
	}
	return b.String()
}

func stateText(s TraceState) string {
	out := s.Status
	if s.Side != "" {
		out += " (" + s.Side + ")"
	}
	return out
}

func mark(outcome string) string {
	switch outcome {
	case OutcomeTrue:
		return "✓ "
	case OutcomeFalse:
		return "✗ "
	}
	return "? "
}

func writeNode(b *strings.Builder, n *TraceNode, depth int) {
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString(mark(n.Outcome))
	if n.IsGroup() {
		b.WriteString(n.Op)
		b.WriteString("\n")
		for i := range n.Children {
			writeNode(b, &n.Children[i], depth+1)
		}
		if n.Omitted > 0 {
			b.WriteString(strings.Repeat("  ", depth+1))
			b.WriteString("… " + strconv.Itoa(n.Omitted) + " more not traced\n")
		}
		return
	}
	b.WriteString(n.LeafText())
	if n.Main {
		b.WriteString("  [main]")
	}
	b.WriteString("\n")
}

// LeafText renders a traced condition with its values, e.g. "rsi(14) =
// 71.30 > 70", "close = 101.00 crosses_above sma(50) = 100.50 (before:
// 99.00 vs 100.40)", "close = 103.00 rose 3.00% in 5 bars (from 100.00),
// needs >= 3%".
func (n *TraceNode) LeafText() string {
	get := func(role string) (TraceOperand, bool) {
		for _, o := range n.Operands {
			if o.Role == role {
				return o, true
			}
		}
		return TraceOperand{Label: "?"}, false
	}
	left, _ := get(RoleLeft)
	switch n.Op {
	case OpCrossesAbove, OpCrossesBelow, OpCrosses:
		right, _ := get(RoleRight)
		s := left.text() + " " + n.Op + " " + right.text()
		lp, ok1 := get(RoleLeftPrev)
		rp, ok2 := get(RoleRightPrev)
		if ok1 && ok2 {
			s += " (before: " + formatValue(lp.value()) + " vs " + formatValue(rp.value()) + ")"
		}
		return s
	case OpInsideChannel, OpOutsideChannel, OpEnteringChannel, OpExitingChannel:
		lo, _ := get(RoleLower)
		hi, _ := get(RoleUpper)
		s := left.text() + " " + n.Op + " [" + lo.text() + ", " + hi.text() + "]"
		lp, ok1 := get(RoleLeftPrev)
		plo, ok2 := get(RoleLowerPrev)
		phi, ok3 := get(RoleUpperPrev)
		if ok1 && ok2 && ok3 {
			s += " (before: " + formatValue(lp.value()) + " in [" + formatValue(plo.value()) + ", " + formatValue(phi.value()) + "])"
		}
		return s
	case OpChangePct:
		base, _ := get(RoleBase)
		pct, _ := get(RoleChangePct)
		level, _ := get(RoleLevel)
		verb, need := "rose", ">= "
		if n.Direction == DirectionDown {
			verb, need = "fell", "<= "
		}
		change := "no value"
		if pct.Value != nil {
			change = formatValue(*pct.Value) + "%"
		}
		return left.text() + " " + verb + " " + change + " in " + strconv.Itoa(n.Bars) + " bars (from " + formatValue(base.value()) +
			"), needs " + need + formatConst(level.value()) + "%"
	}
	right, _ := get(RoleRight)
	return left.text() + " " + n.Op + " " + right.text()
}

// text is the operand for a trace line: a constant's label, or the label
// and its value.
func (o TraceOperand) text() string {
	if o.Const {
		return o.Label
	}
	if o.Value == nil {
		return o.Label + " (no value)"
	}
	return o.Label + " = " + formatValue(*o.Value)
}
