package screener

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/alerts"
)

// Rank orders reported in Result.RankOrder.
const (
	OrderAscending  = "asc"
	OrderDescending = "desc"
)

// rankSource is where a rank value comes from.
type rankSource int

const (
	fromMarketCap rankSource = iota
	fromPERatio
	fromAvgVolume
	fromClose
	fromChangePct
	fromRule // Evaluation.Details[rankKey.name]
)

// rankKey is a resolved rank_by.
type rankKey struct {
	name string // canonical: market_cap, pe_ratio, avg_volume, close, change_pct or a rule label
	src  rankSource
	asc  bool
}

// needsFundamentals reports whether the key is a fundamentals figure.
func (k rankKey) needsFundamentals() bool { return k.src <= fromAvgVolume }

// needsBars reports whether the key is computed from bars.
func (k rankKey) needsBars() bool { return k.src >= fromClose }

func (k rankKey) order() string {
	if k.asc {
		return OrderAscending
	}
	return OrderDescending
}

// ruleOperand is a rankable value of a rule: a non-constant operand or a
// change_pct condition's percentage, both keyed in Evaluation.Details by
// label.
type ruleOperand struct {
	label     string // "rsi(14)"
	snake     string // "rsi_14"
	indicator string // "rsi"
	asc       bool
	tested    bool // asc was set by a condition testing it
}

// ruleOperands lists the rankable values of cfg's rule, each label once, in
// rule order.
func ruleOperands(cfg *alerts.Config) []ruleOperand {
	if cfg == nil {
		return nil
	}
	var out []ruleOperand
	add := func(label, indicator string, tested, asc bool) {
		i := slices.IndexFunc(out, func(o ruleOperand) bool { return o.label == label })
		if i < 0 {
			out = append(out, ruleOperand{label: label, snake: snake(label), indicator: indicator})
			i = len(out) - 1
		}
		if tested && !out[i].tested {
			out[i].asc, out[i].tested = asc, true
		}
	}
	side := func(o *alerts.Operand) {
		if o != nil && !o.IsConst() {
			add(o.Label(), o.Indicator, false, false)
		}
	}
	var walk func(n *alerts.Node, negated bool)
	walk = func(n *alerts.Node, negated bool) {
		if n.IsGroup() {
			for i := range n.Conditions {
				walk(&n.Conditions[i], negated != (n.Operator == alerts.OpNot))
			}
			return
		}
		switch n.Operator {
		case alerts.OpChangePct:
			side(&n.Left)
			add("change_pct("+n.Left.Label()+","+strconv.Itoa(n.Bars)+")", alerts.OpChangePct, true,
				(n.Direction == alerts.DirectionDown) != negated)
		default:
			below := n.Operator == alerts.OpLess || n.Operator == alerts.OpLessOrEqual || n.Operator == alerts.OpCrossesBelow
			above := n.Operator == alerts.OpGreater || n.Operator == alerts.OpGreaterOrEqual || n.Operator == alerts.OpCrossesAbove
			if !n.Left.IsConst() {
				add(n.Left.Label(), n.Left.Indicator, below || above, below != negated)
			}
			side(n.Right)
			side(n.Lower)
			side(n.Upper)
		}
	}
	walk(&cfg.Rule, false)
	return out
}

// snake writes a label in the rank_by alphabet: "bollinger(20,2).lower" →
// "bollinger_20_2_lower".
func snake(label string) string {
	var sb strings.Builder
	gap := false
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if gap && sb.Len() > 0 {
				sb.WriteByte('_')
			}
			sb.WriteRune(r)
			gap = false
		} else {
			gap = true
		}
	}
	return sb.String()
}

// resolveRank maps rank_by to a rank key; see the package documentation.
func resolveRank(name string, rule *alerts.Config) (rankKey, error) {
	base, order := name, ""
	for _, suf := range []string{"_" + OrderAscending, "_" + OrderDescending} {
		if b, ok := strings.CutSuffix(name, suf); ok && b != "" {
			base, order = b, suf[1:]
		}
	}
	var k rankKey
	switch base {
	case RankMarketCap:
		k = rankKey{name: RankMarketCap, src: fromMarketCap}
	case RankPERatio:
		k = rankKey{name: RankPERatio, src: fromPERatio, asc: true}
	case RankAvgVolume, RankVolume:
		k = rankKey{name: RankAvgVolume, src: fromAvgVolume}
	case RankClose:
		k = rankKey{name: RankClose, src: fromClose}
	case RankChangePct:
		k = rankKey{name: RankChangePct, src: fromChangePct}
	default:
		ops := ruleOperands(rule)
		i := slices.IndexFunc(ops, func(o ruleOperand) bool { return o.label == base || o.snake == base })
		if i < 0 {
			var same []ruleOperand
			for _, o := range ops {
				if o.indicator == base {
					same = append(same, o)
				}
			}
			switch len(same) {
			case 0:
			case 1:
				i = slices.IndexFunc(ops, func(o ruleOperand) bool { return o.label == same[0].label })
			default:
				return rankKey{}, fmt.Errorf("%q is ambiguous: the rule has %s", name, snakes(same, " and "))
			}
		}
		if i < 0 {
			msg := fmt.Sprintf("unknown field %q: use market_cap, pe_ratio, avg_volume, close, change_pct", name)
			if len(ops) > 0 {
				msg += " or an operand of the rule (" + snakes(ops, ", ") + ")"
			} else {
				msg += " (or an operand of filter_criteria.rule)"
			}
			return rankKey{}, fmt.Errorf("%s", msg)
		}
		k = rankKey{name: ops[i].label, src: fromRule, asc: ops[i].asc}
	}
	if order != "" {
		k.asc = order == OrderAscending
	}
	return k, nil
}

func snakes(ops []ruleOperand, sep string) string {
	names := make([]string, len(ops))
	for i, o := range ops {
		names[i] = o.snake
	}
	return strings.Join(names, sep)
}

// rankMatches sorts matches by key: values in the key's direction, ties by
// symbol, matches without a value last (by symbol).
func rankMatches(ms []*outcome, k rankKey) {
	slices.SortFunc(ms, func(a, b *outcome) int {
		va, vb := a.rankValue, b.rankValue
		na, nb := math.IsNaN(va), math.IsNaN(vb)
		switch {
		case na && nb:
		case na:
			return 1
		case nb:
			return -1
		case va != vb:
			if k.asc {
				return cmp.Compare(va, vb)
			}
			return cmp.Compare(vb, va)
		}
		return strings.Compare(a.symbol, b.symbol)
	})
}
