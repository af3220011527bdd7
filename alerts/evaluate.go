package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// Evaluation errors. Evaluate wraps one of them; on ErrMissingValue the
// returned Evaluation is still filled in (Matched false).
var (
	// ErrNotEnoughData: the series is shorter than MinBars.
	ErrNotEnoughData = errors.New("not enough data")
	// ErrMissingValue: an operand the outcome depends on has no value
	// (NaN) on a bar it needs, because of missing data or a warm-up that
	// leading gaps made longer.
	ErrMissingValue = errors.New("missing value")
	// ErrBarOrder: bar times are not strictly ascending.
	ErrBarOrder = errors.New("bars out of order")
)

// Evaluation is the outcome of a rule on the latest bar of a series.
type Evaluation struct {
	// Matched reports whether the rule holds on the latest bar.
	Matched bool
	// Value is the main condition's left operand on the latest bar (for
	// change_pct, the percent change); NaN when it has no value. The main
	// condition is the rule's first condition, depth first.
	Value float64
	// Level is what the main condition compares Value with: its right
	// operand (for change_pct, +value up or -value down); NaN for channel
	// conditions or when it has no value.
	Level float64
	// Price is the latest close.
	Price float64
	// Bar is the latest bar, the one evaluated.
	Bar bars.Bar
	// Condition is the rule for people, e.g. "close > 150".
	Condition string
	// Details holds every non-constant operand's latest value by label
	// (Operand.Label), e.g. {"rsi(14)": 71.3, "close": 151.2}, plus
	// change_pct(<operand>,<bars>) for change_pct conditions. Operands with
	// no value are left out and listed in Missing.
	Details map[string]float64
	// Missing says which operands had no value where needed, e.g. "rsi(14)
	// has no value on the latest bar". A condition with a missing operand
	// is unknown: it never matches, and not(unknown) is unknown too.
	Missing []string
	// Trace is the rule tree with every node's outcome and operand values,
	// when the evaluation was asked for one (Input.Trace); nil otherwise.
	// Explain turns it and a Decision into a Trace.
	Trace *TraceNode
}

// MarshalJSON writes the evaluation for a run result: snake_case keys, the
// bar's open time as bar_time, and NaN or infinite numbers as null.
func (ev Evaluation) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		if !finite(v) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Matched   bool               `json:"matched"`
		Value     *float64           `json:"value"`
		Level     *float64           `json:"level"`
		Price     *float64           `json:"price"`
		BarTime   time.Time          `json:"bar_time"`
		Condition string             `json:"condition"`
		Details   map[string]float64 `json:"details,omitempty"`
		Missing   []string           `json:"missing,omitempty"`
	}{ev.Matched, num(ev.Value), num(ev.Level), num(ev.Price), ev.Bar.Time.UTC(), ev.Condition, ev.Details, ev.Missing})
}

// Evaluate runs the rule on the latest bar of series (oldest first). It is
// pure. It returns an error wrapping ErrBarOrder for unsorted bars,
// ErrNotEnoughData when len(series) < MinBars ("not enough data: need 51
// bars, have 10"), and ErrMissingValue when the rule's outcome cannot be
// decided because an operand it needs is NaN; an and/or whose outcome the
// other conditions decide is not an error.
//
// Bars are taken per index: the previous bar is the bar before the latest
// one in the slice however far back in time it is, so gaps (missing bars)
// are tolerated and never interpolated.
func (c *Config) Evaluate(series bars.Series) (Evaluation, error) {
	return c.EvaluateWith(Input{Series: series})
}

// Input is what EvaluateWith reads.
type Input struct {
	// Series is the alert's bars (its timeframe), oldest first; the rule is
	// evaluated on the latest.
	Series bars.Series
	// Now is the evaluation time; zero means the latest bar's close.
	// With frequency once_per_bar_close the bars still open at Now are
	// dropped first (see ClosedBars).
	Now time.Time
	// Frames holds the bars of the other timeframes the rule's operands
	// name (Config.Timeframes), oldest first, fetched with
	// Config.LookbackFor bars each. An operand on timeframe tf reads, at
	// each bar of Series, the last bar of Frames[tf] that had closed by that
	// bar's close (or by Now, for a bar still open): bars still open are
	// never read. A timeframe missing here leaves its operands without a
	// value (ErrMissingValue).
	Frames map[bars.Timeframe]bars.Series
	// Trace asks for Evaluation.Trace.
	Trace bool
}

// EvaluateWith is Evaluate on in.Series at in.Now, with a trace when
// in.Trace is set. Evaluate(s) is EvaluateWith(Input{Series: s}) and
// EvaluateAt(s, now) is EvaluateWith(Input{Series: s, Now: now}).
func (c *Config) EvaluateWith(in Input) (Evaluation, error) {
	series := in.Series
	if c.Frequency == FrequencyOncePerBarClose && !in.Now.IsZero() {
		series = c.ClosedBars(series, in.Now)
	}
	err := checkOrder(series)
	for tf, s := range in.Frames {
		if err == nil {
			if err = checkOrder(s); err != nil {
				err = fmt.Errorf("%s bars: %w", tf, err)
			}
		}
	}
	if err != nil {
		ev := Evaluation{Value: math.NaN(), Level: math.NaN(), Price: math.NaN(), Condition: c.Rule.String(), Details: map[string]float64{}}
		if last, ok := series.Last(); ok {
			ev.Bar, ev.Price = last, last.Close
		}
		return ev, err
	}
	e := c.newEvaluator(series, in.Frames, in.Now)
	e.trace = in.Trace
	return e.at(len(series)-1, true)
}

// checkOrder returns an error wrapping ErrBarOrder unless bar times strictly
// ascend.
func checkOrder(series bars.Series) error {
	for i := 1; i < len(series); i++ {
		if !series[i].Time.After(series[i-1].Time) {
			return fmt.Errorf("%w: bar %d at %s is not after bar %d at %s", ErrBarOrder,
				i, series[i].Time.UTC().Format(time.RFC3339), i-1, series[i-1].Time.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// EvaluateAt is Evaluate for a series fetched at now: with frequency
// once_per_bar_close it first drops the bars still open at now (see
// ClosedBars), so that the rule runs on the last closed bar.
func (c *Config) EvaluateAt(series bars.Series, now time.Time) (Evaluation, error) {
	return c.EvaluateWith(Input{Series: series, Now: now})
}

// ClosedBars returns series without its trailing bars that are still open at
// now. A bar is closed once now >= its open time plus the timeframe's
// duration (a 1d bar opened at 00:00 UTC closes at the next 00:00 UTC).
func (c *Config) ClosedBars(series bars.Series, now time.Time) bars.Series {
	n := len(series)
	for n > 0 && !c.barClosed(series[n-1].Time, now) {
		n--
	}
	return series[:n]
}

func (c *Config) barClosed(open, now time.Time) bool {
	return !now.Before(open.Add(c.Timeframe.Duration()))
}

// truth is a three-valued logic value: a condition with a missing operand is
// unknown.
type truth int8

const (
	unknown truth = iota
	no
	yes
)

// String is the outcome as traces show it: true, false or unknown.
func (t truth) String() string {
	switch t {
	case yes:
		return OutcomeTrue
	case no:
		return OutcomeFalse
	}
	return OutcomeUnknown
}

func truthOf(b bool) truth {
	if b {
		return yes
	}
	return no
}

// evaluator runs one config's rule on bars of one series. It is reused bar
// after bar by Backtest: the operand series are computed once (calc), and an
// evaluation without details allocates nothing.
type evaluator struct {
	cfg       *Config
	calc      *calc
	main      *Node
	condition string
	need      int // MinBars

	// Per evaluation.
	i       int       // the bar evaluated, the "latest" one
	details bool      // fill Details and Missing
	trace   bool      // build Evaluation.Trace (with details only)
	budget  int       // trace nodes left (MaxTraceNodes)
	nums    []float64 // the trace's operand values (num)
	ev      Evaluation
	err     error
}

// newEvaluator evaluates c on series, its operands on other timeframes on
// frames; now is the evaluation time (zero: each bar at its close).
func (c *Config) newEvaluator(series bars.Series, frames map[bars.Timeframe]bars.Series, now time.Time) *evaluator {
	calc := newCalc(series)
	calc.tf, calc.frames, calc.now = c.Timeframe, frames, now
	e := &evaluator{cfg: c, calc: calc, condition: c.Rule.String(), need: c.MinBars()}
	e.main, _ = c.Rule.main()
	return e
}

// at evaluates the rule on bar i of the series, as Evaluate does on
// series[:i+1]: the bars after i are never read, so there is no look-ahead.
// With details, Evaluation.Details and Missing are filled and errors name
// what is missing; without, neither is built (Details is nil) and a missing
// value is plain ErrMissingValue, so that nothing is allocated.
func (e *evaluator) at(i int, details bool) (Evaluation, error) {
	e.i, e.details, e.err = i, details, nil
	e.ev = Evaluation{Value: math.NaN(), Level: math.NaN(), Price: math.NaN(), Condition: e.condition}
	if details {
		e.ev.Details = map[string]float64{}
	}
	if i >= 0 && i < len(e.calc.series) {
		e.ev.Bar = e.calc.series[i]
		e.ev.Price = e.ev.Bar.Close
	}
	if i+1 < e.need {
		if !details {
			return e.ev, ErrNotEnoughData
		}
		return e.ev, fmt.Errorf("%w: need %d bars, have %d", ErrNotEnoughData, e.need, max(i+1, 0))
	}
	var root *TraceNode
	if details && e.trace {
		root = &TraceNode{}
		e.budget = MaxTraceNodes - 1
		e.ev.Trace = root
	}
	result := e.node(&e.cfg.Rule, root)
	if e.err != nil {
		return e.ev, e.err
	}
	e.ev.Matched = result == yes
	if result == unknown {
		if !details {
			return e.ev, ErrMissingValue
		}
		return e.ev, fmt.Errorf("%w: %s", ErrMissingValue, strings.Join(e.ev.Missing, "; "))
	}
	return e.ev, nil
}

// node evaluates n, filling tn (nil: no trace) with its outcome, operands
// and children.
func (e *evaluator) node(n *Node, tn *TraceNode) truth {
	t := e.eval(n, tn)
	if tn != nil {
		tn.Op, tn.Outcome = n.Operator, t.String()
	}
	return t
}

func (e *evaluator) eval(n *Node, tn *TraceNode) truth {
	if !n.IsGroup() {
		return e.leaf(n, tn)
	}
	var kids []TraceNode
	if tn != nil && e.budget > 0 {
		// The nodes are traced depth first, in rule order, while the
		// budget lasts; kids never grows past its capacity, so the
		// children's addresses stay put.
		kids = make([]TraceNode, 0, min(len(n.Conditions), e.budget))
	}
	// Every child is evaluated (no short cut), so that Details lists every
	// operand; the results are folded as they come, without a slice.
	var anyYes, anyNo, anyUnknown bool
	for i := range n.Conditions {
		var child *TraceNode
		if tn != nil {
			if e.budget > 0 && len(kids) < cap(kids) {
				e.budget--
				kids = kids[:len(kids)+1]
				child = &kids[len(kids)-1]
			} else {
				tn.Omitted++
			}
		}
		switch e.node(&n.Conditions[i], child) {
		case yes:
			anyYes = true
		case no:
			anyNo = true
		default:
			anyUnknown = true
		}
	}
	if tn != nil {
		tn.Children = kids
	}
	switch n.Operator {
	case OpNot:
		if len(n.Conditions) != 1 {
			return unknown
		}
		switch {
		case anyYes:
			return no
		case anyNo:
			return yes
		}
		return unknown
	case OpAnd:
		switch {
		case anyNo:
			return no
		case anyUnknown:
			return unknown
		}
		return yes
	default: // or
		switch {
		case anyYes:
			return yes
		case anyUnknown:
			return unknown
		}
		return no
	}
}

// value returns o on bar i, recording its latest value in Details and a
// missing value in Missing.
func (e *evaluator) value(o *Operand, i int) float64 {
	if o == nil {
		return math.NaN()
	}
	v, err := e.calc.at(o, i)
	if err != nil {
		if e.err == nil {
			e.err = err
		}
		return math.NaN()
	}
	if o.IsConst() {
		return v
	}
	if !e.details {
		return v
	}
	if math.IsNaN(v) {
		e.missing(o.Label(), i)
	} else if i == e.i {
		e.ev.Details[o.Label()] = v
	}
	return v
}

func (e *evaluator) missing(label string, i int) {
	var where string
	switch e.i - i {
	case 0:
		where = "on the latest bar"
	case 1:
		where = "on the previous bar"
	default:
		where = strconv.Itoa(e.i-i) + " bars back"
	}
	e.note(label + " has no value " + where)
}

// note adds a line to Missing once (with details only).
func (e *evaluator) note(msg string) {
	if e.details && !slices.Contains(e.ev.Missing, msg) {
		e.ev.Missing = append(e.ev.Missing, msg)
	}
}

func (e *evaluator) leaf(n *Node, tn *TraceNode) truth {
	i := e.i
	x := e.value(&n.Left, i)
	var result truth
	level := math.NaN()
	switch {
	case slices.Contains(comparisonOps, n.Operator):
		r := e.value(n.Right, i)
		level = r
		if tn != nil {
			tn.Operands = append(make([]TraceOperand, 0, 2), e.operand(RoleLeft, &n.Left, x), e.operand(RoleRight, n.Right, r))
		}
		if math.IsNaN(x) || math.IsNaN(r) {
			break
		}
		cmp := compare(x, r)
		switch n.Operator {
		case OpGreater:
			result = truthOf(cmp > 0)
		case OpGreaterOrEqual:
			result = truthOf(cmp >= 0)
		case OpLess:
			result = truthOf(cmp < 0)
		case OpLessOrEqual:
			result = truthOf(cmp <= 0)
		case OpEqual:
			result = truthOf(cmp == 0)
		default:
			result = truthOf(cmp != 0)
		}

	case slices.Contains(crossOps, n.Operator):
		r := e.value(n.Right, i)
		px, pr := e.value(&n.Left, i-1), e.value(n.Right, i-1)
		level = r
		if tn != nil {
			tn.Operands = append(make([]TraceOperand, 0, 4), e.operand(RoleLeft, &n.Left, x), e.operand(RoleRight, n.Right, r),
				e.again(RoleLeftPrev, &n.Left, px), e.again(RoleRightPrev, n.Right, pr))
		}
		if math.IsNaN(x) || math.IsNaN(r) || math.IsNaN(px) || math.IsNaN(pr) {
			break
		}
		now, before := compare(x, r), compare(px, pr)
		up := before <= 0 && now > 0   // from at-or-below to above
		down := before >= 0 && now < 0 // from at-or-above to below
		switch n.Operator {
		case OpCrossesAbove:
			result = truthOf(up)
		case OpCrossesBelow:
			result = truthOf(down)
		default:
			result = truthOf(up || down)
		}

	case slices.Contains(channelOps, n.Operator):
		lo, hi := e.value(n.Lower, i), e.value(n.Upper, i)
		if tn != nil {
			tn.Operands = append(make([]TraceOperand, 0, 6), e.operand(RoleLeft, &n.Left, x), e.operand(RoleLower, n.Lower, lo), e.operand(RoleUpper, n.Upper, hi))
		}
		if math.IsNaN(x) || math.IsNaN(lo) || math.IsNaN(hi) {
			break
		}
		inside := compare(x, lo) >= 0 && compare(x, hi) <= 0
		switch n.Operator {
		case OpInsideChannel:
			result = truthOf(inside)
		case OpOutsideChannel:
			result = truthOf(!inside)
		default:
			px, plo, phi := e.value(&n.Left, i-1), e.value(n.Lower, i-1), e.value(n.Upper, i-1)
			if tn != nil {
				tn.Operands = append(tn.Operands, e.again(RoleLeftPrev, &n.Left, px), e.again(RoleLowerPrev, n.Lower, plo), e.again(RoleUpperPrev, n.Upper, phi))
			}
			if math.IsNaN(px) || math.IsNaN(plo) || math.IsNaN(phi) {
				break
			}
			was := compare(px, plo) >= 0 && compare(px, phi) <= 0
			if n.Operator == OpEnteringChannel {
				result = truthOf(!was && inside)
			} else {
				result = truthOf(was && !inside)
			}
		}

	case n.Operator == OpChangePct:
		base := e.value(&n.Left, i-n.Bars)
		pct := math.NaN()
		switch {
		case math.IsNaN(x) || math.IsNaN(base):
		case base == 0:
			if e.details {
				e.note(changePctLabel(n) + " is undefined: the value " + strconv.Itoa(n.Bars) + " bars back is 0")
			}
		default:
			pct = 100 * (x - base) / math.Abs(base)
			switch {
			case !finite(pct):
				if e.details {
					e.note(changePctLabel(n) + " overflows")
				}
				pct = math.NaN()
			case e.details:
				e.ev.Details[changePctLabel(n)] = pct
			}
		}
		if n.Right != nil {
			level = n.Right.Value
			if n.Direction == DirectionDown {
				level = -level
			}
		}
		if tn != nil {
			tn.Bars, tn.Direction = n.Bars, n.Direction
			tn.Operands = append(make([]TraceOperand, 0, 4), e.operand(RoleLeft, &n.Left, x), e.again(RoleBase, &n.Left, base),
				TraceOperand{Role: RoleChangePct, Label: changePctLabel(n), Value: e.num(pct)}, TraceOperand{Role: RoleLevel, Label: formatConst(level), Value: e.num(level), Const: true})
		}
		x = pct
		if math.IsNaN(pct) {
			break
		}
		if n.Direction == DirectionDown {
			result = truthOf(compare(pct, level) <= 0)
		} else {
			result = truthOf(compare(pct, level) >= 0)
		}

	default:
		if e.err == nil {
			e.err = fmt.Errorf("evaluate: unknown operator %q", n.Operator)
		}
	}
	if n == e.main {
		e.ev.Value, e.ev.Level = x, level
		if tn != nil {
			tn.Main = true
		}
	}
	return result
}

// changePctLabel names a change_pct condition's value in Details:
// change_pct(close,5).
func changePctLabel(n *Node) string {
	return "change_pct(" + n.Left.Label() + "," + strconv.Itoa(n.Bars) + ")"
}

// compare orders a and b, treating values within a relative 1e-9 of each
// other as equal so that float rounding in indicators does not decide "exactly
// at the level".
func compare(a, b float64) int {
	switch {
	case a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)):
		return 0
	case a < b:
		return -1
	}
	return 1
}
