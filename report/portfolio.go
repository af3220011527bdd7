package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// PortfolioAnalysis is the result of a portfolio_analysis report.
//
// Values and P&L use each holding's latest close. The history figures
// (Performance and Correlation) assume that the current holdings were held
// unchanged over the whole window: the portfolio's equity is
// Σ quantity × close over the bars that every priced holding has in common
// (matched by bar time, so a crypto holding's weekend bars drop out beside
// a stock), and trades made during the window are not reflected. Holdings
// without data are listed with null figures and left out of the totals and
// the history; Incomplete is then true.
type PortfolioAnalysis struct {
	Header
	PortfolioID int64            `json:"portfolio_id"`
	Name        string           `json:"name"`
	Currency    string           `json:"currency"`
	Holdings    []HoldingFigures `json:"holdings"`
	Totals      Totals           `json:"totals"`
	// Performance holds the return windows, annualised volatility, Sharpe
	// ratio and maximum drawdown of the portfolio's equity.
	Performance Stats `json:"performance"`
	// Correlation is the correlation matrix of the holdings' per-bar
	// returns over the common history.
	Correlation CorrelationMatrix `json:"correlation"`
	Incomplete  bool              `json:"incomplete"`
	Missing     []Missing         `json:"missing"`
}

// HoldingFigures are the figures of one holding; those depending on a price
// are null when the holding's data is missing.
type HoldingFigures struct {
	Symbol    string    `json:"symbol"`
	Quantity  float64   `json:"quantity"`
	CostBasis float64   `json:"cost_basis"`
	Price     Float     `json:"price"` // latest close
	PriceTime time.Time `json:"price_time,omitzero"`
	Value     Float     `json:"value"`      // quantity × price
	Cost      float64   `json:"cost"`       // quantity × cost basis
	WeightPct Float     `json:"weight_pct"` // value / total value × 100
	PnL       Float     `json:"pnl"`        // value − cost
	PnLPct    Float     `json:"pnl_pct"`    // P&L / cost × 100, null for a zero cost
	// DayChangePct is the change of the latest close (see DayChangePct).
	DayChangePct Float `json:"day_change_pct"`
	Missing      bool  `json:"missing"`
}

// Totals sum the holdings that have a price.
type Totals struct {
	Value  Float `json:"value"`
	Cost   Float `json:"cost"`
	PnL    Float `json:"pnl"`
	PnLPct Float `json:"pnl_pct"`
	// DayChangePct is the change of the total value since the previous
	// closes, in %.
	DayChangePct Float `json:"day_change_pct"`
	Holdings     int   `json:"holdings"`
	Priced       int   `json:"priced"` // holdings the totals cover
}

// CorrelationMatrix holds the Pearson correlations of the per-bar returns
// of Symbols: Matrix[i][j] is that of Symbols[i] and Symbols[j], null when
// undefined (a constant price, fewer than two returns).
type CorrelationMatrix struct {
	Symbols []string  `json:"symbols"`
	Matrix  [][]Float `json:"matrix"`
	Returns int       `json:"returns"` // per-bar returns each correlation uses
}

// holdingsHistory is the common history of a portfolio's priced holdings.
type holdingsHistory struct {
	symbols []string    // priced holdings, in portfolio order
	times   []time.Time // bar times every priced holding has, ascending
	closes  [][]float64 // closes[i][k]: close of symbols[i] at times[k]
	equity  []float64   // Σ quantity × close at times[k]
}

// alignHoldings builds the common history of the holdings of p that have a
// series.
func alignHoldings(p *Portfolio, series map[string]bars.Series) holdingsHistory {
	var h holdingsHistory
	var qty []float64
	var byTime []map[int64]float64
	for _, hd := range p.Holdings {
		s, ok := series[hd.Symbol]
		if !ok {
			continue
		}
		m := make(map[int64]float64, len(s))
		for _, b := range s {
			if finite(b.Close) {
				m[b.Time.UnixNano()] = b.Close
			}
		}
		h.symbols = append(h.symbols, hd.Symbol)
		qty = append(qty, hd.Quantity)
		byTime = append(byTime, m)
	}
	if len(h.symbols) == 0 {
		return h
	}
	h.closes = make([][]float64, len(h.symbols))
	for _, b := range series[h.symbols[0]] {
		key := b.Time.UnixNano()
		closes := make([]float64, len(h.symbols))
		eq, common := 0.0, true
		for i, m := range byTime {
			c, ok := m[key]
			if !ok {
				common = false
				break
			}
			closes[i] = c
			eq += qty[i] * c
		}
		if !common || (len(h.times) > 0 && !b.Time.After(h.times[len(h.times)-1])) {
			continue
		}
		h.times = append(h.times, b.Time.UTC())
		h.equity = append(h.equity, eq)
		for i, c := range closes {
			h.closes[i] = append(h.closes[i], c)
		}
	}
	return h
}

// buildPortfolioAnalysis values the portfolio's holdings at their latest
// closes and analyses their common history.
func buildPortfolioAnalysis(ctx context.Context, req Request, data Data) (Output, error) {
	p := req.Portfolio
	symbols := make([]string, len(p.Holdings))
	for i, h := range p.Holdings {
		symbols[i] = h.Symbol
	}
	f, err := fetchAll(ctx, req, data, symbols, yearBars(req))
	if err != nil {
		return Output{}, err
	}
	res := &PortfolioAnalysis{
		Header:      header(req),
		PortfolioID: p.ID,
		Name:        p.Name,
		Currency:    p.Currency,
		Holdings:    valueHoldings(p, f.series),
		Incomplete:  len(f.missing) > 0,
		Missing:     f.missing,
	}
	res.Totals = totals(res.Holdings)
	hist := alignHoldings(p, f.series)
	res.Performance = computeStats(hist.times, hist.equity, req.Windows, req.PeriodsPerYear)
	res.Correlation = correlations(hist)

	out := Output{Result: res, Missing: slices.Clone(f.missing)}
	if req.IncludeCharts && chartable(hist.equity) {
		label := portfolioLabel(p)
		caption := fmt.Sprintf("%s: value of the current holdings over %d bars, max drawdown %s",
			label, len(hist.equity), fmtDrawdown(float64(res.Performance.MaxDrawdownPct)))
		out.Charts, err = lineCharts(chartNames{}, fmt.Sprintf("portfolio-%d", p.ID),
			fmt.Sprintf("%s %s", label, req.Timeframe), "value of current holdings", caption,
			hist.times, hist.equity)
		if err != nil {
			return Output{}, err
		}
	}
	out.Text = portfolioText(res)
	return out, nil
}

// valueHoldings computes each holding's figures at its latest close, and
// the weights once the total is known.
func valueHoldings(p *Portfolio, series map[string]bars.Series) []HoldingFigures {
	nan := Float(math.NaN())
	out := make([]HoldingFigures, len(p.Holdings))
	total := 0.0
	for i, h := range p.Holdings {
		hf := HoldingFigures{
			Symbol: h.Symbol, Quantity: h.Quantity, CostBasis: h.CostBasis,
			Cost:  h.Quantity * h.CostBasis,
			Price: nan, Value: nan, WeightPct: nan, PnL: nan, PnLPct: nan, DayChangePct: nan,
		}
		s, ok := series[h.Symbol]
		if !ok {
			hf.Missing = true
			out[i] = hf
			continue
		}
		bar := s[len(s)-1]
		value := h.Quantity * bar.Close
		hf.Price, hf.PriceTime = Float(bar.Close), bar.Time.UTC()
		hf.Value = Float(value)
		hf.PnL = Float(value - hf.Cost)
		hf.PnLPct = Float(changePct(hf.Cost, value))
		hf.DayChangePct = Float(DayChangePct(s))
		total += value
		out[i] = hf
	}
	for i := range out {
		if !out[i].Missing && total != 0 {
			out[i].WeightPct = Float(float64(out[i].Value) / total * 100)
		}
	}
	return out
}

// totals sums the priced holdings.
func totals(hs []HoldingFigures) Totals {
	t := Totals{Holdings: len(hs)}
	var value, cost, prev float64
	prevOK := true
	for _, h := range hs {
		if h.Missing {
			continue
		}
		t.Priced++
		value += float64(h.Value)
		cost += h.Cost
		// The value at the previous close: value / (1 + change).
		prev += float64(h.Value) / (1 + float64(h.DayChangePct)/100)
		prevOK = prevOK && finite(float64(h.DayChangePct))
	}
	nan := Float(math.NaN())
	t.Value, t.Cost, t.PnL, t.PnLPct, t.DayChangePct = nan, nan, nan, nan, nan
	if t.Priced == 0 {
		return t
	}
	t.Value, t.Cost, t.PnL = Float(value), Float(cost), Float(value-cost)
	t.PnLPct = Float(changePct(cost, value))
	if prevOK {
		t.DayChangePct = Float(changePct(prev, value))
	}
	return t
}

// correlations computes the correlation matrix of the holdings' returns
// over their common history.
func correlations(h holdingsHistory) CorrelationMatrix {
	m := CorrelationMatrix{Symbols: append([]string{}, h.symbols...), Matrix: make([][]Float, len(h.symbols))}
	returns := make([][]float64, len(h.symbols))
	for i, c := range h.closes {
		returns[i] = Returns(c)
		m.Matrix[i] = make([]Float, len(h.symbols))
	}
	if len(returns) > 0 {
		m.Returns = len(returns[0])
	}
	for i := range returns {
		for j := i; j < len(returns); j++ {
			c := Float(Correlation(returns[i], returns[j]))
			m.Matrix[i][j], m.Matrix[j][i] = c, c
		}
	}
	return m
}
