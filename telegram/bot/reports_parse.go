package bot

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ReportSpec is a report as /report describes it.
type ReportSpec struct {
	// ReportType is daily_summary, portfolio_analysis or performance_report.
	ReportType string
	// Symbols are the upper-cased tickers, without duplicates.
	Symbols []string
	// Portfolio names one of the user's portfolios: required for
	// portfolio_analysis, optional for performance_report.
	Portfolio string
	// Timeframe is the bar size, "" for the report's default (1d).
	Timeframe string
	// IncludeCharts asks for PNG charts.
	IncludeCharts bool
}

// TaskParams returns the report's task_params (schemas/report.v1.json),
// with portfolioID for the named portfolio (0 when none is named).
func (s ReportSpec) TaskParams(portfolioID int64) ([]byte, error) {
	params := map[string]any{}
	if len(s.Symbols) > 0 {
		params["symbols"] = s.Symbols
	}
	if s.Timeframe != "" {
		params["timeframe"] = s.Timeframe
	}
	if s.IncludeCharts {
		params["include_charts"] = true
	}
	if portfolioID > 0 {
		params["portfolio_id"] = portfolioID
	}
	doc := map[string]any{"report_type": s.ReportType}
	if len(params) > 0 {
		doc["parameters"] = params
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode report params: %w", err)
	}
	return b, nil
}

// ScreenerSpec is a screener as /screener describes it.
type ScreenerSpec struct {
	// Set is the screener_set: sp500, nasdaq, nasdaq100, custom:NAME, or
	// custom for the tickers in Tickers.
	Set string
	// Tickers is the universe of Set custom (sent as the run's target).
	Tickers []string
	// TopN is how many matches to list, 0 for the default (10).
	TopN int
	// Criteria are filter_criteria: min_market_cap, max_pe_ratio, min_volume.
	Criteria map[string]float64
}

// TaskParams returns the screener's task_params (schemas/screener.v1.json).
func (s ScreenerSpec) TaskParams() ([]byte, error) {
	criteria := map[string]any{}
	for k, v := range s.Criteria {
		criteria[k] = v
	}
	doc := map[string]any{"screener_set": s.Set, "filter_criteria": criteria}
	if s.TopN > 0 {
		doc["top_n"] = s.TopN
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode screener params: %w", err)
	}
	return b, nil
}

// Target is the run's target: the tickers of a custom screen, with commas.
func (s ScreenerSpec) Target() string { return strings.Join(s.Tickers, ",") }

// reportAliases maps what /report accepts as TYPE to report types.
var reportAliases = map[string]string{
	"daily": "daily_summary", "daily_summary": "daily_summary", "summary": "daily_summary",
	"portfolio": "portfolio_analysis", "portfolio_analysis": "portfolio_analysis", "analysis": "portfolio_analysis",
	"performance": "performance_report", "performance_report": "performance_report", "perf": "performance_report",
}

// Limits of /report, /screener and /set.
const (
	maxReportSymbols = 500
	maxScreenTickers = 500
	maxSetSymbols    = 1000
	maxTopN          = 500
)

// nameRE is a portfolio or screener set name.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

const nameRule = "names are 1-64 of a-z 0-9 _ -, starting with a letter or digit"

// listFields splits arguments at spaces and commas.
func listFields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// parseName lower-cases a portfolio or set name and checks it.
func parseName(cmd, s string) (string, error) {
	name := strings.ToLower(s)
	if !nameRE.MatchString(name) {
		return "", usage(cmd, fmt.Sprintf("%q is not a usable name: %s.", clip(s), nameRule))
	}
	return name, nil
}

// parseTickers upper-cases tickers, checks them and drops duplicates.
func parseTickers(cmd string, fields []string, max int) ([]string, error) {
	var out []string
	for _, f := range fields {
		t := strings.ToUpper(f)
		if !validTicker(t) {
			return nil, usage(cmd, fmt.Sprintf("%q is not a ticker: use 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC).", clip(f)))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > max {
		return nil, usage(cmd, fmt.Sprintf("That is %d tickers; at most %d.", len(out), max))
	}
	return out, nil
}

// parseReport parses "daily AAPL MSFT charts", "portfolio NAME" and
// "performance portfolio NAME SPY 1w".
func parseReport(args string) (*ReportSpec, error) {
	fields := listFields(args)
	if len(fields) == 0 {
		return nil, usage("report", "Give the report type.")
	}
	typ, ok := reportAliases[strings.ToLower(fields[0])]
	if !ok {
		return nil, usage("report", fmt.Sprintf("Unknown report type %q.", clip(fields[0])))
	}
	spec := &ReportSpec{ReportType: typ}
	var symbols []string
	rest := fields[1:]
	for i := 0; i < len(rest); i++ {
		f, lower := rest[i], strings.ToLower(rest[i])
		switch {
		case lower == "charts" || lower == "chart":
			spec.IncludeCharts = true
		case defaultCrons[lower] != "":
			if spec.Timeframe != "" {
				return nil, usage("report", "Give at most one timeframe.")
			}
			spec.Timeframe = lower
		case typ == "portfolio_analysis" || (typ == "performance_report" && lower == "portfolio"):
			if lower == "portfolio" && typ == "performance_report" {
				if i+1 == len(rest) {
					return nil, usage("report", "Give the portfolio's name after \"portfolio\".")
				}
				i++
				f = rest[i]
			}
			if spec.Portfolio != "" {
				return nil, usage("report", "Give one portfolio name.")
			}
			name, err := parseName("report", f)
			if err != nil {
				return nil, err
			}
			spec.Portfolio = name
		default:
			symbols = append(symbols, f)
		}
	}
	var err error
	if spec.Symbols, err = parseTickers("report", symbols, maxReportSymbols); err != nil {
		return nil, err
	}
	switch typ {
	case "daily_summary":
		if len(spec.Symbols) == 0 {
			return nil, usage("report", "A daily report needs at least one ticker, e.g. /report daily AAPL MSFT.")
		}
	case "portfolio_analysis":
		if spec.Portfolio == "" {
			return nil, usage("report", "Give the name of one of your portfolios, e.g. /report portfolio main (/portfolios lists yours).")
		}
	case "performance_report":
		if len(spec.Symbols) == 0 && spec.Portfolio == "" {
			return nil, usage("report", "A performance report needs tickers or a portfolio, e.g. /report performance AAPL SPY.")
		}
	}
	return spec, nil
}

// universes are the screener sets that are not the user's own.
var universes = map[string]bool{"sp500": true, "nasdaq": true, "nasdaq100": true}

// criterionRE is a /screener criterion such as pe<25, cap>10B or vol>=1.5M.
var criterionRE = regexp.MustCompile(`^([a-z/]+)(<=|>=|<|>)([0-9]*\.?[0-9]+)([kmbt]?)$`)

// criteria maps a criterion's name to its filter_criteria field and the
// comparison it takes.
var criteria = map[string]struct {
	field string
	less  bool
	text  string
}{
	"pe":        {"max_pe_ratio", true, "pe<N keeps a P/E (positive) of at most N"},
	"p/e":       {"max_pe_ratio", true, "pe<N keeps a P/E (positive) of at most N"},
	"cap":       {"min_market_cap", false, "cap>N keeps a market cap of at least N"},
	"mcap":      {"min_market_cap", false, "cap>N keeps a market cap of at least N"},
	"marketcap": {"min_market_cap", false, "cap>N keeps a market cap of at least N"},
	"vol":       {"min_volume", false, "vol>N keeps an average volume of at least N"},
	"volume":    {"min_volume", false, "vol>N keeps an average volume of at least N"},
}

var suffixes = map[string]float64{"": 1, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}

// parseScreener parses "sp500 top 5 pe<25 cap>10B vol>1M", "tech" (a saved
// set) and "AAPL,MSFT,NVDA top 2".
func parseScreener(args string) (*ScreenerSpec, error) {
	fields := strings.Fields(args)
	if len(fields) == 0 {
		return nil, usage("screener", "Give the set to screen.")
	}
	spec := &ScreenerSpec{}
	set, lower := fields[0], strings.ToLower(fields[0])
	switch {
	case strings.Contains(set, ","):
		tickers, err := parseTickers("screener", listFields(set), maxScreenTickers)
		if err != nil {
			return nil, err
		}
		spec.Set, spec.Tickers = "custom", tickers
	case universes[lower]:
		spec.Set = lower
	default:
		name, err := parseName("screener", strings.TrimPrefix(lower, "custom:"))
		if err != nil {
			return nil, usage("screener", fmt.Sprintf("%q is not a set: use sp500, nasdaq, nasdaq100, the name of one of your /sets, or tickers with commas (AAPL,MSFT).", clip(set)))
		}
		spec.Set = "custom:" + name
	}
	rest := fields[1:]
	for i := 0; i < len(rest); i++ {
		f := strings.ToLower(rest[i])
		if f == "top" {
			if i+1 == len(rest) {
				return nil, usage("screener", "Give a number after top, e.g. top 5.")
			}
			i++
			n, err := strconv.Atoi(rest[i])
			if err != nil || n < 1 || n > maxTopN {
				return nil, usage("screener", fmt.Sprintf("top takes a whole number from 1 to %d, not %q.", maxTopN, clip(rest[i])))
			}
			if spec.TopN != 0 {
				return nil, usage("screener", "Give top at most once.")
			}
			spec.TopN = n
			continue
		}
		field, value, err := parseCriterion(rest[i])
		if err != nil {
			return nil, err
		}
		if spec.Criteria == nil {
			spec.Criteria = map[string]float64{}
		}
		if _, dup := spec.Criteria[field]; dup {
			return nil, usage("screener", fmt.Sprintf("%q repeats a criterion.", clip(rest[i])))
		}
		spec.Criteria[field] = value
	}
	return spec, nil
}

// parseCriterion parses one criterion token into its filter_criteria field
// and value.
func parseCriterion(tok string) (string, float64, error) {
	m := criterionRE.FindStringSubmatch(strings.ToLower(tok))
	if m == nil {
		return "", 0, usage("screener", fmt.Sprintf("I do not understand %q: criteria look like pe<25, cap>10B or vol>1M.", clip(tok)))
	}
	c, ok := criteria[m[1]]
	if !ok {
		return "", 0, usage("screener", fmt.Sprintf("Unknown criterion %q: use pe, cap or vol.", clip(m[1])))
	}
	if less := strings.HasPrefix(m[2], "<"); less != c.less {
		return "", 0, usage("screener", fmt.Sprintf("%q compares the wrong way: %s.", clip(tok), c.text))
	}
	n, err := strconv.ParseFloat(m[3], 64)
	if err != nil {
		return "", 0, usage("screener", fmt.Sprintf("%q is not a number.", clip(m[3])))
	}
	n *= suffixes[m[4]]
	if math.IsInf(n, 0) || n > 1e18 {
		return "", 0, usage("screener", fmt.Sprintf("%q is too large.", clip(tok)))
	}
	if c.field == "max_pe_ratio" && n <= 0 {
		return "", 0, usage("screener", "The P/E limit must be above 0.")
	}
	return c.field, n, nil
}
