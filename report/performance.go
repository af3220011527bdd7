package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// Kinds of a Performance entry.
const (
	KindSymbol    = "symbol"
	KindPortfolio = "portfolio"
	KindBot       = "bot"
)

// PerformanceReport is the result of a performance_report. Its figures
// cover the fetched history: a year of bars (PeriodsPerYear rounded up, at
// most 5,000) or the longest window if longer, plus one bar.
type PerformanceReport struct {
	Header
	// Entries are the trading bot first when the request has one, the
	// portfolio next when it has one, then the
	// requested symbols that have data, in request order.
	Entries []Performance `json:"entries"`
	Missing []Missing     `json:"missing"`
}

// Performance is the performance of one symbol's closes or of a
// portfolio's equity.
type Performance struct {
	Name        string `json:"name"` // the symbol, or the portfolio's name
	Kind        string `json:"kind"` // KindSymbol or KindPortfolio
	PortfolioID int64  `json:"portfolio_id,omitempty"`
	BotID       int64  `json:"bot_id,omitempty"`
	// Last is the latest close, or the portfolio's equity on the last bar
	// its priced holdings have in common (see PortfolioAnalysis for how the
	// equity is built).
	Last Float `json:"last"`
	// Incomplete is set on a portfolio some of whose holdings have no data.
	Incomplete bool `json:"incomplete,omitempty"`
	Stats
}

// buildPerformanceReport computes the performance of the portfolio's equity
// (when the request has a portfolio) and of each symbol.
func buildPerformanceReport(ctx context.Context, req Request, data Data) (Output, error) {
	var symbols []string
	if p := req.Portfolio; p != nil {
		for _, h := range p.Holdings {
			symbols = append(symbols, h.Symbol)
		}
	}
	for _, s := range req.Symbols {
		if !slices.Contains(symbols, s) {
			symbols = append(symbols, s)
		}
	}
	f, err := fetchAll(ctx, req, data, symbols, yearBars(req))
	if err != nil {
		return Output{}, err
	}

	res := &PerformanceReport{Header: header(req), Entries: []Performance{}, Missing: f.missing}
	out := Output{Result: res, Missing: slices.Clone(f.missing)}
	names := chartNames{}
	add := func(e Performance, base string, times []time.Time, values []float64) error {
		res.Entries = append(res.Entries, e)
		if !req.IncludeCharts || !chartable(values) {
			return nil
		}
		caption := fmt.Sprintf("%s: %s over %d bars, max drawdown %s", e.Name,
			fmtPct(float64(e.TotalReturnPct), 2), e.Bars, fmtDrawdown(float64(e.MaxDrawdownPct)))
		c, err := lineCharts(names, base, fmt.Sprintf("%s %s", e.Name, req.Timeframe), "growth of 100",
			caption, times, normalise(values))
		out.Charts = append(out.Charts, c...)
		return err
	}

	if bot := req.Bot; bot != nil {
		ppy := PeriodsPerYear(bot.Timeframe)
		if ppy == 0 {
			ppy = req.PeriodsPerYear
		}
		e := Performance{Name: bot.Name, Kind: KindBot, BotID: bot.ID, Last: Float(lastOf(bot.Equity)),
			Stats: computeStats(bot.Times, bot.Equity, req.Windows, ppy)}
		if err := add(e, fmt.Sprintf("bot-%d", bot.ID), bot.Times, bot.Equity); err != nil {
			return Output{}, err
		}
	}
	if p := req.Portfolio; p != nil {
		hist := alignHoldings(p, f.series)
		e := Performance{
			Name:        portfolioLabel(p),
			Kind:        KindPortfolio,
			PortfolioID: p.ID,
			Last:        Float(lastOf(hist.equity)),
			Incomplete:  len(hist.symbols) < len(p.Holdings),
			Stats:       computeStats(hist.times, hist.equity, req.Windows, req.PeriodsPerYear),
		}
		if err := add(e, fmt.Sprintf("portfolio-%d", p.ID), hist.times, hist.equity); err != nil {
			return Output{}, err
		}
	}
	for _, sym := range req.Symbols {
		s, ok := f.series[sym]
		if !ok {
			continue
		}
		times := make([]time.Time, len(s))
		for i, b := range s {
			times[i] = b.Time.UTC()
		}
		closes := s.Closes()
		e := Performance{
			Name:  sym,
			Kind:  KindSymbol,
			Last:  Float(lastOf(closes)),
			Stats: computeStats(times, closes, req.Windows, req.PeriodsPerYear),
		}
		if err := add(e, sym, times, closes); err != nil {
			return Output{}, err
		}
	}
	out.Text = performanceText(res)
	return out, nil
}

// normalise rescales values so that the first finite one is 100.
func normalise(values []float64) []float64 {
	base := math.NaN()
	for _, v := range values {
		if finite(v) && v != 0 {
			base = v
			break
		}
	}
	out := make([]float64, len(values))
	for i, v := range values {
		out[i] = v / base * 100
	}
	return out
}
