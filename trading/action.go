package trading

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Action is a trading action sent by an alert or a screener:
// {"bot": NAME, "side": "buy"|"sell"|"exit", "size_pct": 10} for a symbol.
type Action struct {
	Bot     string  `json:"bot"`
	Symbol  string  `json:"symbol"`
	Side    string  `json:"side"`
	SizePct float64 `json:"size_pct"`
	// Key identifies the action for idempotency (e.g. the alert job's id).
	Key string `json:"key,omitempty"`
}

// SubmitAction queues an action for the symbol's next Step, where it becomes
// an order checked by the risk engine: buy spends size_pct of equity (after
// covering a short, if the bot holds one), sell sells size_pct of a long
// position (never short, even with allow_short: the order is reduce-only),
// exit closes the position, long or short. An action
// whose Key was already submitted is ignored (returns false).
func (e *Engine) SubmitAction(a Action) (bool, error) {
	switch a.Side {
	case "buy", "sell":
		if a.SizePct <= 0 || a.SizePct > 100 {
			return false, fmt.Errorf("action size_pct %v: must be in (0, 100]", a.SizePct)
		}
	case "exit":
	default:
		return false, fmt.Errorf("action side %q: must be buy, sell or exit", a.Side)
	}
	if a.Symbol == "" {
		return false, fmt.Errorf("action: symbol is required")
	}
	if a.Key != "" {
		if e.st.ActionKeys[a.Key] {
			return false, nil
		}
		if e.st.ActionKeys == nil {
			e.st.ActionKeys = map[string]bool{}
		}
		e.st.ActionKeys[a.Key] = true
	}
	e.st.Actions = append(e.st.Actions, a)
	return true, nil
}

// actions turns the symbol's queued actions into orders.
func (e *Engine) actions(in *Input) {
	kept := e.st.Actions[:0]
	for _, a := range e.st.Actions {
		if a.Symbol != in.Symbol {
			kept = append(kept, a)
			continue
		}
		o := Order{Symbol: a.Symbol, Type: Market, TIF: GTC, Reason: "action"}
		pct := decimal.NewFromFloat(a.SizePct).Div(hundr)
		switch a.Side {
		case "buy":
			o.Side, o.Notional = Buy, decimal.NewFromFloat(in.Equity).Mul(pct)
		case "sell":
			o.Side, o.ReduceOnly = Sell, true
			if in.Position.Quantity.IsNegative() {
				e.refuse(o, in.Bar.Time, "sell action: the position is short; a sell action never adds to a short (use exit to cover it)")
				continue
			}
			o.Quantity = in.Position.Quantity.Mul(pct).RoundFloor(e.units)
			if !o.Quantity.IsPositive() {
				o.Close = a.SizePct == 100
			}
		case "exit":
			o.Side, o.Close = Sell, true
			if in.Position.Quantity.IsNegative() {
				o.Side = Buy
			}
		}
		e.submit(o, in)
	}
	e.st.Actions = kept
}
