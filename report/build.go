package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// Report types: the design's task_params report_type values.
const (
	TypeDailySummary      = "daily_summary"
	TypePortfolioAnalysis = "portfolio_analysis"
	TypePerformanceReport = "performance_report"
)

// ErrInvalidRequest is wrapped by every error Build returns for a request
// that can never succeed (unknown report type, no symbols, a
// portfolio_analysis without a portfolio, ...). A job worker should cancel,
// not retry, on it; the message names the offending field.
var ErrInvalidRequest = errors.New("invalid report request")

// DefaultConcurrency is the number of symbol fetches Build keeps in flight
// when Request.Concurrency is 0.
const DefaultConcurrency = 8

const (
	// maxWindow is the longest return window accepted, in bars (the
	// report.v1 schema's limit).
	maxWindow = 10000
	// maxYearBars caps the bars of "one year" fetched for the performance
	// figures, so that intraday timeframes stay a reasonable fetch.
	maxYearBars = 5000
	// chartBars is the number of bars on a daily_summary candlestick chart.
	chartBars = 120
	// dailyBars is the number of bars a daily_summary fetches: enough for
	// SMA 200 over every bar of the chart (199 + 120 = 319) plus one.
	dailyBars = 200 + chartBars
	// maxReason caps the length of a Missing reason.
	maxReason = 300
)

// defaultWindows are the return windows, in bars, used when the request has
// none: a week, a month, a quarter and a year of daily bars.
func defaultWindows() []int { return []int{5, 20, 60, 250} }

// Holding is one position of a portfolio.
type Holding struct {
	Symbol   string
	Quantity float64 // units held, > 0
	// CostBasis is the average price paid per unit (≥ 0); P&L is measured
	// against it.
	CostBasis float64
}

// Portfolio is a named set of holdings, loaded by the caller from the
// request's portfolio_id.
type Portfolio struct {
	ID       int64
	Name     string
	Currency string
	Holdings []Holding
}

// TradingBot is a trading bot's equity curve, loaded by the caller from the
// request's bot_id (bot_equity_snapshots, oldest first).
type TradingBot struct {
	ID        int64
	Name      string
	Timeframe bars.Timeframe
	Times     []time.Time
	Equity    []float64
}

// Request is one report to build: the design's task_params, decoded and
// resolved by the caller (the portfolio loaded, today's alerts collected).
type Request struct {
	// Type is daily_summary, portfolio_analysis or performance_report.
	Type string
	// Symbols are the symbols of a daily_summary, and of a
	// performance_report (required there unless Portfolio is set; with a
	// Portfolio they are reported beside it, e.g. as benchmarks). A
	// portfolio_analysis uses its holdings and ignores Symbols. Duplicates
	// are reported once.
	Symbols []string
	// Timeframe of the bars; 1d when empty.
	Timeframe bars.Timeframe
	// IncludeCharts adds PNG charts to the output.
	IncludeCharts bool
	// Windows are the return windows in bars for performance_report and
	// portfolio_analysis; 5, 20, 60 and 250 when empty (a week, a month, a
	// quarter and a year of daily bars).
	Windows []int
	// Portfolio is required for portfolio_analysis and, when set, makes a
	// performance_report cover the portfolio's equity.
	Portfolio *Portfolio
	// Bot, when set, makes a performance_report cover the bot's equity
	// curve (annualised by the bot's own timeframe).
	Bot *TradingBot
	// AlertsFired lists, per symbol, the alerts that fired today
	// (daily_summary). Symbols not in Symbols are reported apart.
	AlertsFired map[string][]string
	// Now is the time of the report; its UTC date heads the report.
	// Required.
	Now time.Time
	// Concurrency is the number of symbol fetches in flight;
	// DefaultConcurrency when 0.
	Concurrency int
	// PeriodsPerYear annualises volatility and Sharpe ratios; when 0 it
	// comes from the timeframe (see PeriodsPerYear). Set 365 for daily
	// bars of a market that trades every day, such as crypto.
	PeriodsPerYear float64
}

// Data fetches the latest n bars of symbol, oldest first (the caller's
// cached market data). Build calls it at most once per symbol and does not
// modify the returned series. Returning fewer than n bars is fine.
type Data func(ctx context.Context, symbol string, tf bars.Timeframe, n int) (bars.Series, error)

// Output is a built report.
type Output struct {
	// Result is the report's figures, stored as the run result: a
	// *DailySummary, *PortfolioAnalysis or *PerformanceReport. It encodes
	// to JSON with snake_case keys; undefined figures (NaN) encode as null.
	Result any
	// Text is the report as a plain-text message (no markup). It may exceed
	// one Telegram message; the caller splits it.
	Text string
	// Charts are the PNG charts, empty unless Request.IncludeCharts.
	Charts []Chart
	// Missing lists the symbols whose data could not be had.
	Missing []Missing
}

// Chart is one rendered PNG chart.
type Chart struct {
	// Name is a file name unique within the output, such as
	// "AAPL-candles.png": it starts with a letter or digit, holds only
	// [A-Za-z0-9._-] and is at most 128 bytes long.
	Name    string
	Caption string
	PNG     []byte
}

// Missing is a symbol left out of a report because its data could not be
// had, and why.
type Missing struct {
	Symbol string `json:"symbol"`
	Reason string `json:"reason"`
}

// Header is the part common to every report result.
type Header struct {
	ReportType  string         `json:"report_type"`
	Date        string         `json:"date"` // Request.Now in UTC, YYYY-MM-DD
	Timeframe   bars.Timeframe `json:"timeframe"`
	GeneratedAt time.Time      `json:"generated_at"`
}

// Build fetches the data a report needs through data and computes it: its
// figures, a plain-text message and, when asked, its charts. It is pure
// apart from calling data.
//
// A symbol whose fetch fails or returns no bars is listed in Output.Missing
// and in the result, and the report is built from the rest, even when
// nothing is left. Build returns an error wrapping ErrInvalidRequest for a
// request that cannot succeed, the context's error when ctx ends during the
// fetches, and a wrapped error if a chart cannot be rendered.
func Build(ctx context.Context, req Request, data Data) (Output, error) {
	req, err := normalize(req)
	if err != nil {
		return Output{}, fmt.Errorf("build report: %w", err)
	}
	if data == nil {
		return Output{}, errors.New("build report: nil Data")
	}
	var out Output
	switch req.Type {
	case TypeDailySummary:
		out, err = buildDailySummary(ctx, req, data)
	case TypePortfolioAnalysis:
		out, err = buildPortfolioAnalysis(ctx, req, data)
	case TypePerformanceReport:
		out, err = buildPerformanceReport(ctx, req, data)
	}
	if err != nil {
		return Output{}, fmt.Errorf("build %s report: %w", req.Type, err)
	}
	return out, nil
}

// PeriodsPerYear is the number of bars of tf in a year, used to annualise
// volatility and Sharpe ratios: 252 for 1d (trading days of a stock
// exchange; a market open every day has 365, see Request.PeriodsPerYear),
// 52 for 1w, and 252 days × the bars in 24 hours for intraday timeframes
// (right for a market open around the clock on weekdays, such as forex). It
// is 0 for an unknown timeframe.
func PeriodsPerYear(tf bars.Timeframe) float64 {
	switch tf {
	case bars.D1:
		return 252
	case bars.W1:
		return 52
	}
	d := tf.Duration()
	if d <= 0 {
		return 0
	}
	return 252 * float64(24*time.Hour) / float64(d)
}

// invalid returns an error naming field that wraps ErrInvalidRequest.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalidRequest)
}

// normalize checks req and returns a copy with the defaults filled in, the
// symbols trimmed and deduplicated, and the portfolio copied.
func normalize(req Request) (Request, error) {
	switch req.Type {
	case TypeDailySummary, TypePortfolioAnalysis, TypePerformanceReport:
	case "":
		return req, invalid("report_type", "required")
	default:
		return req, invalid("report_type", "unknown %q; must be one of %s, %s, %s",
			req.Type, TypeDailySummary, TypePortfolioAnalysis, TypePerformanceReport)
	}
	if req.Now.IsZero() {
		return req, invalid("now", "required")
	}

	if req.Timeframe == "" {
		req.Timeframe = bars.D1
	}
	if _, err := bars.ParseTimeframe(string(req.Timeframe)); err != nil {
		return req, invalid("parameters.timeframe", "%v", err)
	}

	syms := make([]string, 0, len(req.Symbols))
	for i, s := range req.Symbols {
		s = strings.TrimSpace(s)
		if s == "" {
			return req, invalid(fmt.Sprintf("parameters.symbols[%d]", i), "empty symbol")
		}
		if !slices.Contains(syms, s) {
			syms = append(syms, s)
		}
	}
	req.Symbols = syms

	if len(req.Windows) == 0 {
		req.Windows = defaultWindows()
	} else {
		req.Windows = slices.Clone(req.Windows)
	}
	for i, w := range req.Windows {
		if w < 1 || w > maxWindow {
			return req, invalid(fmt.Sprintf("parameters.windows[%d]", i), "%d bars; must be 1..%d", w, maxWindow)
		}
	}

	switch {
	case req.Concurrency == 0:
		req.Concurrency = DefaultConcurrency
	case req.Concurrency < 0:
		return req, invalid("concurrency", "%d; must be ≥ 0", req.Concurrency)
	}

	switch ppy := req.PeriodsPerYear; {
	case ppy == 0:
		req.PeriodsPerYear = PeriodsPerYear(req.Timeframe)
	case !finite(ppy) || ppy < 0:
		return req, invalid("periods_per_year", "%v; must be positive", ppy)
	}

	if req.Portfolio != nil {
		p, err := checkPortfolio(*req.Portfolio)
		if err != nil {
			return req, err
		}
		req.Portfolio = &p
	}

	switch req.Type {
	case TypeDailySummary:
		if len(req.Symbols) == 0 {
			return req, invalid("parameters.symbols", "required for %s", TypeDailySummary)
		}
	case TypePortfolioAnalysis:
		if req.Portfolio == nil {
			return req, invalid("parameters.portfolio_id", "required for %s", TypePortfolioAnalysis)
		}
	case TypePerformanceReport:
		if len(req.Symbols) == 0 && req.Portfolio == nil && req.Bot == nil {
			return req, invalid("parameters.symbols", "required for %s without parameters.portfolio_id or parameters.bot_id", TypePerformanceReport)
		}
	}
	return req, nil
}

// checkPortfolio checks the holdings of p and returns a copy of it.
func checkPortfolio(p Portfolio) (Portfolio, error) {
	if len(p.Holdings) == 0 {
		return p, invalid("parameters.portfolio_id", "portfolio %d has no holdings", p.ID)
	}
	hs := make([]Holding, len(p.Holdings))
	seen := make(map[string]bool, len(p.Holdings))
	for i, h := range p.Holdings {
		field := fmt.Sprintf("portfolio.holdings[%d]", i)
		h.Symbol = strings.TrimSpace(h.Symbol)
		switch {
		case h.Symbol == "":
			return p, invalid(field+".symbol", "empty symbol")
		case seen[h.Symbol]:
			return p, invalid(field+".symbol", "duplicate symbol %s", h.Symbol)
		case !finite(h.Quantity) || h.Quantity <= 0:
			return p, invalid(field+".quantity", "%v; must be positive", h.Quantity)
		case !finite(h.CostBasis) || h.CostBasis < 0:
			return p, invalid(field+".cost_basis", "%v; must be ≥ 0", h.CostBasis)
		}
		seen[h.Symbol] = true
		hs[i] = h
	}
	p.Holdings = hs
	return p, nil
}

// yearBars is the number of bars a performance figure looks back: a year
// of bars (at most maxYearBars) or the longest window if longer, plus one
// bar for the first return.
func yearBars(req Request) int {
	n := min(int(math.Ceil(req.PeriodsPerYear)), maxYearBars)
	return max(n, slices.Max(req.Windows)) + 1
}

// portfolioLabel names a portfolio in text and charts.
func portfolioLabel(p *Portfolio) string {
	if p.Name != "" {
		return p.Name
	}
	return fmt.Sprintf("portfolio #%d", p.ID)
}
