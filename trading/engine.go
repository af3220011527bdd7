package trading

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
)

// Position is a symbol's holding at average cost. Quantity is negative for a
// short, whose AvgCost is the average price it was sold at.
type Position struct {
	Symbol    string          `json:"symbol"`
	Quantity  decimal.Decimal `json:"quantity"`
	AvgCost   decimal.Decimal `json:"avg_cost"`
	OpenedAt  time.Time       `json:"opened_at"`
	EntryBar  int             `json:"entry_bar"`  // engine bar count at the entry fill
	HighWater float64         `json:"high_water"` // highest high since entry, for a long's trailing stop
	// LowWater is the lowest low since entry, for a short's trailing stop.
	LowWater  float64 `json:"low_water,omitempty"`
	LastClose float64 `json:"last_close"`
	Trade     int     `json:"trade"` // index in State.Trades

	qty float64 // Quantity as a float, for the per-bar equity
}

// Trade is a round trip from flat to flat: a long (bought, then sold) or,
// with allow_short, a short (sold, then bought back).
type Trade struct {
	Symbol     string           `json:"symbol"`
	EntryTime  time.Time        `json:"entry_time"`
	EntryPrice decimal.Decimal  `json:"entry_price"` // average entry
	ExitTime   *time.Time       `json:"exit_time"`
	ExitPrice  *decimal.Decimal `json:"exit_price"` // average exit; nil while open
	Quantity   decimal.Decimal  `json:"quantity"`   // units entered: bought, or negative for units sold short
	Sold       decimal.Decimal  `json:"sold"`       // units exited (sold, or bought back for a short)
	Proceeds   decimal.Decimal  `json:"proceeds"`   // notional of the exits
	PnL        decimal.Decimal  `json:"pnl"`        // realised, net of fees; for an open trade set at the last close by Result
	Fees       decimal.Decimal  `json:"fees"`
}

// State is everything an Engine changes, serialisable with encoding/json.
type State struct {
	Cash        decimal.Decimal      `json:"cash"`
	Positions   map[string]*Position `json:"positions"`
	Orders      []Order              `json:"orders"` // open orders
	NextOrderID int64                `json:"next_order_id"`
	FeesPaid    decimal.Decimal      `json:"fees_paid"`
	Realised    decimal.Decimal      `json:"realised"` // realised P&L before fees
	Trades      []Trade              `json:"trades"`
	Refusals    []Refusal            `json:"refusals"`
	Actions     []Action             `json:"actions"`     // submitted, not yet decided
	ActionKeys  map[string]bool      `json:"action_keys"` // keys of every action submitted
	Bars        int                  `json:"bars"`
	Halted      bool                 `json:"halted"`     // max_drawdown_pct hit
	HaltedDay   int64                `json:"halted_day"` // UTC day (Unix days) halted by max_daily_loss_pct, -1 none
	// EntriesStopped is the owner's stop of new entries (freqtrade's
	// /stopentry): buys are refused, exits and stops still work.
	EntriesStopped bool            `json:"entries_stopped,omitempty"`
	Day            int64           `json:"day"`          // UTC day of the last bar
	DayStartEq     float64         `json:"day_start_eq"` // equity at the previous day's last close
	LastEquity     float64         `json:"last_equity"`
	PeakEquity     float64         `json:"peak_equity"`
	Cooldown       map[string]int  `json:"cooldown"` // symbol -> first bar count when entries are allowed again
	Strategy       json.RawMessage `json:"strategy"`
}

// Engine is one bot's decision step: a strategy, the paper broker and the risk engine.
type Engine struct {
	cfg      Config
	strategy Strategy
	st       State
	// short is cfg.AllowShort or the strategy's allow_short parameter.
	short  bool
	cashF  float64
	events []Event
	makerF decimal.Decimal
	takerF decimal.Decimal
	slip   decimal.Decimal
	units  int32
	// in is Step's Input, reused so that passing it to the strategy does
	// not allocate one per bar.
	in Input
}

var (
	one   = decimal.NewFromInt(1)
	hundr = decimal.NewFromInt(100)
)

// NewEngine starts a fresh account with cfg.Cash.
func NewEngine(cfg Config, s Strategy) (*Engine, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("trading config: %w", err)
	}
	e := &Engine{cfg: cfg, strategy: s}
	e.st = State{Cash: cfg.Cash, Positions: map[string]*Position{}, NextOrderID: 1, HaltedDay: -1, Day: -1,
		Cooldown: map[string]int{}}
	e.init()
	if err := e.checkMode(); err != nil {
		return nil, fmt.Errorf("trading config: %w", err)
	}
	f := cfg.Cash.InexactFloat64()
	e.st.DayStartEq, e.st.LastEquity, e.st.PeakEquity = f, f, f
	return e, nil
}

// RestoreEngine continues from a State saved by Engine.State; s must be
// built from the same parameters (its state is overwritten).
func RestoreEngine(cfg Config, s Strategy, st State) (*Engine, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("trading config: %w", err)
	}
	if len(st.Strategy) > 0 {
		if err := json.Unmarshal(st.Strategy, s); err != nil {
			return nil, fmt.Errorf("restore %s state: %w", s.Name(), err)
		}
	}
	st.Strategy = nil
	if st.Positions == nil {
		st.Positions = map[string]*Position{}
	}
	if st.Cooldown == nil {
		st.Cooldown = map[string]int{}
	}
	for _, p := range st.Positions {
		p.qty = p.Quantity.InexactFloat64()
	}
	e := &Engine{cfg: cfg, strategy: s, st: st}
	e.init()
	if err := e.checkMode(); err != nil {
		return nil, fmt.Errorf("trading config: %w", err)
	}
	return e, nil
}

func (e *Engine) init() {
	e.cashF = e.st.Cash.InexactFloat64()
	// Shift(-4) is bps / 10000 exactly, with the fewest decimals (Div
	// would carry 16), which keeps cash and prices short and their float
	// conversions fast.
	e.makerF = decimal.NewFromFloat(e.cfg.MakerFeeBps).Shift(-4)
	e.takerF = decimal.NewFromFloat(e.cfg.TakerFeeBps).Shift(-4)
	e.slip = decimal.NewFromFloat(e.cfg.SlippageBps).Shift(-4)
	if e.cfg.Fractional || fractional(e.strategy) {
		e.units = 8
	}
	e.short = e.cfg.AllowShort || allowShort(e.strategy)
}

// checkMode refuses what broker-filled mode does not support.
func (e *Engine) checkMode() error {
	if e.cfg.BrokerFills && e.short {
		return errors.New("allow_short: short selling is not supported with a real broker (broker-filled mode)")
	}
	return nil
}

// AllowShort reports whether sells may open short positions.
func (e *Engine) AllowShort() bool { return e.short }

// State returns a deep copy of the engine's state, the strategy's included.
func (e *Engine) State() (State, error) {
	data, err := json.Marshal(e.st)
	if err != nil {
		return State{}, fmt.Errorf("encode state: %w", err)
	}
	var out State
	if err := json.Unmarshal(data, &out); err != nil {
		return State{}, fmt.Errorf("decode state: %w", err)
	}
	out.Strategy, err = json.Marshal(e.strategy)
	if err != nil {
		return State{}, fmt.Errorf("encode %s state: %w", e.strategy.Name(), err)
	}
	return out, nil
}

// Cash is the account's cash.
func (e *Engine) Cash() decimal.Decimal { return e.st.Cash }

// Equity is cash plus every position at its last close, as of the last bar.
func (e *Engine) Equity() float64 { return e.st.LastEquity }

// Position returns the symbol's position (zero Quantity when flat,
// negative when short).
func (e *Engine) Position(symbol string) Position {
	if p := e.st.Positions[symbol]; p != nil {
		return *p
	}
	return Position{Symbol: symbol}
}

// Trades returns the round trips so far (the last may be open).
func (e *Engine) Trades() []Trade { return e.st.Trades }

// Refusals returns the orders refused so far, with their reasons.
func (e *Engine) Refusals() []Refusal { return e.st.Refusals }

// OpenOrders returns the resting orders.
func (e *Engine) OpenOrders() []Order { return e.st.Orders }

// FeesPaid is the sum of every fill's fee.
func (e *Engine) FeesPaid() decimal.Decimal { return e.st.FeesPaid }

// Realised is the realised P&L of closed quantities, before fees.
func (e *Engine) Realised() decimal.Decimal { return e.st.Realised }

// Unrealised is the P&L of open positions at their last close: (close −
// average cost) × quantity, which for a short (negative quantity) is
// (average entry − close) × units.
func (e *Engine) Unrealised() decimal.Decimal {
	u := decimal.Zero
	for _, p := range e.st.Positions {
		u = u.Add(decimal.NewFromFloat(p.LastClose).Sub(p.AvgCost).Mul(p.Quantity))
	}
	return u
}

// Cancel cancels a resting order.
func (e *Engine) Cancel(id int64) error {
	for i, o := range e.st.Orders {
		if o.ID == id {
			e.st.Orders = append(e.st.Orders[:i], e.st.Orders[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("cancel order %d: no such open order", id)
}

// Step runs one decision on a closed bar of symbol (see the package doc for
// the order of work). The returned events are valid until the next Step.
func (e *Engine) Step(symbol string, b bars.Bar) []Event {
	e.events = e.events[:0]
	e.st.Bars++
	if len(e.st.Orders) > 0 && !e.cfg.BrokerFills {
		e.matchOrders(symbol, b)
	}
	p := e.st.Positions[symbol]
	if p != nil && p.EntryBar < e.st.Bars {
		e.protect(p, b)
		p = e.st.Positions[symbol]
	}
	if p != nil {
		p.LastClose = b.Close
		if p.EntryBar < e.st.Bars {
			if p.qty < 0 {
				p.LowWater = min(p.LowWater, b.Low)
			} else {
				p.HighWater = max(p.HighWater, b.High)
			}
		}
	}
	eq := e.cashF
	switch n := len(e.st.Positions); {
	case n == 1 && p != nil: // the one position is this symbol's: no map iterator per bar
		eq += p.qty * p.LastClose
	case n > 0:
		for _, q := range e.st.Positions {
			eq += q.qty * q.LastClose
		}
	}
	e.killSwitch(b, eq)
	e.in = Input{Symbol: symbol, Bar: b, Cash: e.st.Cash, Equity: eq, Bars: e.st.Bars, AllowShort: e.short}
	in := &e.in
	if p != nil {
		in.Position = *p
	}
	if len(e.st.Actions) > 0 {
		e.actions(in)
	}
	for _, o := range e.strategy.OnBar(in) {
		e.submit(o, in)
	}
	return e.events
}

// Submit places an order directly (a force exit, an API call), checked by
// the risk engine like a strategy's; it rests until the next bar.
func (e *Engine) Submit(o Order, at time.Time) (Order, error) {
	in := Input{Symbol: o.Symbol, Position: e.Position(o.Symbol), Cash: e.st.Cash, Equity: e.st.LastEquity, Bars: e.st.Bars,
		AllowShort: e.short}
	in.Bar.Time = at
	if p := e.st.Positions[o.Symbol]; p != nil {
		in.Bar.Close = p.LastClose
	}
	placed, reason := e.submit(o, &in)
	if reason != "" {
		return placed, fmt.Errorf("order refused: %s", reason)
	}
	return placed, nil
}

func (e *Engine) submit(o Order, in *Input) (Order, string) {
	if o.TIF == "" {
		o.TIF = GTC
	}
	o.SubmittedAt = in.Bar.Time
	if err := o.check(e.short); err != nil {
		return o, e.refuse(o, in.Bar.Time, err.Error())
	}
	if reason := e.risk(&o, in); reason != "" {
		return o, e.refuse(o, in.Bar.Time, reason)
	}
	if e.cfg.BrokerFills {
		if reason := e.sizeForBroker(&o, in); reason != "" {
			return o, e.refuse(o, in.Bar.Time, reason)
		}
	}
	o.ID = e.st.NextOrderID
	e.st.NextOrderID++
	e.st.Orders = append(e.st.Orders, o)
	return o, ""
}

func (e *Engine) refuse(o Order, at time.Time, reason string) string {
	e.st.Refusals = append(e.st.Refusals, Refusal{Order: o, Time: at, Reason: reason})
	e.events = append(e.events, Event{Kind: EventOrderRefused, Time: at, Symbol: o.Symbol, Reason: reason})
	return reason
}
