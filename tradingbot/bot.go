package tradingbot

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
)

// engineConfig is the trading engine's configuration of a stored bot.
func engineConfig(b *dbsqlc.TradingBot) (trading.Config, error) {
	cfg := trading.Config{Cash: b.InitialCash, MakerFeeBps: b.MakerFeeBps, TakerFeeBps: b.TakerFeeBps,
		SlippageBps: b.SlippageBps, Fractional: b.Fractional, Timeframe: bars.Timeframe(b.Timeframe), BrokerFills: usesBroker(b.Broker)}
	if len(b.Risk) > 0 {
		if err := json.Unmarshal(b.Risk, &cfg.Risk); err != nil {
			return cfg, fmt.Errorf("bot %d risk settings: %w", b.ID, err)
		}
	}
	return cfg, nil
}

// engineOf builds the bot's engine, restored from its engine_state or, before
// the first decision, a fresh account with its initial cash; st is the
// state it starts from (a copy, unchanged by the engine's steps).
func engineOf(v *schemas.Validator, b *dbsqlc.TradingBot) (e *trading.Engine, st trading.State, err error) {
	cfg, err := engineConfig(b)
	if err != nil {
		return nil, st, err
	}
	s, err := trading.NewStrategy(v, b.Strategy, b.Params)
	if err != nil {
		return nil, st, fmt.Errorf("bot %d strategy: %w", b.ID, err)
	}
	st, ok, err := storedState(b)
	if err != nil {
		return nil, st, err
	}
	if ok {
		e, err = trading.RestoreEngine(cfg, s, st)
	} else {
		e, err = trading.NewEngine(cfg, s)
	}
	if err != nil {
		return nil, st, fmt.Errorf("bot %d: %w", b.ID, err)
	}
	// A deep copy: the engine changes the state it was restored from.
	st, err = e.State()
	return e, st, err
}

// storedState decodes the bot's engine_state; ok is false before the first
// decision.
func storedState(b *dbsqlc.TradingBot) (trading.State, bool, error) {
	if len(b.EngineState) == 0 || string(b.EngineState) == "null" {
		return trading.State{}, false, nil
	}
	var st trading.State
	if err := json.Unmarshal(b.EngineState, &st); err != nil {
		return st, false, fmt.Errorf("bot %d engine_state: %w", b.ID, err)
	}
	return st, true, nil
}

// heldSymbols are the symbols the state holds a position or an open order in.
func heldSymbols(st trading.State) []string {
	var out []string
	for sym := range st.Positions {
		out = append(out, sym)
	}
	for _, o := range st.Orders {
		if !slices.Contains(out, o.Symbol) {
			out = append(out, o.Symbol)
		}
	}
	slices.Sort(out)
	return out
}
