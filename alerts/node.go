package alerts

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Group operators.
const (
	OpAnd = "and"
	OpOr  = "or"
	OpNot = "not"
)

// Condition operators.
const (
	OpGreater         = ">"
	OpGreaterOrEqual  = ">="
	OpLess            = "<"
	OpLessOrEqual     = "<="
	OpEqual           = "=="
	OpNotEqual        = "!="
	OpCrossesAbove    = "crosses_above"
	OpCrossesBelow    = "crosses_below"
	OpCrosses         = "crosses"
	OpInsideChannel   = "inside_channel"
	OpOutsideChannel  = "outside_channel"
	OpEnteringChannel = "entering_channel"
	OpExitingChannel  = "exiting_channel"
	OpChangePct       = "change_pct"
)

// Directions of a change_pct condition.
const (
	DirectionUp   = "up"
	DirectionDown = "down"
)

var (
	groupOps      = []string{OpAnd, OpOr, OpNot}
	comparisonOps = []string{OpGreater, OpGreaterOrEqual, OpLess, OpLessOrEqual, OpEqual, OpNotEqual}
	crossOps      = []string{OpCrossesAbove, OpCrossesBelow, OpCrosses}
	channelOps    = []string{OpInsideChannel, OpOutsideChannel, OpEnteringChannel, OpExitingChannel}
	conditionOps  = slices.Concat(comparisonOps, crossOps, channelOps, []string{OpChangePct})
)

// Node is one node of a rule tree: a group (Operator and, or or not over
// Conditions) or a condition leaf (any other Operator, with operands).
//
// Which operand fields a condition uses depends on its operator:
//
//	> >= < <= == !=                    Left, Right
//	crosses_above crosses_below crosses Left, Right
//	inside_channel outside_channel      Left, Lower, Upper
//	entering_channel exiting_channel    Left, Lower, Upper
//	change_pct                          Left, Bars, Direction, Right (a constant percentage)
type Node struct {
	// Operator is and, or or not for a group; a condition operator (Op*)
	// for a leaf.
	Operator string
	// Conditions are a group's children; not has exactly one.
	Conditions []Node
	// Left is the operand a condition tests (JSON "indicator" and its
	// parameters).
	Left Operand
	// Right is the other side of a comparison or crossing (JSON "value" or
	// "right"), or change_pct's percentage (JSON "value").
	Right *Operand
	// Lower and Upper bound a channel condition.
	Lower, Upper *Operand
	// Bars is change_pct's look-back in bars.
	Bars int
	// Direction is change_pct's direction: up or down.
	Direction string
}

// IsGroup reports whether n is an and/or/not group rather than a condition.
func (n *Node) IsGroup() bool { return slices.Contains(groupOps, n.Operator) }

// String renders the rule for people, e.g. "rsi(14) > 70 and close > 150",
// "close crosses_above sma(50)", "close inside_channel [bollinger(20,2).lower,
// bollinger(20,2).upper]" or "close rose >= 3% in 5 bars".
func (n *Node) String() string {
	var sb strings.Builder
	n.write(&sb)
	return sb.String()
}

func (n *Node) write(sb *strings.Builder) {
	switch {
	case n.Operator == OpNot:
		sb.WriteString("not (")
		if len(n.Conditions) > 0 {
			n.Conditions[0].write(sb)
		}
		sb.WriteString(")")
	case n.IsGroup():
		for i := range n.Conditions {
			if i > 0 {
				sb.WriteString(" " + n.Operator + " ")
			}
			child := &n.Conditions[i]
			paren := child.IsGroup() && child.Operator != OpNot
			if paren {
				sb.WriteString("(")
			}
			child.write(sb)
			if paren {
				sb.WriteString(")")
			}
		}
	case slices.Contains(channelOps, n.Operator):
		sb.WriteString(n.Left.Label() + " " + n.Operator + " [" + n.Lower.Label() + ", " + n.Upper.Label() + "]")
	case n.Operator == OpChangePct:
		verb := "rose"
		if n.Direction == DirectionDown {
			verb = "fell"
		}
		sb.WriteString(n.Left.Label() + " " + verb + " >= " + n.Right.Label() + "% in " + strconv.Itoa(n.Bars) + " bars")
	default:
		sb.WriteString(n.Left.Label() + " " + n.Operator + " " + n.Right.Label())
	}
}

// MarshalJSON writes the node in the full-form JSON that Parse reads, with
// every default spelled out.
func (n Node) MarshalJSON() ([]byte, error) {
	if n.IsGroup() {
		children := n.Conditions
		if children == nil {
			children = []Node{}
		}
		return json.Marshal(struct {
			Operator   string `json:"operator"`
			Conditions []Node `json:"conditions"`
		}{n.Operator, children})
	}
	m := n.Left.fields()
	m["operator"] = n.Operator
	switch {
	case slices.Contains(channelOps, n.Operator):
		m["lower"], m["upper"] = n.Lower, n.Upper
	case n.Operator == OpChangePct:
		m["value"], m["bars"], m["direction"] = n.Right, n.Bars, n.Direction
	case n.Right != nil && n.Right.IsConst():
		m["value"] = n.Right
	default:
		m["right"] = n.Right
	}
	return json.Marshal(m)
}

// leaves calls f for every condition under n, depth first, with whether it
// sits under an odd number of nots.
func (n *Node) leaves(negated bool, f func(leaf *Node, negated bool)) {
	if !n.IsGroup() {
		f(n, negated)
		return
	}
	for i := range n.Conditions {
		n.Conditions[i].leaves(negated != (n.Operator == OpNot), f)
	}
}

// main returns the rule's main condition, the first leaf depth first, and
// whether it is negated. Evaluation.Value and Level, hysteresis and crossing
// rearm all refer to it.
func (n *Node) main() (*Node, bool) {
	if !n.IsGroup() {
		return n, false
	}
	if len(n.Conditions) == 0 {
		return nil, false
	}
	leaf, negated := n.Conditions[0].main()
	return leaf, negated != (n.Operator == OpNot)
}

// upward reports whether the condition is true above its level (> >=
// crosses_above, change_pct up) or below it (< <= crosses_below, change_pct
// down), and false in ok for conditions with no direction.
func (n *Node) upward() (up, ok bool) {
	switch n.Operator {
	case OpGreater, OpGreaterOrEqual, OpCrossesAbove:
		return true, true
	case OpLess, OpLessOrEqual, OpCrossesBelow:
		return false, true
	case OpChangePct:
		return n.Direction == DirectionUp, true
	}
	return false, false
}

// hasLevel reports whether the condition compares against a single level, the
// one Evaluation.Level reports.
func (n *Node) hasLevel() bool {
	return slices.Contains(comparisonOps, n.Operator) || slices.Contains(crossOps, n.Operator) || n.Operator == OpChangePct
}
