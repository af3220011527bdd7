package trading

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/schemas"
)

// Strategy decides on each closed bar of its symbols. Implementations keep
// their state in exported fields so that encoding/json round-trips it
// (Engine.State); OnBar may return a slice it reuses on the next call.
type Strategy interface {
	// Name is the strategy's registry name, e.g. "sma_cross".
	Name() string
	// OnBar sees one closed bar and returns the orders to place.
	OnBar(in *Input) []Order
}

// Input is what a strategy sees on a closed bar.
type Input struct {
	Symbol string
	Bar    bars.Bar
	// Position is the symbol's position (zero Quantity when flat).
	Position Position
	// Cash is the account's cash; Equity is cash plus positions at their last close.
	Cash   decimal.Decimal
	Equity float64
	// Bars is how many bars of the symbol the engine has seen, this one included.
	Bars int
	// AllowShort says sells may open short positions (the engine's
	// allow_short): strategies go short only when it is set.
	AllowShort bool
}

// ErrUnknownStrategy is returned (wrapped) for a strategy name not in Strategies.
var ErrUnknownStrategy = errors.New("unknown strategy")

// Strategies lists the strategies NewStrategy builds.
func Strategies() []string { return []string{"sma_cross", "rsi_reversion", "alert_signals"} }

// NewStrategy validates params (JSON; empty means {}) against
// schemas/strategy.<name>.v1.json and builds the strategy, with the schema's
// defaults for absent parameters. A schema violation is a
// *schemas.ValidationError naming each JSON pointer.
func NewStrategy(v *schemas.Validator, name string, params []byte) (Strategy, error) {
	if !slices.Contains(Strategies(), name) {
		return nil, fmt.Errorf("strategy %q: %w (known: %s)", name, ErrUnknownStrategy, strings.Join(Strategies(), ", "))
	}
	if len(bytes.TrimSpace(params)) == 0 {
		params = []byte("{}")
	}
	if err := v.Validate(schemas.StrategyPrefix+name, params); err != nil {
		return nil, fmt.Errorf("strategy %s params: %w", name, err)
	}
	var s Strategy
	switch name {
	case "sma_cross":
		p := &SMACross{Fast: 10, Slow: 30}
		if err := json.Unmarshal(params, p); err != nil {
			return nil, fmt.Errorf("strategy sma_cross params: %w", err)
		}
		if p.Fast >= p.Slow {
			return nil, &schemas.ValidationError{JobType: schemas.StrategyPrefix + name, Version: 1,
				Problems: []schemas.Problem{{Pointer: "/fast", Message: fmt.Sprintf("must be < slow (%d)", p.Slow)}}}
		}
		s = p
	case "rsi_reversion":
		p := &RSIReversion{Period: 14, BuyBelow: 30, SellAbove: 70}
		if err := json.Unmarshal(params, p); err != nil {
			return nil, fmt.Errorf("strategy rsi_reversion params: %w", err)
		}
		if p.BuyBelow >= p.SellAbove {
			return nil, &schemas.ValidationError{JobType: schemas.StrategyPrefix + name, Version: 1,
				Problems: []schemas.Problem{{Pointer: "/buy_below", Message: fmt.Sprintf("must be < sell_above (%v)", p.SellAbove)}}}
		}
		s = p
	case "alert_signals":
		p := &AlertSignals{}
		if err := json.Unmarshal(params, p); err != nil {
			return nil, fmt.Errorf("strategy alert_signals params: %w", err)
		}
		s = p
	}
	return s, nil
}

// allowShort reports the strategy's "allow_short" parameter.
func allowShort(s Strategy) bool {
	f, ok := s.(interface{ IsAllowShort() bool })
	return ok && f.IsAllowShort()
}

// fractional reports the strategy's "fractional" parameter.
func fractional(s Strategy) bool {
	f, ok := s.(interface{ IsFractional() bool })
	return ok && f.IsFractional()
}
