package alerts

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// Rearm types.
const (
	RearmSimple      = "simple"
	RearmHysteresis  = "hysteresis"
	RearmCooldown    = "cooldown"
	RearmPersistence = "persistence"
	RearmCrossing    = "crossing"
)

var rearmTypes = []string{RearmSimple, RearmHysteresis, RearmCooldown, RearmPersistence, RearmCrossing}

// Trigger frequencies.
const (
	FrequencyOnce            = "once"
	FrequencyOncePerBar      = "once_per_bar"
	FrequencyOncePerBarClose = "once_per_bar_close"
	FrequencyEveryTime       = "every_time"
)

var frequencies = []string{FrequencyOnce, FrequencyOncePerBar, FrequencyOncePerBarClose, FrequencyEveryTime}

// Config is a parsed, normalised alert: the short form is rewritten into a
// rule tree and every default is filled in. Marshalling a Config gives the
// full-form JSON, which Parse reads back into an equal Config.
type Config struct {
	// Ticker is the symbol watched (short form: "symbol").
	Ticker string `json:"ticker"`
	// Timeframe is the bar size; the short form defaults to 1d.
	Timeframe bars.Timeframe `json:"timeframe"`
	// Rule is the rule tree.
	Rule Node `json:"rule"`
	// Rearm says when the alert may fire again; nil means edge-triggered
	// (see the package documentation).
	Rearm *Rearm `json:"rearm,omitempty"`
	// Notify says where and what to send.
	Notify Notify `json:"notify"`
	// Frequency is once, once_per_bar (the default), once_per_bar_close or
	// every_time.
	Frequency string `json:"frequency"`
	// ExpiresAt, when set, is the instant (UTC) from which the alert never
	// fires.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Rearm configures re-arming after a trigger. Type picks the re-arm rule;
// Cooldown and Bars are extra gates that combine with any type (Bars not
// with crossing).
type Rearm struct {
	// Type is simple, hysteresis, cooldown, persistence or crossing.
	Type string `json:"type"`
	// Threshold is hysteresis's band as a fraction of the level, in [0, 1):
	// 0.02 means 2%.
	Threshold float64 `json:"threshold,omitempty"`
	// Cooldown is the minimum number of seconds between two triggers.
	Cooldown int `json:"cooldown,omitempty"`
	// Bars is the number of consecutive evaluated bars the condition must
	// hold before firing.
	Bars int `json:"bars,omitempty"`
}

// MarshalJSON writes the rearm object Parse reads.
func (r Rearm) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": r.Type}
	if r.Type == RearmHysteresis {
		m["threshold"] = r.Threshold
	}
	if r.Cooldown > 0 || r.Type == RearmCooldown {
		m["cooldown"] = r.Cooldown
	}
	if r.Bars > 0 {
		m["bars"] = r.Bars
	}
	return json.Marshal(m)
}

// CooldownDuration is Cooldown as a duration; 0 without rearm.
func (c *Config) CooldownDuration() time.Duration {
	if c.Rearm == nil {
		return 0
	}
	return time.Duration(c.Rearm.Cooldown) * time.Second
}

// Notify says where an alert is delivered and how its message reads.
type Notify struct {
	// Channels are telegram, email, webhook and/or log (channels.All);
	// never empty after Parse
	// (default telegram).
	Channels []string `json:"channels,omitempty"`
	// Default says the config names no channel: Channels is the default
	// (telegram), which the owner's per-type preference for alerts
	// overrides at delivery. Named channels beat the preferences.
	Default bool `json:"-"`
	// Priority is normal, high or urgent; "" is high (DefaultPriority).
	// Urgent alerts are delivered during the owner's quiet hours.
	Priority string `json:"priority,omitempty"`
	// MessageTemplate is the message with placeholders (see placeholders in message.go);
	// empty means DefaultTemplate.
	MessageTemplate string `json:"message_template,omitempty"`
	// Actions ask the owner's trading bots to act when the alert fires
	// (schemas/actions.v1.json, shared with webhooks and screeners).
	Actions []Action `json:"actions,omitempty"`
}

// DefaultPriority is an alert's notification priority when its config
// names none.
const DefaultPriority = "high"

var priorities = []string{"normal", "high", "urgent"}

// NotificationPriority is n's priority, DefaultPriority when unset.
func (n Notify) NotificationPriority() string {
	if n.Priority == "" {
		return DefaultPriority
	}
	return n.Priority
}

// MarshalJSON writes the notify object Parse reads: without channels when
// they are the default, so that a Config round-trips.
func (n Notify) MarshalJSON() ([]byte, error) {
	type plain Notify
	p := plain(n)
	if n.Default {
		p.Channels = nil
	}
	return json.Marshal(p)
}

// Action asks the owner's trading bot Bot to buy (SizePct of its equity),
// sell (SizePct of its position) or exit Symbol (default: the alert's
// ticker) when the alert fires.
type Action struct {
	Bot     string  `json:"bot"`
	Symbol  string  `json:"symbol,omitempty"`
	Side    string  `json:"side"`
	SizePct float64 `json:"size_pct,omitempty"`
}

// MinBars is the fewest bars Evaluate accepts: enough for every operand to
// have a value on the latest bar on clean data, plus the previous bar for
// crossings and entering/exiting channels, plus N bars for change_pct.
func (c *Config) MinBars() int {
	need := 1
	c.Rule.leaves(false, func(n *Node, _ bool) {
		var k int
		switch {
		case slices.Contains(channelOps, n.Operator):
			k = max(n.Left.need(), n.Lower.need(), n.Upper.need())
			if n.Operator == OpEnteringChannel || n.Operator == OpExitingChannel {
				k++
			}
		case n.Operator == OpChangePct:
			k = n.Left.need() + n.Bars
		default:
			k = max(n.Left.need(), n.Right.need())
			if slices.Contains(crossOps, n.Operator) {
				k++
			}
		}
		need = max(need, k)
	})
	return need
}

// Lookback is how many bars to fetch for Evaluate: MinBars, plus the history
// recursive indicators (ema, rsi, atr, macd) want for their seed to decay
// (3-5 periods), plus one bar so that dropping a still-open bar leaves
// enough.
func (c *Config) Lookback() int {
	margin := 0
	c.Rule.leaves(false, func(n *Node, _ bool) {
		margin = max(margin, n.Left.margin(), n.Right.margin(), n.Lower.margin(), n.Upper.margin())
	})
	return c.MinBars() + margin + 1
}

// operands calls f with every operand of the rule's conditions and the
// condition it belongs to.
func (c *Config) operands(f func(n *Node, o *Operand)) {
	c.Rule.leaves(false, func(n *Node, _ bool) {
		for _, o := range []*Operand{&n.Left, n.Right, n.Lower, n.Upper} {
			if o != nil && !o.IsConst() {
				f(n, o)
			}
		}
	})
}

// Timeframes returns the timeframes the rule's operands name besides the
// alert's own, shortest first: the bars to fetch for Input.Frames.
func (c *Config) Timeframes() []bars.Timeframe {
	var out []bars.Timeframe
	c.operands(func(_ *Node, o *Operand) {
		if o.Timeframe != "" && o.Timeframe != c.Timeframe && !slices.Contains(out, o.Timeframe) {
			out = append(out, o.Timeframe)
		}
	})
	slices.SortFunc(out, func(a, b bars.Timeframe) int { return int((a.Duration() - b.Duration()) / time.Second) })
	return out
}

// LookbackFor is how many bars of timeframe tf to fetch: Lookback for the
// alert's own timeframe; for another one, what its operands need on their
// own bars (warm-up, offset, convergence), plus the bars of tf that the
// alert's bars a condition looks back over (the previous bar of a
// crossing, change_pct's bars) span, plus one for tf's bar still open and
// one to spare. 0 for a timeframe no operand names.
func (c *Config) LookbackFor(tf bars.Timeframe) int {
	if tf == c.Timeframe {
		return c.Lookback()
	}
	n := 0
	c.operands(func(node *Node, o *Operand) {
		if o.Timeframe != tf {
			return
		}
		back := 0 // bars of the alert's series the condition reads before the latest
		switch {
		case node.Operator == OpChangePct:
			back = node.Bars
		case slices.Contains(crossOps, node.Operator), node.Operator == OpEnteringChannel, node.Operator == OpExitingChannel:
			back = 1
		}
		span := 0
		if d := tf.Duration(); d > 0 {
			span = int((time.Duration(back)*c.Timeframe.Duration() + d - 1) / d)
		}
		n = max(n, o.ownNeed()+o.ownMargin()+span+2)
	})
	return n
}
