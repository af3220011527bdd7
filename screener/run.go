package screener

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/indicators"
	"github.com/vigilhq/vigil/market"
)

// DefaultConcurrency is how many bar fetches Run keeps in flight when
// Sources.Concurrency is 0.
const DefaultConcurrency = 8

// volumeBars is how many bars the average-volume fallback averages.
const volumeBars = 20

// Sources are the data a screener run reads. Symbols are passed as the
// universe lists them (BRK.B); the providers map them to their own form
// (market.YahooSymbol).
type Sources struct {
	// Fundamentals returns the figures of the symbols it knows, keyed by
	// symbol; an unknown symbol is absent from the map. Run calls it once
	// for the whole universe. Nil means no fundamentals.
	Fundamentals func(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error)
	// Bars returns up to n of symbol's latest bars of timeframe tf, oldest
	// first. Run calls it at most once per symbol, from up to Concurrency
	// goroutines; a provider's rate limit is its business. Nil means no bars.
	Bars func(ctx context.Context, symbol string, tf bars.Timeframe, n int) (bars.Series, error)
	// Concurrency is the most Bars calls in flight; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Now is the clock for Result.AsOf; nil means time.Now.
	Now func() time.Time
}

// Result is a screener run's outcome, stored as the run's result and
// rendered by Text.
type Result struct {
	// ScreenerSet is the universe's name (params screener_set).
	ScreenerSet string `json:"screener_set"`
	// TotalTickers is the number of distinct symbols screened.
	TotalTickers int `json:"total_tickers"`
	// FilteredCount is the number of matches, before the top_n cut.
	FilteredCount int `json:"filtered_count"`
	// Results are the top_n matches, ranked.
	Results []Match `json:"results"`
	// Missing lists, in universe order, the symbols that could not be
	// screened for lack of data, with the reason. They are neither matches
	// nor filtered out.
	Missing []Missing `json:"missing"`
	// RankBy is the resolved rank field: market_cap, pe_ratio, avg_volume,
	// close, change_pct or a rule operand's label such as "rsi(14)".
	RankBy string `json:"rank_by"`
	// RankOrder is asc or desc.
	RankOrder string `json:"rank_order"`
	// TopN is the number of matches asked for.
	TopN int `json:"top_n"`
	// Criteria are the filter criteria applied.
	Criteria Criteria `json:"filter_criteria"`
	// AsOf is when the run screened, UTC.
	AsOf time.Time `json:"as_of"`
}

// Match is one symbol that met every criterion. Unknown numbers are nil
// (JSON null).
type Match struct {
	// Rank is the 1-based position in the ranking.
	Rank int `json:"rank"`
	// Symbol is as the universe lists it.
	Symbol string `json:"symbol"`
	// Name and Sector come from the fundamentals.
	Name   string `json:"name"`
	Sector string `json:"sector"`
	// MarketCap and PERatio come from the fundamentals.
	MarketCap *float64 `json:"market_cap"`
	PERatio   *float64 `json:"pe_ratio"`
	// AvgVolume is the fundamentals' average daily volume or, when they
	// lack it and bars were fetched for screening, the mean volume of the
	// last 20 bars.
	AvgVolume *float64 `json:"avg_volume"`
	// Close is the latest bar's close; ChangePct its change in percent
	// against the close of the bar before.
	Close     *float64 `json:"close"`
	ChangePct *float64 `json:"change_pct"`
	// Indicators are the rule's operand values on the latest bar by label,
	// e.g. {"rsi(14)": 28.1, "close": 151.2}.
	Indicators map[string]float64 `json:"indicators,omitempty"`
}

// Missing is a symbol that could not be screened.
type Missing struct {
	Symbol string `json:"symbol"`
	// Reason says what data was missing, e.g. "no P/E ratio" or "not
	// enough data: need 201 bars, have 150".
	Reason string `json:"reason"`
}

type verdict int8

const (
	candidate verdict = iota // no criterion failed or undecided so far
	rejected                 // a criterion is false
	missing                  // no criterion is false, some cannot be decided
)

// outcome is one symbol's screening.
type outcome struct {
	symbol    string
	fund      market.Fundamentals
	verdict   verdict
	reason    string
	volBars   bool // min_volume waits for the bar fallback
	fetched   bool // Bars was called
	close     float64
	change    float64
	avgVolume float64
	details   map[string]float64
	rankValue float64
}

// Run screens symbols (duplicates dropped) with p's criteria and ranks the
// matches; see the package documentation for the order of work. Data
// missing for a symbol puts it in Result.Missing; Run fails when p is
// invalid (a *ParamsError), when the fundamentals call fails while a
// criterion or the rank field needs fundamentals (without that need Run
// goes on and leaves the figures unknown), when a source the params need is
// nil, or when ctx ends.
func Run(ctx context.Context, p Params, symbols []string, src Sources) (Result, error) {
	pl, probs := compile(p)
	if len(probs) > 0 {
		return Result{}, probs.err()
	}
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	syms := distinct(symbols)
	res := Result{
		ScreenerSet:  p.ScreenerSet,
		TotalTickers: len(syms),
		Results:      []Match{},
		Missing:      []Missing{},
		RankBy:       pl.rank.name,
		RankOrder:    pl.rank.order(),
		TopN:         pl.topN,
		Criteria:     p.Criteria,
		AsOf:         now().UTC(),
	}
	fail := func(format string, args ...any) (Result, error) {
		return Result{}, fmt.Errorf("screener %s: "+format, append([]any{p.ScreenerSet}, args...)...)
	}
	if len(syms) == 0 {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return fail("%w", err)
	}

	crit := p.Criteria
	needFund := crit.MinMarketCap != nil || crit.MaxPERatio != nil || pl.rank.needsFundamentals()
	var funds map[string]market.Fundamentals
	switch {
	case src.Fundamentals != nil:
		f, err := src.Fundamentals(ctx, syms)
		switch {
		case ctx.Err() != nil:
			return fail("%w", ctx.Err())
		case err != nil && needFund:
			return fail("fetch fundamentals of %d symbols: %w", len(syms), err)
		case err == nil:
			funds = f
		}
	case needFund:
		return fail("criteria or rank_by %s need fundamentals, and there is no fundamentals source", pl.rank.name)
	}

	outs := make([]outcome, len(syms))
	barsForAll := pl.rule != nil || pl.rank.needsBars()
	var fetch []int
	for i, s := range syms {
		o := &outs[i]
		*o = outcome{symbol: s, close: math.NaN(), change: math.NaN(), avgVolume: math.NaN(), rankValue: math.NaN()}
		f, ok := funds[s]
		switch {
		case ok:
			o.fund = f
		case needFund:
			o.verdict, o.reason = missing, "no fundamentals"
			continue
		default:
			o.fund = market.Fundamentals{Symbol: s, MarketCap: math.NaN(), PERatio: math.NaN(), AvgVolume: math.NaN()}
		}
		screenFundamentals(o, crit)
		if o.verdict == candidate && (barsForAll || o.volBars) {
			fetch = append(fetch, i)
		}
	}

	conc := src.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	if len(fetch) > 0 && src.Bars == nil {
		return fail("the rule, rank_by %s or min_volume need bars, and there is no bars source", pl.rank.name)
	}
	err := fetchEach(ctx, fetch, conc, func(ctx context.Context, i int) {
		screenBars(ctx, &outs[i], pl, crit, src.Bars)
	})
	if err != nil {
		return fail("fetch bars: %w", err)
	}

	var matches []*outcome
	for i := range outs {
		if o := &outs[i]; o.verdict == candidate {
			o.rankValue = rankValue(o, pl.rank)
			matches = append(matches, o)
		}
	}
	rankMatches(matches, pl.rank)
	res.FilteredCount = len(matches)
	top := matches[:min(pl.topN, len(matches))]

	// Bars for display: the close and change of top matches not fetched
	// above. A failed fetch only leaves them unknown.
	if src.Bars != nil {
		var show []int
		for i, o := range top {
			if !o.fetched {
				show = append(show, i)
			}
		}
		err := fetchEach(ctx, show, conc, func(ctx context.Context, i int) {
			o := top[i]
			o.fetched = true
			if series, err := src.Bars(ctx, o.symbol, pl.timeframe, pl.nBars); err == nil {
				o.close, o.change = lastClose(series)
			}
		})
		if err != nil {
			return fail("fetch bars of the top matches: %w", err)
		}
	}

	for i, o := range top {
		res.Results = append(res.Results, o.match(i+1))
	}
	for i := range outs {
		if o := &outs[i]; o.verdict == missing {
			res.Missing = append(res.Missing, Missing{Symbol: o.symbol, Reason: o.reason})
		}
	}
	return res, nil
}

// screenFundamentals applies the fundamentals criteria to o. A failed
// criterion rejects o even if another cannot be decided.
func screenFundamentals(o *outcome, c Criteria) {
	f := o.fund
	o.avgVolume = f.AvgVolume
	var unknown []string
	fail := false
	if c.MinMarketCap != nil {
		switch {
		case math.IsNaN(f.MarketCap):
			unknown = append(unknown, "no market cap")
		case f.MarketCap < *c.MinMarketCap:
			fail = true
		}
	}
	if c.MaxPERatio != nil {
		switch {
		case math.IsNaN(f.PERatio):
			unknown = append(unknown, "no P/E ratio")
		case f.PERatio <= 0:
			unknown = append(unknown, "no P/E ratio (earnings not positive)")
		case f.PERatio > *c.MaxPERatio:
			fail = true
		}
	}
	if c.MinVolume != nil {
		switch {
		case math.IsNaN(f.AvgVolume):
			o.volBars = true
		case f.AvgVolume < *c.MinVolume:
			fail = true
		}
	}
	o.decide(fail, unknown)
}

// screenBars fetches o's bars and applies min_volume's fallback and the
// rule. A failed fetch leaves o a candidate when nothing needed the bars
// but the rank value.
func screenBars(ctx context.Context, o *outcome, pl *plan, c Criteria, fetch func(context.Context, string, bars.Timeframe, int) (bars.Series, error)) {
	o.fetched = true
	series, err := fetch(ctx, o.symbol, pl.timeframe, pl.nBars)
	if err != nil {
		if pl.rule != nil || o.volBars {
			o.decide(false, []string{"bars: " + err.Error()})
		}
		return
	}
	o.close, o.change = lastClose(series)
	if math.IsNaN(o.avgVolume) {
		o.avgVolume = meanVolume(series)
	}
	var unknown []string
	fail := false
	if o.volBars {
		switch {
		case len(series) < volumeBars:
			unknown = append(unknown, "no average volume (fundamentals lack it; "+strconv.Itoa(len(series))+" bars, need "+strconv.Itoa(volumeBars)+")")
		case math.IsNaN(o.avgVolume):
			unknown = append(unknown, "no average volume (fundamentals lack it; bars have no volume)")
		case o.avgVolume < *c.MinVolume:
			fail = true
		}
	}
	if pl.rule != nil {
		ev, err := pl.rule.Evaluate(series)
		switch {
		case err != nil:
			unknown = append(unknown, err.Error())
		case !ev.Matched:
			fail = true
		default:
			o.details = finiteOnly(ev.Details)
		}
	}
	o.decide(fail, unknown)
}

// decide folds one stage's criteria into o's verdict like an "and": false
// wins, then unknown.
func (o *outcome) decide(fail bool, unknown []string) {
	switch {
	case o.verdict != candidate:
	case fail:
		o.verdict = rejected
	case len(unknown) > 0:
		o.verdict, o.reason = missing, strings.Join(unknown, "; ")
	}
}

func rankValue(o *outcome, k rankKey) float64 {
	switch k.src {
	case fromMarketCap:
		return o.fund.MarketCap
	case fromPERatio:
		if o.fund.PERatio <= 0 {
			return math.NaN()
		}
		return o.fund.PERatio
	case fromAvgVolume:
		return o.avgVolume
	case fromClose:
		return o.close
	case fromChangePct:
		return o.change
	}
	if v, ok := o.details[k.name]; ok {
		return v
	}
	return math.NaN()
}

func (o *outcome) match(rank int) Match {
	return Match{
		Rank:       rank,
		Symbol:     o.symbol,
		Name:       o.fund.Name,
		Sector:     o.fund.Sector,
		MarketCap:  num(o.fund.MarketCap),
		PERatio:    num(o.fund.PERatio),
		AvgVolume:  num(o.avgVolume),
		Close:      num(o.close),
		ChangePct:  num(o.change),
		Indicators: o.details,
	}
}

// lastClose returns the latest close and its change in percent against the
// close before (NaN when unknown).
func lastClose(s bars.Series) (closePrice, changePct float64) {
	closePrice, changePct = math.NaN(), math.NaN()
	if n := len(s); n > 0 {
		closePrice = s[n-1].Close
		if n > 1 && s[n-2].Close != 0 {
			changePct = 100 * (s[n-1].Close - s[n-2].Close) / math.Abs(s[n-2].Close)
		}
	}
	if !finite(closePrice) {
		closePrice = math.NaN()
	}
	if !finite(changePct) {
		changePct = math.NaN()
	}
	return closePrice, changePct
}

// meanVolume is the mean volume of the last 20 bars (the indicators'
// volume_avg(20), as a rule operand computes it); NaN with fewer bars.
func meanVolume(s bars.Series) float64 {
	if len(s) < volumeBars {
		return math.NaN()
	}
	avg, err := indicators.VolumeAverage(s[len(s)-volumeBars:].Volumes(), volumeBars)
	if err != nil {
		return math.NaN()
	}
	if mean := avg[volumeBars-1]; finite(mean) {
		return mean
	}
	return math.NaN()
}

// fetchEach runs f for every index in idx from up to conc goroutines,
// stopping early when ctx ends, whose error it then returns.
func fetchEach(ctx context.Context, idx []int, conc int, f func(context.Context, int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, len(idx)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				j := int(next.Add(1)) - 1
				if j >= len(idx) {
					return
				}
				f(ctx, idx[j])
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// distinct drops empty and repeated symbols, keeping the first occurrence.
func distinct(symbols []string) []string {
	seen := make(map[string]bool, len(symbols))
	out := make([]string, 0, len(symbols))
	for _, s := range symbols {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// num is v as a JSON number, nil when unknown or not finite.
func num(v float64) *float64 {
	if !finite(v) {
		return nil
	}
	return &v
}

func finiteOnly(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if finite(v) {
			out[k] = v
		}
	}
	return out
}
