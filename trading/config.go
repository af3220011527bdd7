package trading

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
)

// Config is what an Engine needs besides its strategy.
type Config struct {
	// Cash is the starting cash (> 0).
	Cash decimal.Decimal
	// MakerFeeBps is charged on limit fills, TakerFeeBps on market and stop
	// fills; SlippageBps moves market and stop fills against the order.
	MakerFeeBps, TakerFeeBps, SlippageBps float64
	// Fractional sizes money-sized buys in steps of 1e-8 instead of whole units.
	Fractional bool
	// AllowShort lets sells open and extend short positions, within the
	// margin rule of the package doc; a strategy's own "allow_short"
	// parameter turns it on too.
	AllowShort bool
	// Timeframe is the bar size (for the Sharpe annualisation).
	Timeframe bars.Timeframe
	// Risk holds the risk engine's limits.
	Risk RiskSettings
	// BrokerFills is broker-filled mode: a real broker fills the orders
	// the engine places, reported with ApplyFill and FinishOrder, and Step
	// fills nothing itself (see broker.go). Short selling is refused.
	BrokerFills bool
}

// RiskSettings are the risk engine's limits; zero disables a limit.
type RiskSettings struct {
	MaxOpenPositions int     `json:"max_open_positions,omitempty"`
	MaxPositionPct   float64 `json:"max_position_pct,omitempty"`
	StoplossPct      float64 `json:"stoploss_pct,omitempty"`
	TrailingStopPct  float64 `json:"trailing_stop_pct,omitempty"`
	TakeProfitPct    float64 `json:"take_profit_pct,omitempty"`
	MaxDailyLossPct  float64 `json:"max_daily_loss_pct,omitempty"`
	MaxDrawdownPct   float64 `json:"max_drawdown_pct,omitempty"`
	CooldownBars     int     `json:"cooldown_bars,omitempty"`
	FlattenOnHalt    bool    `json:"flatten_on_halt,omitempty"`
}

func (c Config) check() error {
	if !c.Cash.IsPositive() {
		return errors.New("cash must be > 0")
	}
	for name, v := range map[string]float64{"maker_fee_bps": c.MakerFeeBps, "taker_fee_bps": c.TakerFeeBps, "slippage_bps": c.SlippageBps} {
		if v < 0 || v >= 10000 {
			return fmt.Errorf("%s %v: must be in [0, 10000)", name, v)
		}
	}
	if _, err := bars.ParseTimeframe(string(c.Timeframe)); err != nil {
		return err
	}
	r := c.Risk
	if r.MaxOpenPositions < 0 || r.CooldownBars < 0 {
		return errors.New("max_open_positions and cooldown_bars must be >= 0")
	}
	for name, v := range map[string]float64{"max_position_pct": r.MaxPositionPct, "stoploss_pct": r.StoplossPct,
		"trailing_stop_pct": r.TrailingStopPct, "max_daily_loss_pct": r.MaxDailyLossPct, "max_drawdown_pct": r.MaxDrawdownPct} {
		if v < 0 || v > 100 {
			return fmt.Errorf("%s %v: must be in [0, 100]", name, v)
		}
	}
	if r.TakeProfitPct < 0 {
		return fmt.Errorf("take_profit_pct %v: must be >= 0", r.TakeProfitPct)
	}
	return nil
}
