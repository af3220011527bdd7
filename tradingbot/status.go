package tradingbot

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// PositionStatus is an open position at the last decided close.
type PositionStatus struct {
	Symbol    string
	Quantity  decimal.Decimal
	AvgCost   decimal.Decimal
	LastClose decimal.Decimal
	// Value is Quantity × LastClose.
	Value decimal.Decimal
	// Unrealised is (LastClose − AvgCost) × Quantity, before exit fees.
	Unrealised decimal.Decimal
	// UnrealisedPct is LastClose over AvgCost − 1, in percent.
	UnrealisedPct float64
	OpenedAt      time.Time
}

// Status is a bot as of its last decision.
type Status struct {
	Bot       dbsqlc.TradingBot
	Positions []PositionStatus
	Cash      decimal.Decimal
	// Equity is Cash plus every position's Value.
	Equity     decimal.Decimal
	Unrealised decimal.Decimal
	// Realised is the realised P&L before fees; FeesPaid every fill's fee.
	Realised decimal.Decimal
	FeesPaid decimal.Decimal
	// ReturnPct is Equity over the initial cash − 1, in percent.
	ReturnPct  float64
	OpenOrders int
	// PendingExits are the symbols of force exits not decided yet.
	PendingExits   []string
	EntriesStopped bool
}

// Status returns one of the actor's bots with its positions and account.
// q should be a repeatable-read transaction for a consistent view.
func (s *Service) Status(ctx context.Context, q dbsqlc.DBTX, a Actor, id int64) (Status, error) {
	b, err := s.Get(ctx, q, a, id)
	if err != nil {
		return Status{}, err
	}
	return s.status(ctx, q, b)
}

func (s *Service) status(ctx context.Context, q dbsqlc.DBTX, b dbsqlc.TradingBot) (Status, error) {
	out := Status{Bot: b, Cash: b.Cash, Equity: b.Cash, Unrealised: decimal.Zero, Realised: decimal.Zero, FeesPaid: decimal.Zero}
	rows, err := s.q.BotPositionList(ctx, q, b.ID)
	if err != nil {
		return out, fmt.Errorf("positions of bot %d: %w", b.ID, err)
	}
	for _, p := range rows {
		ps := PositionStatus{Symbol: p.Symbol, Quantity: p.Quantity, AvgCost: p.AvgCost, LastClose: p.LastClose,
			Value: p.Quantity.Mul(p.LastClose), Unrealised: p.LastClose.Sub(p.AvgCost).Mul(p.Quantity), OpenedAt: p.OpenedAt}
		if p.AvgCost.IsPositive() {
			ps.UnrealisedPct = p.LastClose.Div(p.AvgCost).Sub(decimal.NewFromInt(1)).Mul(decimal.NewFromInt(100)).InexactFloat64()
			if p.Quantity.IsNegative() { // a short gains as the price falls
				ps.UnrealisedPct = -ps.UnrealisedPct
			}
		}
		out.Positions = append(out.Positions, ps)
		out.Equity = out.Equity.Add(ps.Value)
		out.Unrealised = out.Unrealised.Add(ps.Unrealised)
	}
	st, ok, err := storedState(&b)
	if err != nil {
		return out, err
	}
	if ok {
		out.Realised, out.FeesPaid, out.OpenOrders, out.EntriesStopped = st.Realised, st.FeesPaid, len(st.Orders), st.EntriesStopped
		for _, act := range st.Actions {
			if act.Side == "exit" && !slices.Contains(out.PendingExits, act.Symbol) {
				out.PendingExits = append(out.PendingExits, act.Symbol)
			}
		}
	}
	if b.InitialCash.IsPositive() {
		out.ReturnPct = out.Equity.Div(b.InitialCash).Sub(decimal.NewFromInt(1)).Mul(decimal.NewFromInt(100)).InexactFloat64()
	}
	return out, nil
}

// RoundTrip is a trade from flat to flat, rebuilt from the bot's fills.
type RoundTrip struct {
	Symbol     string
	EntryTime  time.Time
	EntryPrice decimal.Decimal // average of the buys
	// ExitTime and ExitPrice (the average of the sells) are nil while open.
	ExitTime  *time.Time
	ExitPrice *decimal.Decimal
	Quantity  decimal.Decimal // units bought
	// PnL is net of fees: the closing fill's trade P&L; for an open trade,
	// what is sold so far plus the rest at the last close, less the fees.
	PnL  decimal.Decimal
	Fees decimal.Decimal
	Open bool
}

// Trades returns the round trips of one of the actor's bots, oldest first;
// open ones are valued at their position's last close.
func (s *Service) Trades(ctx context.Context, q dbsqlc.DBTX, a Actor, id int64) ([]RoundTrip, error) {
	b, err := s.Get(ctx, q, a, id)
	if err != nil {
		return nil, err
	}
	return s.trades(ctx, q, b)
}

func (s *Service) trades(ctx context.Context, q dbsqlc.DBTX, b dbsqlc.TradingBot) ([]RoundTrip, error) {
	fills, err := s.q.BotFillList(ctx, q, b.ID)
	if err != nil {
		return nil, fmt.Errorf("fills of bot %d: %w", b.ID, err)
	}
	type acc struct {
		rt                   RoundTrip
		cost, sold, proceeds decimal.Decimal
	}
	open := map[string]*acc{}
	var out []RoundTrip
	var order []string // open symbols in entry order
	for _, f := range fills {
		t := open[f.Symbol]
		if t == nil {
			if f.Side != "buy" {
				continue // a sell without an entry in the fills: nothing to pair
			}
			t = &acc{rt: RoundTrip{Symbol: f.Symbol, EntryTime: f.BarTime, Quantity: decimal.Zero, Fees: decimal.Zero},
				cost: decimal.Zero, sold: decimal.Zero, proceeds: decimal.Zero}
			open[f.Symbol] = t
			order = append(order, f.Symbol)
		}
		t.rt.Fees = t.rt.Fees.Add(f.Fee)
		if f.Side == "buy" {
			t.rt.Quantity = t.rt.Quantity.Add(f.Quantity)
			t.cost = t.cost.Add(f.Price.Mul(f.Quantity))
			continue
		}
		t.sold = t.sold.Add(f.Quantity)
		t.proceeds = t.proceeds.Add(f.Price.Mul(f.Quantity))
		if f.TradePnl.Valid { // the fill that closed the position
			bt := f.BarTime
			px := t.proceeds.Div(t.sold).Round(8)
			t.rt.ExitTime, t.rt.ExitPrice, t.rt.PnL = &bt, &px, f.TradePnl.Decimal
			t.rt.EntryPrice = t.cost.Div(t.rt.Quantity).Round(8)
			out = append(out, t.rt)
			delete(open, f.Symbol)
			order = slices.DeleteFunc(order, func(sym string) bool { return sym == f.Symbol })
		}
	}
	if len(order) == 0 {
		return out, nil
	}
	positions, err := s.q.BotPositionList(ctx, q, b.ID)
	if err != nil {
		return nil, fmt.Errorf("positions of bot %d: %w", b.ID, err)
	}
	last := map[string]decimal.Decimal{}
	for _, p := range positions {
		last[p.Symbol] = p.LastClose
	}
	for _, sym := range order {
		t := open[sym]
		t.rt.Open = true
		t.rt.EntryPrice = t.cost.Div(t.rt.Quantity).Round(8)
		rest := t.rt.Quantity.Sub(t.sold)
		t.rt.PnL = t.proceeds.Add(rest.Mul(last[sym])).Sub(t.cost).Sub(t.rt.Fees)
		out = append(out, t.rt)
	}
	return out, nil
}

// Profit is a bot's performance so far (freqtrade's /profit).
type Profit struct {
	Status       Status
	ClosedTrades int
	OpenTrades   int
	Wins         int
	Losses       int
	// ClosedPnL sums the closed round trips' P&L (net of fees).
	ClosedPnL decimal.Decimal
	// WinRate is Wins over ClosedTrades, 0-1 (0 with none).
	WinRate float64
	Best    *RoundTrip
	Worst   *RoundTrip
}

// Profit returns the performance of one of the actor's bots.
func (s *Service) Profit(ctx context.Context, q dbsqlc.DBTX, a Actor, id int64) (Profit, error) {
	b, err := s.Get(ctx, q, a, id)
	if err != nil {
		return Profit{}, err
	}
	st, err := s.status(ctx, q, b)
	if err != nil {
		return Profit{}, err
	}
	trades, err := s.trades(ctx, q, b)
	if err != nil {
		return Profit{}, err
	}
	p := Profit{Status: st, ClosedPnL: decimal.Zero}
	for i := range trades {
		t := &trades[i]
		if t.Open {
			p.OpenTrades++
			continue
		}
		p.ClosedTrades++
		p.ClosedPnL = p.ClosedPnL.Add(t.PnL)
		if t.PnL.IsPositive() {
			p.Wins++
		} else if t.PnL.IsNegative() {
			p.Losses++
		}
		if p.Best == nil || t.PnL.GreaterThan(p.Best.PnL) {
			p.Best = t
		}
		if p.Worst == nil || t.PnL.LessThan(p.Worst.PnL) {
			p.Worst = t
		}
	}
	if p.ClosedTrades > 0 {
		p.WinRate = float64(p.Wins) / float64(p.ClosedTrades)
	}
	return p, nil
}

// Orders returns the newest orders (at most limit) of one of the actor's bots,
// newest first.
func (s *Service) Orders(ctx context.Context, q dbsqlc.DBTX, a Actor, id int64, limit int) ([]dbsqlc.BotOrder, error) {
	b, err := s.Get(ctx, q, a, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.BotOrderListRecent(ctx, q, dbsqlc.BotOrderListRecentParams{BotID: b.ID, Lim: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("orders of bot %d: %w", b.ID, err)
	}
	return rows, nil
}

// Equity returns the equity snapshots of one of the actor's bots with bar
// times in [from, to), the newest limit of them, oldest first.
func (s *Service) Equity(ctx context.Context, q dbsqlc.DBTX, a Actor, id int64, from, to time.Time, limit int) ([]dbsqlc.BotEquitySnapshot, error) {
	b, err := s.Get(ctx, q, a, id)
	if err != nil {
		return nil, err
	}
	return s.equity(ctx, q, b.ID, from, to, limit)
}

func (s *Service) equity(ctx context.Context, q dbsqlc.DBTX, id int64, from, to time.Time, limit int) ([]dbsqlc.BotEquitySnapshot, error) {
	rows, err := s.q.BotEquitySeries(ctx, q, dbsqlc.BotEquitySeriesParams{BotID: id, FromTime: from, ToTime: to, Lim: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("equity of bot %d: %w", id, err)
	}
	slices.Reverse(rows)
	return rows, nil
}
