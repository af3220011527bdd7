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
	Channels []string `json:"channels"`
	// MessageTemplate is the message with placeholders (see placeholders in message.go);
	// empty means DefaultTemplate.
	MessageTemplate string `json:"message_template,omitempty"`
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
