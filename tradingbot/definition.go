package tradingbot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
)

// Bot states.
const (
	StateRunning = "running"
	StateStopped = "stopped"
	StateHalted  = "halted"
)

// BrokerPaper is the built-in paper broker (trading's fill model).
const BrokerPaper = "paper"

// DefaultCash is the starting cash of a definition that sets none.
var DefaultCash = decimal.NewFromInt(10000)

// Definition is a bot as its owner writes it: the JSON configuration file
// (schemas/tradingbot.v1.json), the CLI's flags or, later, the API's body.
type Definition struct {
	Version   int             `json:"version,omitempty"`
	Name      string          `json:"name"`
	Strategy  string          `json:"strategy"`
	Params    json.RawMessage `json:"params,omitempty"`
	Symbols   []string        `json:"symbols"`
	Timeframe string          `json:"timeframe"`
	Broker    string          `json:"broker,omitempty"`
	// Cash is the starting cash (default DefaultCash). It can change only
	// until the bot's first decision.
	Cash        decimal.Decimal      `json:"cash"`
	MakerFeeBps float64              `json:"maker_fee_bps,omitempty"`
	TakerFeeBps float64              `json:"taker_fee_bps,omitempty"`
	SlippageBps float64              `json:"slippage_bps,omitempty"`
	Fractional  bool                 `json:"fractional,omitempty"`
	Risk        trading.RiskSettings `json:"risk"`
	// State is running (default) or stopped.
	State string `json:"state,omitempty"`
}

// ParseDefinition reads a bot's JSON configuration file: it must satisfy
// schemas/tradingbot.v1.json (every problem is listed with its JSON pointer)
// and the strategy's own rules (sma_cross: fast < slow).
func ParseDefinition(v *schemas.Validator, data []byte) (Definition, error) {
	if err := v.Validate(schemas.TradingBot, data); err != nil {
		return Definition{}, schemaError("", err)
	}
	var d Definition
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Definition{}, invalid("", "%v", err)
	}
	if err := d.normalize(v); err != nil {
		return Definition{}, err
	}
	return d, nil
}

// normalize fills the defaults and checks d as ParseDefinition does (for
// definitions built in code).
func (d *Definition) normalize(v *schemas.Validator) error {
	if d.Broker == "" {
		d.Broker = BrokerPaper
	}
	if d.State == "" {
		d.State = StateRunning
	}
	if d.Cash.IsZero() {
		d.Cash = DefaultCash
	}
	if len(bytes.TrimSpace(d.Params)) == 0 || string(bytes.TrimSpace(d.Params)) == "null" {
		d.Params = json.RawMessage("{}")
	}
	for i, s := range d.Symbols {
		d.Symbols[i] = strings.ToUpper(strings.TrimSpace(s))
	}
	doc, err := d.document()
	if err != nil {
		return err
	}
	if err := v.Validate(schemas.TradingBot, doc); err != nil {
		return schemaError("", err)
	}
	s, err := trading.NewStrategy(v, d.Strategy, d.Params)
	if err != nil {
		if errors.Is(err, trading.ErrUnknownStrategy) {
			return invalid("strategy", "%v", err)
		}
		return schemaError("params", err)
	}
	if _, err := trading.NewEngine(d.engineConfig(), s); err != nil {
		if usesBroker(d.Broker) && strings.Contains(err.Error(), "short") {
			return invalid("broker", "%s bots cannot sell short (allow_short): %v", d.Broker, err)
		}
		return invalid("", "%v", err)
	}
	return nil
}

// document is d as the schema judges it (cash as a JSON number).
func (d *Definition) document() ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode bot definition: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode bot definition: %w", err)
	}
	m["cash"] = json.RawMessage(d.Cash.String())
	if d.Version == 0 {
		delete(m, "version")
	}
	return json.Marshal(m)
}

// engineConfig is the trading engine's configuration for d.
func (d *Definition) engineConfig() trading.Config {
	return trading.Config{Cash: d.Cash, MakerFeeBps: d.MakerFeeBps, TakerFeeBps: d.TakerFeeBps, SlippageBps: d.SlippageBps,
		Fractional: d.Fractional, Timeframe: bars.Timeframe(d.Timeframe), Risk: d.Risk, BrokerFills: usesBroker(d.Broker)}
}

// schemaError turns a schema violation into an Error naming the first
// field at fault under prefix ("params") and listing every problem.
func schemaError(prefix string, err error) error {
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return invalid(prefix, "%v", err)
	}
	field := strings.TrimPrefix(ve.Problems[0].Pointer, "/")
	if prefix != "" {
		field = strings.TrimSuffix(prefix+"/"+field, "/")
	}
	msgs := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		ptr := p.Pointer
		if prefix != "" {
			ptr = "/" + prefix + ptr
		}
		if ptr == "" {
			msgs[i] = p.Message
		} else {
			msgs[i] = ptr + ": " + p.Message
		}
	}
	return &Error{Kind: KindInvalid, Field: field, Msg: strings.Join(msgs, "; ")}
}
