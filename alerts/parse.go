package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/notify/channels"
)

// Short-form conditions (design section 6, "Alert Jobs").
const (
	ShortPriceAbove    = "price_above"
	ShortPriceBelow    = "price_below"
	ShortVolumeSpike   = "volume_spike"
	ShortRSIOversold   = "rsi_oversold"
	ShortRSIOverbought = "rsi_overbought"
)

var shortConditions = []string{ShortPriceAbove, ShortPriceBelow, ShortVolumeSpike, ShortRSIOversold, ShortRSIOverbought}

// Notification channels an alert may name: the one list (whether this
// deployment delivers on one, and log's operators-only rule, are checked
// when the schedule is saved).
var channelNames = channels.All()

// defaultChannels is used when a config names no channel.
var defaultChannels = []string{"telegram"}

// Limits shared with schemas/alert.v1.json.
const (
	maxConditions  = 50      // per group
	maxConstant    = 1e15    // |constant|
	maxCooldown    = 2592000 // seconds: 30 days
	maxRearmBars   = 1000
	maxChangeBars  = 1000
	maxTemplateLen = 2000
	maxPercent     = 1e6
)

var tickerRE = regexp.MustCompile(`^[A-Z0-9^][A-Z0-9.\-^=]{0,14}$`)

var (
	fullKeys      = []string{"version", "ticker", "timeframe", "rule", "rearm", "notify", "frequency", "expires_at"}
	shortKeys     = []string{"version", "symbol", "timeframe", "condition", "threshold", "notification_channels"}
	groupKeys     = []string{"operator", "conditions"}
	operandKeys   = slices.Concat([]string{"indicator", "output", "params", keyTimeframe}, paramNames)
	conditionKeys = slices.Concat(operandKeys, []string{"operator", "value", "right", "lower", "upper", "bars", "direction"})
	rearmKeys     = []string{"type", "threshold", "cooldown", "bars"}
	notifyKeys    = []string{"channels", "priority", "message_template", "actions"}
	actionKeys    = []string{"bot", "symbol", "side", "size_pct"}
)

// Parse reads an alert's task_params, in the full form (ticker, timeframe,
// rule, rearm, notify, frequency, expires_at) or the short form (symbol,
// condition, threshold, notification_channels, timeframe), and returns the
// normalised config. Every problem found is reported at once in a
// *ParseError; see the package documentation for the format.
func Parse(taskParams []byte) (*Config, error) {
	p := &parser{}
	cfg := p.parse(taskParams)
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b Problem) int { return comparePaths(a.Path, b.Path) })
		return nil, &ParseError{Problems: slices.Compact(p.problems)}
	}
	return cfg, nil
}

type parser struct {
	problems []Problem
	// tf is the alert's timeframe, once read: operands may name a longer
	// one.
	tf bars.Timeframe
}

func (p *parser) addf(path, format string, args ...any) {
	p.problems = append(p.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) parse(data []byte) *Config {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.addf("", "invalid JSON: empty document")
		} else {
			p.addf("", "invalid JSON: %v", err)
		}
		return nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		p.addf("", "invalid JSON: unexpected data after the document at offset %d", dec.InputOffset())
		return nil
	}
	root, ok := p.object("", doc)
	if !ok {
		return nil
	}
	if v, ok := root["version"]; ok {
		if n, ok := p.integer("/version", v, 1, 1); ok && n != 1 {
			p.addf("/version", "must be 1")
		}
	}
	_, hasSymbol := root["symbol"]
	_, hasTicker := root["ticker"]
	_, hasCondition := root["condition"]
	_, hasRule := root["rule"]
	switch {
	case (hasSymbol || hasCondition) && (hasTicker || hasRule):
		p.addf("", "mixes the short form (symbol, condition, threshold) with the full form (ticker, timeframe, rule); use one")
		return nil
	case hasSymbol || hasCondition:
		return p.short(root)
	default:
		return p.full(root)
	}
}

func (p *parser) short(root map[string]any) *Config {
	p.keys("", root, shortKeys)
	cfg := &Config{Frequency: FrequencyOncePerBar, Timeframe: bars.D1}
	cfg.Ticker = p.ticker(root, "symbol")
	if v, ok := root["timeframe"]; ok {
		cfg.Timeframe = p.timeframe("/timeframe", v)
	}
	cfg.Notify = Notify{Channels: slices.Clone(defaultChannels), Default: true}
	if v, ok := root["notification_channels"]; ok {
		cfg.Notify = Notify{Channels: p.channels("/notification_channels", v)}
	}

	cond, ok := root["condition"]
	if !ok {
		p.addf("/condition", "missing required property %q", "condition")
		return cfg
	}
	name, ok := p.enum("/condition", cond, shortConditions)
	if !ok {
		return cfg
	}
	var threshold float64
	raw, has := root["threshold"]
	if has {
		threshold, has = p.number("/threshold", raw)
		if !has {
			return cfg
		}
	}
	switch name {
	case ShortPriceAbove, ShortPriceBelow, ShortVolumeSpike:
		switch {
		case !has && name == ShortVolumeSpike:
			threshold = 2
		case !has:
			p.addf("/threshold", "missing required property %q", "threshold")
			return cfg
		case threshold <= 0:
			p.addf("/threshold", "must be > 0")
			return cfg
		}
	default:
		switch {
		case !has && name == ShortRSIOversold:
			threshold = 30
		case !has:
			threshold = 70
		case threshold < 0 || threshold > 100:
			p.addf("/threshold", "must be between 0 and 100")
			return cfg
		}
	}
	left, op := Operand{Indicator: FieldClose}, OpGreater
	switch name {
	case ShortPriceBelow:
		op = OpLess
	case ShortVolumeSpike:
		left = Operand{Indicator: "volume_spike_ratio", Period: 20}
	case ShortRSIOversold:
		left, op = Operand{Indicator: "rsi", Period: 14, Source: FieldClose}, OpLess
	case ShortRSIOverbought:
		left = Operand{Indicator: "rsi", Period: 14, Source: FieldClose}
	}
	cfg.Rule = Node{Operator: op, Left: left, Right: Const(threshold)}
	return cfg
}

func (p *parser) full(root map[string]any) *Config {
	p.keys("", root, fullKeys)
	cfg := &Config{Frequency: FrequencyOncePerBar}
	cfg.Ticker = p.ticker(root, "ticker")
	if v, ok := root["timeframe"]; ok {
		cfg.Timeframe = p.timeframe("/timeframe", v)
	} else {
		p.addf("/timeframe", "missing required property %q", "timeframe")
	}
	p.tf = cfg.Timeframe
	if v, ok := root["rule"]; ok {
		cfg.Rule = p.node("/rule", v)
	} else {
		p.addf("/rule", "missing required property %q", "rule")
	}
	if v, ok := root["rearm"]; ok {
		cfg.Rearm = p.rearm("/rearm", v, &cfg.Rule)
	}
	cfg.Notify = Notify{Channels: slices.Clone(defaultChannels), Default: true}
	if v, ok := root["notify"]; ok {
		cfg.Notify = p.notify("/notify", v)
	}
	if v, ok := root["frequency"]; ok {
		if f, ok := p.enum("/frequency", v, frequencies); ok {
			cfg.Frequency = f
		}
	}
	if v, ok := root["expires_at"]; ok {
		if s, ok := p.str("/expires_at", v); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || !rfc3339RE.MatchString(s) {
				p.addf("/expires_at", "must be an RFC 3339 date-time like 2027-01-02T15:04:05Z")
			} else {
				t = t.UTC()
				cfg.ExpiresAt = &t
			}
		}
	}
	return cfg
}

var rfc3339RE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`)

// ticker reads the required ticker property key of root.
func (p *parser) ticker(root map[string]any, key string) string {
	path := "/" + key
	v, ok := root[key]
	if !ok {
		p.addf(path, "missing required property %q", key)
		return ""
	}
	s, ok := p.str(path, v)
	if !ok {
		return ""
	}
	if !tickerRE.MatchString(s) {
		p.addf(path, "must be an uppercase ticker of 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC)")
		return ""
	}
	return s
}

func (p *parser) timeframe(path string, v any) bars.Timeframe {
	s, ok := p.str(path, v)
	if !ok {
		return ""
	}
	tf, err := bars.ParseTimeframe(s)
	if err != nil {
		p.addf(path, "must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w")
		return ""
	}
	return tf
}

func (p *parser) channels(path string, v any) []string {
	arr, ok := v.([]any)
	if !ok {
		p.addf(path, "must be an array, got %s", jsonType(v))
		return nil
	}
	if len(arr) == 0 {
		p.addf(path, "must have at least 1 item")
		return nil
	}
	if len(arr) > len(channelNames) {
		p.addf(path, "must have at most %d items, got %d", len(channelNames), len(arr))
		return nil
	}
	var out []string
	for i, item := range arr {
		s, ok := p.enum(path+"/"+strconv.Itoa(i), item, channelNames)
		if !ok {
			continue
		}
		if slices.Contains(out, s) {
			p.addf(path+"/"+strconv.Itoa(i), "duplicate channel %q", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (p *parser) notify(path string, v any) Notify {
	n := Notify{Channels: slices.Clone(defaultChannels), Default: true}
	m, ok := p.object(path, v)
	if !ok {
		return n
	}
	p.keys(path, m, notifyKeys)
	if v, ok := m["channels"]; ok {
		n.Channels, n.Default = p.channels(path+"/channels", v), false
	}
	if v, ok := m["priority"]; ok {
		if s, ok := p.enum(path+"/priority", v, priorities); ok {
			n.Priority = s
		}
	}
	if v, ok := m["message_template"]; ok {
		if s, ok := p.str(path+"/message_template", v); ok {
			switch n := len([]rune(s)); {
			case n == 0:
				p.addf(path+"/message_template", "must not be empty")
			case n > maxTemplateLen:
				p.addf(path+"/message_template", "must be at most %d characters long, got %d", maxTemplateLen, n)
			}
			if err := ValidateTemplate(s); err != nil {
				p.addf(path+"/message_template", "%v", err)
			}
			n.MessageTemplate = s
		}
	}
	if v, ok := m["actions"]; ok {
		n.Actions = p.actions(path+"/actions", v)
	}
	return n
}

// maxActions is the most actions an alert may carry (actions.v1.json).
const maxActions = 10

var (
	botNameRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	actionSymbolRe = regexp.MustCompile(`^[A-Z0-9^][A-Z0-9.\-^=]{0,14}$`)
)

// actions reads notify.actions: what the owner's trading bots do when the
// alert fires, with the rules of schemas/actions.v1.json.
func (p *parser) actions(path string, v any) []Action {
	list, ok := v.([]any)
	if !ok {
		p.addf(path, "must be an array of actions like {\"bot\": \"swing\", \"side\": \"buy\", \"size_pct\": 10}")
		return nil
	}
	if len(list) == 0 || len(list) > maxActions {
		p.addf(path, "must hold 1 to %d actions, got %d", maxActions, len(list))
	}
	out := make([]Action, 0, len(list))
	for i, item := range list {
		ip := fmt.Sprintf("%s/%d", path, i)
		m, ok := p.object(ip, item)
		if !ok {
			continue
		}
		p.keys(ip, m, actionKeys)
		var a Action
		if v, ok := m["bot"]; !ok {
			p.addf(ip+"/bot", "missing required property %q", "bot")
		} else if s, ok := p.str(ip+"/bot", v); ok {
			if !botNameRe.MatchString(s) {
				p.addf(ip+"/bot", "must be 1-64 characters from A-Z a-z 0-9 _ . - starting with a letter or digit")
			}
			a.Bot = s
		}
		if v, ok := m["symbol"]; ok {
			if s, ok := p.str(ip+"/symbol", v); ok {
				if !actionSymbolRe.MatchString(s) {
					p.addf(ip+"/symbol", "must be an uppercase ticker of 1-15 characters from A-Z 0-9 . - ^ =")
				}
				a.Symbol = s
			}
		}
		if v, ok := m["side"]; !ok {
			p.addf(ip+"/side", "missing required property %q", "side")
		} else if s, ok := p.str(ip+"/side", v); ok {
			if s != "buy" && s != "sell" && s != "exit" {
				p.addf(ip+"/side", "must be buy, sell or exit, got %q", s)
			}
			a.Side = s
		}
		if v, ok := m["size_pct"]; ok {
			if f, ok := p.number(ip+"/size_pct", v); ok {
				if f <= 0 || f > 100 {
					p.addf(ip+"/size_pct", "must be more than 0 and at most 100, got %v", f)
				}
				a.SizePct = f
			}
		} else if a.Side == "buy" || a.Side == "sell" {
			p.addf(ip+"/size_pct", "missing required property %q (the percent of equity to buy or of the position to sell)", "size_pct")
		}
		out = append(out, a)
	}
	return out
}

func (p *parser) rearm(path string, v any, rule *Node) *Rearm {
	m, ok := p.object(path, v)
	if !ok {
		return nil
	}
	p.keys(path, m, rearmKeys)
	r := &Rearm{}
	raw, ok := m["type"]
	if !ok {
		p.addf(path+"/type", "missing required property %q", "type")
		return r
	}
	if r.Type, ok = p.enum(path+"/type", raw, rearmTypes); !ok {
		return r
	}

	if v, ok := m["threshold"]; ok {
		if r.Type != RearmHysteresis {
			p.addf(path+"/threshold", "is only for hysteresis rearm")
		} else if t, ok := p.number(path+"/threshold", v); ok {
			if t < 0 || t >= 1 {
				p.addf(path+"/threshold", "must be >= 0 and < 1: a fraction of the level (0.02 = 2%%)")
			}
			r.Threshold = t
		}
	} else if r.Type == RearmHysteresis {
		p.addf(path+"/threshold", "missing required property %q", "threshold")
	}

	if v, ok := m["cooldown"]; ok {
		lo := 0
		if r.Type == RearmCooldown {
			lo = 1
		}
		r.Cooldown, _ = p.integer(path+"/cooldown", v, lo, maxCooldown)
	} else if r.Type == RearmCooldown {
		p.addf(path+"/cooldown", "missing required property %q", "cooldown")
	}

	if v, ok := m["bars"]; ok {
		if r.Type == RearmCrossing {
			p.addf(path+"/bars", "is not allowed with crossing rearm, which fires only on the evaluation where the side changes")
		} else {
			r.Bars, _ = p.integer(path+"/bars", v, 1, maxRearmBars)
		}
	} else if r.Type == RearmPersistence {
		p.addf(path+"/bars", "missing required property %q", "bars")
	}

	if main, _ := rule.main(); main != nil && main.Operator != "" {
		at := mainPath(rule) + "/operator"
		switch r.Type {
		case RearmHysteresis:
			if _, ok := main.upward(); !ok {
				p.addf(at, "hysteresis rearm needs the rule's first condition to be >, >=, <, <=, crosses_above, crosses_below or change_pct, not %s", main.Operator)
			}
		case RearmCrossing:
			if !main.hasLevel() {
				p.addf(at, "crossing rearm needs the rule's first condition to compare with a level (a comparison, crossing or change_pct), not %s", main.Operator)
			}
		}
	}
	return r
}

// mainPath is the JSON pointer of the rule's main condition.
func mainPath(rule *Node) string {
	path := "/rule"
	for n := rule; n.IsGroup() && len(n.Conditions) > 0; n = &n.Conditions[0] {
		path += "/conditions/0"
	}
	return path
}

// node parses a rule-tree node.
func (p *parser) node(path string, v any) Node {
	m, ok := p.object(path, v)
	if !ok {
		return Node{}
	}
	op, _ := m["operator"].(string)
	if _, has := m["conditions"]; has || slices.Contains(groupOps, op) {
		return p.group(path, m)
	}
	return p.condition(path, m)
}

func (p *parser) group(path string, m map[string]any) Node {
	p.keys(path, m, groupKeys)
	var n Node
	if v, ok := m["operator"]; ok {
		n.Operator, _ = p.enum(path+"/operator", v, groupOps)
	} else {
		p.addf(path+"/operator", "missing required property %q", "operator")
	}
	raw, ok := m["conditions"]
	if !ok {
		p.addf(path+"/conditions", "missing required property %q", "conditions")
		return n
	}
	arr, ok := raw.([]any)
	switch {
	case !ok:
		p.addf(path+"/conditions", "must be an array, got %s", jsonType(raw))
		return n
	case len(arr) == 0:
		p.addf(path+"/conditions", "must have at least 1 item")
		return n
	case len(arr) > maxConditions:
		p.addf(path+"/conditions", "must have at most %d items, got %d", maxConditions, len(arr))
		return n
	case n.Operator == OpNot && len(arr) != 1:
		p.addf(path+"/conditions", "not takes exactly 1 condition, got %d", len(arr))
	}
	n.Conditions = make([]Node, len(arr))
	for i, c := range arr {
		n.Conditions[i] = p.node(path+"/conditions/"+strconv.Itoa(i), c)
	}
	return n
}

func (p *parser) condition(path string, m map[string]any) Node {
	p.keys(path, m, conditionKeys)
	var n Node
	raw, ok := m["operator"]
	if !ok {
		p.addf(path+"/operator", "missing required property %q", "operator")
	} else {
		n.Operator, _ = p.enum(path+"/operator", raw, conditionOps)
	}
	n.Left = p.operand(path, m)

	_, hasValue := m["value"]
	_, hasRight := m["right"]
	_, hasLower := m["lower"]
	_, hasUpper := m["upper"]
	_, hasBars := m["bars"]
	_, hasDirection := m["direction"]
	forbid := func(keys ...string) {
		for _, k := range keys {
			if _, has := m[k]; has {
				p.addf(path+"/"+k, "is not used by operator %s", n.Operator)
			}
		}
	}

	switch {
	case n.Operator == "":
		// Reported above.
	case slices.Contains(channelOps, n.Operator):
		forbid("value", "right", "bars", "direction")
		if !hasLower {
			p.addf(path+"/lower", "missing required property %q", "lower")
		} else {
			n.Lower = p.side(path+"/lower", m["lower"])
		}
		if !hasUpper {
			p.addf(path+"/upper", "missing required property %q", "upper")
		} else {
			n.Upper = p.side(path+"/upper", m["upper"])
		}
		if n.Lower != nil && n.Upper != nil && n.Lower.IsConst() && n.Upper.IsConst() && n.Lower.Value > n.Upper.Value {
			p.addf(path+"/lower", "must be <= upper (%s > %s)", formatConst(n.Lower.Value), formatConst(n.Upper.Value))
		}
	case n.Operator == OpChangePct:
		forbid("right", "lower", "upper")
		if !hasBars {
			p.addf(path+"/bars", "missing required property %q", "bars")
		} else {
			n.Bars, _ = p.integer(path+"/bars", m["bars"], 1, maxChangeBars)
		}
		if !hasDirection {
			p.addf(path+"/direction", "missing required property %q", "direction")
		} else {
			n.Direction, _ = p.enum(path+"/direction", m["direction"], []string{DirectionUp, DirectionDown})
		}
		if !hasValue {
			p.addf(path+"/value", "missing required property %q", "value")
		} else if pct, ok := p.number(path+"/value", m["value"]); ok {
			if pct < 0 || pct > maxPercent {
				p.addf(path+"/value", "must be a percentage between 0 and %s", formatConst(maxPercent))
			} else {
				n.Right = Const(pct)
			}
		}
	default:
		forbid("lower", "upper", "bars", "direction")
		switch {
		case hasValue && hasRight:
			p.addf(path+"/right", "give either value or right, not both")
		case hasValue:
			n.Right = p.side(path+"/value", m["value"])
		case hasRight:
			n.Right = p.side(path+"/right", m["right"])
		default:
			p.addf(path+"/value", "missing required property %q (or right)", "value")
		}
	}
	return n
}

// side parses a right-hand operand: a number (a constant) or an operand
// object.
func (p *parser) side(path string, v any) *Operand {
	switch v := v.(type) {
	case json.Number:
		f, ok := p.number(path, v)
		if !ok {
			return nil
		}
		return Const(f)
	case map[string]any:
		p.keys(path, v, operandKeys)
		o := p.operand(path, v)
		return &o
	}
	p.addf(path, "must be a number or an indicator object, got %s", jsonType(v))
	return nil
}

// operand reads "indicator", "output" and the parameters (beside indicator or
// under "params") from m.
func (p *parser) operand(path string, m map[string]any) Operand {
	raw, ok := m["indicator"]
	if !ok {
		p.addf(path+"/indicator", "missing required property %q", "indicator")
		return Operand{}
	}
	name, ok := p.str(path+"/indicator", raw)
	if !ok {
		return Operand{}
	}
	if name == "price" {
		name = FieldClose
	}
	spec, ok := specs[name]
	if !ok {
		msg := fmt.Sprintf("unknown indicator %q", name)
		if s, ok := suggest(name, Indicators()); ok {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			msg += " (known: " + strings.Join(Indicators(), ", ") + ")"
		}
		p.addf(path+"/indicator", "%s", msg)
		return Operand{}
	}
	o := spec.defaults
	o.Indicator = name

	// Gather parameters from both places.
	params := map[string]any{}
	where := map[string]string{}
	if raw, ok := m["params"]; ok {
		if pm, ok := p.object(path+"/params", raw); ok {
			for k, v := range pm {
				if !slices.Contains(paramNames, k) {
					p.addf(path+"/params/"+escape(k), "unknown parameter %q (known: %s)", k, strings.Join(paramNames, ", "))
					continue
				}
				params[k], where[k] = v, path+"/params/"+escape(k)
			}
		}
	}
	for _, k := range paramNames {
		v, ok := m[k]
		if !ok {
			continue
		}
		if _, dup := params[k]; dup {
			p.addf(where[k], "is also given beside indicator")
			continue
		}
		params[k], where[k] = v, path+"/"+k
	}
	allowed := append(slices.Clone(spec.params), paramOffset)
	for _, k := range paramNames {
		v, ok := params[k]
		if !ok {
			continue
		}
		at := where[k]
		if !slices.Contains(allowed, k) {
			p.addf(at, "%s has no parameter %q (it takes %s)", name, k, strings.Join(allowed, ", "))
			continue
		}
		switch k {
		case paramPeriod:
			o.Period, _ = p.integer(at, v, 1, maxPeriod)
		case paramFast:
			o.Fast, _ = p.integer(at, v, 1, maxPeriod)
		case paramSlow:
			o.Slow, _ = p.integer(at, v, 1, maxPeriod)
		case paramSignal:
			o.Signal, _ = p.integer(at, v, 1, maxPeriod)
		case paramKPeriod:
			o.KPeriod, _ = p.integer(at, v, 1, maxPeriod)
		case paramKSmooth:
			o.KSmooth, _ = p.integer(at, v, 1, maxPeriod)
		case paramDPeriod:
			o.DPeriod, _ = p.integer(at, v, 1, maxPeriod)
		case paramOffset:
			o.Offset, _ = p.integer(at, v, 0, maxOffset)
		case paramStdDev:
			if f, ok := p.number(at, v); ok {
				if f <= 0 || f > maxStdDev {
					p.addf(at, "must be > 0 and <= %d", maxStdDev)
				} else {
					o.StdDev = f
				}
			}
		case paramSource:
			if s, ok := p.str(at, v); ok {
				if s == "price" {
					s = FieldClose
				}
				if !slices.Contains(fieldNames, s) {
					p.addf(at, "must be one of open, high, low, close, volume")
				} else {
					o.Source = s
				}
			}
		}
	}
	if name == "macd" && o.Fast >= o.Slow {
		at := path + "/fast"
		if w, ok := where[paramFast]; ok {
			at = w
		}
		p.addf(at, "must be below slow (%d >= %d)", o.Fast, o.Slow)
	}

	if raw, ok := m[keyTimeframe]; ok {
		o.Timeframe = p.operandTimeframe(path+"/"+keyTimeframe, raw)
	}

	if raw, ok := m["output"]; ok {
		if len(spec.outputs) == 0 {
			p.addf(path+"/output", "%s has a single output", name)
		} else if out, ok := p.enum(path+"/output", raw, spec.outputs); ok {
			o.Output = out
		}
	} else if spec.outputRequired {
		p.addf(path+"/output", "missing required property %q: %s has outputs %s", "output", name, strings.Join(spec.outputs, ", "))
	} else if len(spec.outputs) > 0 {
		o.Output = spec.outputs[0]
	}
	return o
}

// operandTimeframe reads an operand's own timeframe: the alert's or a longer
// one. The alert's comes back as "" (the operand reads the alert's bars).
func (p *parser) operandTimeframe(path string, v any) bars.Timeframe {
	tf := p.timeframe(path, v)
	switch {
	case tf == "" || p.tf == "" || tf == p.tf:
		return ""
	case tf.Duration() < p.tf.Duration():
		p.addf(path, "%s is shorter than the alert's timeframe %s: an operand may use the alert's timeframe or a longer one (e.g. %s)",
			tf, p.tf, longerExample(p.tf))
		return ""
	}
	return tf
}

// longerExample is a timeframe longer than tf, for messages.
func longerExample(tf bars.Timeframe) bars.Timeframe {
	for _, t := range bars.Timeframes {
		if t.Duration() > tf.Duration() && (t == bars.D1 || tf.Duration() >= bars.D1.Duration()) {
			return t
		}
	}
	return tf
}

// keys reports every key of m that is not allowed, sorted.
func (p *parser) keys(path string, m map[string]any, allowed []string) {
	var unknown []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		msg := fmt.Sprintf("unknown property %q", k)
		if s, ok := suggest(k, allowed); ok {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		p.addf(path+"/"+escape(k), "%s", msg)
	}
}

func (p *parser) object(path string, v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		p.addf(path, "must be an object, got %s", jsonType(v))
	}
	return m, ok
}

func (p *parser) str(path string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		p.addf(path, "must be a string, got %s", jsonType(v))
	}
	return s, ok
}

func (p *parser) enum(path string, v any, allowed []string) (string, bool) {
	s, ok := p.str(path, v)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		p.addf(path, "must be one of %s, got %q", strings.Join(allowed, ", "), s)
		return "", false
	}
	return s, true
}

// number reads a finite number within ±maxConstant.
func (p *parser) number(path string, v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		p.addf(path, "must be a number, got %s", jsonType(v))
		return 0, false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || math.Abs(f) > maxConstant {
		p.addf(path, "must be between -1e15 and 1e15")
		return 0, false
	}
	return f, true
}

// integer reads a whole number in [lo, hi]; 14.0 counts as 14.
func (p *parser) integer(path string, v any, lo, hi int) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		p.addf(path, "must be an integer, got %s", jsonType(v))
		return 0, false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || f != math.Trunc(f) {
		p.addf(path, "must be an integer")
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		p.addf(path, "must be between %d and %d", lo, hi)
		return 0, false
	}
	return int(f), true
}

// ParseActions reads a trading-bot actions array (schemas/actions.v1.json)
// found at path (a JSON pointer such as /actions) of another document, with
// the same rules as an alert's notify.actions, so screeners and alerts share
// one reader.
func ParseActions(path string, raw json.RawMessage) ([]Action, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ParseError{Problems: []Problem{{Path: path, Message: "must be an array of actions: " + err.Error()}}}
	}
	p := &parser{}
	out := p.actions(path, v)
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b Problem) int { return comparePaths(a.Path, b.Path) })
		return nil, &ParseError{Problems: slices.Compact(p.problems)}
	}
	return out, nil
}
