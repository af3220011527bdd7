package trading

import (
	"math"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// Result is the backtest summary, the shape of `vigil backtest --json` and
// POST /api/backtests.
type Result struct {
	Trades         []ResultTrade `json:"trades"`
	FinalEquity    float64       `json:"final_equity"`
	ReturnPct      float64       `json:"return_pct"`
	MaxDrawdownPct float64       `json:"max_drawdown_pct"`
	Sharpe         float64       `json:"sharpe"`
	WinRate        float64       `json:"win_rate"`
	ProfitFactor   *float64      `json:"profit_factor"`
	ExposurePct    float64       `json:"exposure_pct"`
	Bars           int           `json:"bars"`

	// Times and Equity are the equity curve (not in the JSON).
	Times  []time.Time `json:"-"`
	Equity []float64   `json:"-"`
	// Refusals are the orders the risk engine refused (not in the JSON).
	Refusals []Refusal `json:"-"`
}

// ResultTrade is one round trip; an open one has null exit_time and
// exit_price and its pnl at the last close.
type ResultTrade struct {
	EntryTime  time.Time  `json:"entry_time"`
	EntryPrice float64    `json:"entry_price"`
	ExitTime   *time.Time `json:"exit_time"`
	ExitPrice  *float64   `json:"exit_price"`
	Quantity   float64    `json:"quantity"`
	PnL        float64    `json:"pnl"`
	Fees       float64    `json:"fees"`
}

// BacktestOptions tune Backtest.
type BacktestOptions struct {
	// Curve keeps the equity curve in Result.Times and Result.Equity.
	Curve bool
}

// Backtest runs the engine over one symbol's series and summarises it.
func Backtest(e *Engine, symbol string, s bars.Series, opt BacktestOptions) Result {
	var res Result
	if opt.Curve {
		res.Times = make([]time.Time, 0, len(s))
		res.Equity = make([]float64, 0, len(s))
	}
	initial := e.st.LastEquity
	prev, peak, maxDD := initial, initial, 0.0
	var n, mean, m2 float64 // Welford over per-bar returns
	exposed := 0
	for _, b := range s {
		e.Step(symbol, b)
		eq := e.st.LastEquity
		if prev != 0 {
			r := eq/prev - 1
			n++
			d := r - mean
			mean += d / n
			m2 += d * (r - mean)
		}
		prev = eq
		peak = max(peak, eq)
		if dd := (peak - eq) / peak * 100; dd > maxDD {
			maxDD = dd
		}
		if len(e.st.Positions) > 0 {
			exposed++
		}
		if opt.Curve {
			res.Times = append(res.Times, b.Time)
			res.Equity = append(res.Equity, eq)
		}
	}
	res.Bars = len(s)
	res.FinalEquity = round(e.st.LastEquity, 8)
	res.ReturnPct = round((e.st.LastEquity-initial)/initial*100, 8)
	res.MaxDrawdownPct = round(maxDD, 8)
	if n > 1 {
		if sd := math.Sqrt(m2 / (n - 1)); sd > 0 {
			perYear := float64(365*24*time.Hour) / float64(e.cfg.Timeframe.Duration())
			res.Sharpe = round(mean/sd*math.Sqrt(perYear), 8)
		}
	}
	if len(s) > 0 {
		res.ExposurePct = round(float64(exposed)/float64(len(s))*100, 8)
	}
	var wins, closed int
	var gain, loss float64
	res.Trades = make([]ResultTrade, 0, len(e.st.Trades))
	for _, t := range e.st.Trades {
		rt := ResultTrade{EntryTime: t.EntryTime, EntryPrice: t.EntryPrice.InexactFloat64(), ExitTime: t.ExitTime,
			Quantity: t.Quantity.InexactFloat64(), Fees: t.Fees.InexactFloat64()}
		pnl := t.PnL.InexactFloat64()
		if t.ExitPrice != nil {
			x := t.ExitPrice.InexactFloat64()
			rt.ExitPrice = &x
			closed++
			if pnl > 0 {
				wins++
				gain += pnl
			} else if pnl < 0 {
				loss -= pnl
			}
		} else if p := e.st.Positions[t.Symbol]; p != nil {
			pnl += (p.LastClose - p.AvgCost.InexactFloat64()) * p.qty
		}
		rt.PnL = round(pnl, 8)
		res.Trades = append(res.Trades, rt)
	}
	if closed > 0 {
		res.WinRate = round(float64(wins)/float64(closed), 8)
	}
	if loss > 0 {
		pf := round(gain/loss, 8)
		res.ProfitFactor = &pf
	}
	res.Refusals = e.st.Refusals
	return res
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
