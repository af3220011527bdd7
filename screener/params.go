package screener

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
)

// Defaults and limits of the task_params (schemas/screener.v1.json).
const (
	DefaultTopN   = 10
	MaxTopN       = 500
	DefaultRankBy = RankMarketCap
	// MaxTickers is the most symbols a tickers list may hold.
	MaxTickers = 500
)

// Rank fields that do not come from the rule.
const (
	RankMarketCap = "market_cap"
	RankPERatio   = "pe_ratio"
	RankAvgVolume = "avg_volume"
	RankVolume    = "volume" // alias of avg_volume
	RankClose     = "close"
	RankChangePct = "change_pct"
)

// Criteria are the filter_criteria: every criterion given must hold. Nil
// means "no criterion".
type Criteria struct {
	// MinMarketCap keeps symbols with market cap >= it.
	MinMarketCap *float64 `json:"min_market_cap,omitempty"`
	// MaxPERatio keeps symbols with a positive trailing P/E <= it.
	MaxPERatio *float64 `json:"max_pe_ratio,omitempty"`
	// MinVolume keeps symbols with average daily volume >= it (the
	// fundamentals' figure, else the mean volume of the last 20 bars).
	MinVolume *float64 `json:"min_volume,omitempty"`
	// Rule is an alert rule tree on indicators (package alerts), e.g.
	// {"indicator": "rsi", "operator": "<", "value": 30}.
	Rule json.RawMessage `json:"rule,omitempty"`
}

// hasRule reports whether a rule is given (null counts as none).
func (c Criteria) hasRule() bool {
	raw := bytes.TrimSpace(c.Rule)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// Params are a screener's task_params, decoded. ParseParams fills the
// defaults; Run applies them too when a field is zero.
type Params struct {
	// ScreenerSet is sp500, nasdaq100, nasdaq (alias of nasdaq100),
	// custom or custom:NAME; see ExpandTarget.
	ScreenerSet string `json:"screener_set"`
	// Criteria filter the universe.
	Criteria Criteria `json:"filter_criteria"`
	// TopN is how many matches the result lists, 1-500 (default 10).
	TopN int `json:"top_n"`
	// RankBy orders the matches (default market_cap); see the package
	// documentation.
	RankBy string `json:"rank_by"`
	// CreateAlerts asks the worker to create alerts for the matches.
	CreateAlerts bool `json:"create_alerts"`
	// Tickers is the universe of screener_set custom (else the schedule's
	// target is).
	Tickers []string `json:"tickers,omitempty"`
	// Timeframe is the bar size the rule runs on; empty means 1d. (Not in
	// screener.v1.json yet.)
	Timeframe bars.Timeframe `json:"timeframe,omitempty"`
	// Actions are the trading-bot actions (schemas/actions.v1.json) queued
	// for each of the first ActionsTopN matches when the screener runs; an
	// action's symbol, when empty, is the match's.
	Actions []alerts.Action `json:"actions,omitempty"`
	// ActionsTopN is how many of the ranked matches get the actions, 1-50
	// (default DefaultActionsTopN), never more than top_n.
	ActionsTopN int `json:"actions_top_n,omitempty"`
}

// DefaultActionsTopN is how many matches get the actions when
// actions_top_n is not given: the best three, so a broad screener does not
// spread a bot's cash over every match.
const DefaultActionsTopN = 3

// MaxActionsTopN is the most matches actions_top_n may name.
const MaxActionsTopN = 50

// ErrInvalidParams is wrapped by every *ParamsError.
var ErrInvalidParams = errors.New("invalid screener params")

// Problem is one thing wrong with screener params.
type Problem struct {
	// Field is the dotted path of the offending value, e.g. top_n,
	// filter_criteria.max_pe_ratio or filter_criteria.rule.conditions.0.indicator;
	// "" for the document itself.
	Field string
	// Message says what is wrong.
	Message string
}

// String renders the problem as "field: message".
func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// ParamsError lists every problem found in screener params. It wraps
// ErrInvalidParams.
type ParamsError struct {
	Problems []Problem
}

// Error joins the problems: "invalid screener params: top_n: must be an
// integer between 1 and 500; rank_by: ...".
func (e *ParamsError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return ErrInvalidParams.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap returns ErrInvalidParams.
func (e *ParamsError) Unwrap() error { return ErrInvalidParams }

var (
	setRE    = regexp.MustCompile(`^(sp500|nasdaq|nasdaq100|custom|custom:[a-z0-9][a-z0-9_\-]{0,63})$`)
	tickerRE = regexp.MustCompile(`^[A-Z0-9^][A-Z0-9.\-^=]{0,14}$`)

	paramKeys    = []string{"version", "screener_set", "filter_criteria", "top_n", "rank_by", "create_alerts", "tickers", "timeframe", "actions", "actions_top_n"}
	criteriaKeys = []string{"min_market_cap", "max_pe_ratio", "min_volume", "rule"}
)

// ParseParams decodes and checks a screener's task_params: the fields of
// schemas/screener.v1.json (plus an optional timeframe), the rule tree (with
// alerts.Parse) and rank_by against the known fields and the rule's
// operands. It fills the defaults top_n 10 and rank_by market_cap. Every
// problem found is reported at once in a *ParamsError naming its field.
func ParseParams(raw json.RawMessage) (Params, error) {
	var probs problems
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil || doc == nil {
		msg := "must be a JSON object"
		if err != nil {
			msg += ": " + err.Error()
		}
		return Params{}, &ParamsError{Problems: []Problem{{Message: msg}}}
	}
	var p Params
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		if !slices.Contains(paramKeys, k) {
			probs.add(k, "unknown property")
		}
	}
	if v, ok := doc["version"]; ok {
		if n, ok := probs.integer("version", v); ok && n != 1 {
			probs.add("version", "must be 1")
		}
	}
	if v, ok := doc["screener_set"]; !ok {
		probs.add("screener_set", "missing required property")
	} else if s, ok := probs.str("screener_set", v); ok {
		if !setRE.MatchString(s) {
			probs.add("screener_set", fmt.Sprintf("%q: must be one of sp500, nasdaq, nasdaq100, custom, or custom:<name> (name: 1-64 of a-z 0-9 _ -)", s))
		}
		p.ScreenerSet = s
	}
	if v, ok := doc["filter_criteria"]; !ok {
		probs.add("filter_criteria", "missing required property")
	} else {
		p.Criteria = probs.criteria(v)
	}
	p.TopN = DefaultTopN
	if v, ok := doc["top_n"]; ok {
		if n, ok := probs.integer("top_n", v); ok {
			if n < 1 || n > MaxTopN {
				probs.add("top_n", fmt.Sprintf("must be an integer between 1 and %d, got %d", MaxTopN, n))
			}
			p.TopN = n
		}
	}
	p.RankBy = DefaultRankBy
	if v, ok := doc["rank_by"]; ok {
		if s, ok := probs.str("rank_by", v); ok {
			if s == "" {
				probs.add("rank_by", "must not be empty")
			}
			p.RankBy = s
		}
	}
	if v, ok := doc["create_alerts"]; ok {
		if err := json.Unmarshal(v, &p.CreateAlerts); err != nil {
			probs.add("create_alerts", "must be a boolean")
		}
	}
	if v, ok := doc["tickers"]; ok {
		p.Tickers = probs.tickers(v)
	}
	if v, ok := doc["timeframe"]; ok {
		if s, ok := probs.str("timeframe", v); ok {
			p.Timeframe = bars.Timeframe(s)
		}
	}
	if v, ok := doc["actions"]; ok {
		acts, err := alerts.ParseActions("/actions", v)
		var pe *alerts.ParseError
		switch {
		case errors.As(err, &pe):
			for _, pr := range pe.Problems {
				probs.add(strings.ReplaceAll(strings.TrimPrefix(pr.Path, "/"), "/", "."), pr.Message)
			}
		case err != nil:
			probs.add("actions", err.Error())
		}
		p.Actions = acts
	}
	if v, ok := doc["actions_top_n"]; ok {
		if n, ok := probs.integer("actions_top_n", v); ok {
			if n < 1 || n > MaxActionsTopN {
				probs.add("actions_top_n", fmt.Sprintf("must be an integer between 1 and %d, got %d", MaxActionsTopN, n))
			}
			p.ActionsTopN = n
		}
		if _, ok := doc["actions"]; !ok {
			probs.add("actions_top_n", "needs actions (the trading-bot actions to apply to the top matches)")
		}
	} else if len(p.Actions) > 0 {
		p.ActionsTopN = min(DefaultActionsTopN, p.TopN)
	}
	// compile makes the checks Run repeats (top_n, timeframe, the rule,
	// rank_by); fields already reported above are not reported twice.
	if _, more := compile(p); len(more) > 0 {
		for _, pr := range more {
			if !probs.has(pr.Field) {
				probs = append(probs, pr)
			}
		}
	}
	if len(probs) > 0 {
		return Params{}, probs.err()
	}
	return p, nil
}

// problems collects Problems while decoding.
type problems []Problem

func (ps *problems) add(field, msg string) { *ps = append(*ps, Problem{Field: field, Message: msg}) }

// err returns the problems sorted by field as a *ParamsError.
func (ps problems) err() *ParamsError {
	sorted := slices.Clone(ps)
	slices.SortStableFunc(sorted, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
	return &ParamsError{Problems: slices.Compact(sorted)}
}

// has reports whether field or a field under it has a problem.
func (ps problems) has(field string) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool {
		return p.Field == field || strings.HasPrefix(p.Field, field+".")
	})
}

func (ps *problems) str(field string, v json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		ps.add(field, "must be a string, got "+jsonType(v))
		return "", false
	}
	return s, true
}

func (ps *problems) integer(field string, v json.RawMessage) (int, bool) {
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		if i, err := strconv.ParseInt(n.String(), 10, 32); err == nil {
			return int(i), true
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<31 {
			return int(f), true
		}
	}
	ps.add(field, "must be an integer, got "+jsonType(v))
	return 0, false
}

// number decodes a finite number >= 0 (> 0 when positive is set).
func (ps *problems) number(field string, v json.RawMessage, positive bool) *float64 {
	var f float64
	if err := json.Unmarshal(v, &f); err != nil || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		if typ := jsonType(v); typ != "number" {
			ps.add(field, "must be a number, got "+typ)
		} else {
			ps.add(field, "must be a finite number, got one out of range") // 1e400
		}
		return nil
	}
	switch {
	case positive && f <= 0:
		ps.add(field, "must be greater than 0")
		return nil
	case f < 0:
		ps.add(field, "must be at least 0")
		return nil
	}
	return &f
}

func (ps *problems) criteria(v json.RawMessage) Criteria {
	var c Criteria
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		ps.add("filter_criteria", "must be an object, got "+jsonType(v))
		return c
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(criteriaKeys, k) {
			ps.add("filter_criteria."+k, "unknown property (use min_market_cap, max_pe_ratio, min_volume or rule)")
		}
	}
	if v, ok := m["min_market_cap"]; ok {
		c.MinMarketCap = ps.number("filter_criteria.min_market_cap", v, false)
	}
	if v, ok := m["max_pe_ratio"]; ok {
		c.MaxPERatio = ps.number("filter_criteria.max_pe_ratio", v, true)
	}
	if v, ok := m["min_volume"]; ok {
		c.MinVolume = ps.number("filter_criteria.min_volume", v, false)
	}
	if v, ok := m["rule"]; ok {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil || obj == nil {
			ps.add("filter_criteria.rule", "must be an object, got "+jsonType(v))
		} else {
			c.Rule = slices.Clone(v)
		}
	}
	return c
}

func (ps *problems) tickers(v json.RawMessage) []string {
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
		ps.add("tickers", "must be an array of tickers, got "+jsonType(v))
		return nil
	}
	switch {
	case len(raw) == 0:
		ps.add("tickers", "must have at least 1 item")
	case len(raw) > MaxTickers:
		ps.add("tickers", fmt.Sprintf("must have at most %d items, got %d", MaxTickers, len(raw)))
	}
	var out []string
	for i, r := range raw {
		field := "tickers." + strconv.Itoa(i)
		s, ok := ps.str(field, r)
		switch {
		case !ok:
		case !tickerRE.MatchString(s):
			ps.add(field, fmt.Sprintf("%q: must be an uppercase ticker of 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC)", s))
		case slices.Contains(out, s):
			ps.add(field, fmt.Sprintf("%q is listed twice", s))
		default:
			out = append(out, s)
		}
	}
	return out
}

// jsonType names the JSON type of a raw value for messages.
func jsonType(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// plan is Params checked and compiled for Run.
type plan struct {
	topN      int
	timeframe bars.Timeframe
	rule      *alerts.Config // nil without a rule
	rank      rankKey
	nBars     int // bars to fetch per symbol
}

// placeholderTicker stands in for the symbol when the rule is parsed as an
// alert config; Evaluate never looks at it.
const placeholderTicker = "SCREENER"

// compile checks p beyond its JSON shape and prepares it for Run: zero
// top_n, rank_by and timeframe take their defaults.
func compile(p Params) (*plan, problems) {
	var probs problems
	pl := &plan{topN: p.TopN, timeframe: p.Timeframe, nBars: minBars}
	if pl.topN == 0 {
		pl.topN = DefaultTopN
	}
	if pl.topN < 1 || pl.topN > MaxTopN {
		probs.add("top_n", fmt.Sprintf("must be an integer between 1 and %d, got %d", MaxTopN, p.TopN))
	}
	if pl.timeframe == "" {
		pl.timeframe = bars.D1
	}
	if _, err := bars.ParseTimeframe(string(pl.timeframe)); err != nil {
		probs.add("timeframe", fmt.Sprintf("%q: must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w", pl.timeframe))
		pl.timeframe = bars.D1
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"min_market_cap", p.Criteria.MinMarketCap}, {"max_pe_ratio", p.Criteria.MaxPERatio}, {"min_volume", p.Criteria.MinVolume}} {
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
			probs.add("filter_criteria."+f.name, "must be a finite number")
		}
	}
	if p.Criteria.hasRule() {
		doc, err := json.Marshal(map[string]any{
			"ticker":    placeholderTicker,
			"timeframe": pl.timeframe,
			"rule":      json.RawMessage(p.Criteria.Rule),
		})
		if err != nil {
			probs.add("filter_criteria.rule", "must be a JSON object: "+err.Error())
		} else if cfg, err := alerts.Parse(doc); err != nil {
			var pe *alerts.ParseError
			if errors.As(err, &pe) {
				for _, ap := range pe.Problems {
					probs.add(ruleField(ap.Path), ap.Message)
				}
			} else {
				probs.add("filter_criteria.rule", err.Error())
			}
		} else if tfs := cfg.Timeframes(); len(tfs) > 0 {
			// A screener fetches one timeframe's bars per symbol.
			probs.add("filter_criteria.rule", fmt.Sprintf("operands on another timeframe (%s) are for alerts; a screener rule reads the %s bars only", tfs[0], pl.timeframe))
		} else {
			pl.rule = cfg
			pl.nBars = max(cfg.Lookback(), minBars)
		}
	}
	rankBy := p.RankBy
	if rankBy == "" {
		rankBy = DefaultRankBy
	}
	if !probs.has("filter_criteria.rule") {
		rk, err := resolveRank(rankBy, pl.rule)
		if err != nil {
			probs.add("rank_by", err.Error())
		}
		pl.rank = rk
	}
	return pl, probs
}

// minBars is the fewest bars fetched per symbol: 20 for the average-volume
// fallback plus one for the change of the latest close.
const minBars = 21

// ruleField turns an alert config's JSON pointer (/rule/conditions/0) into a
// params field (filter_criteria.rule.conditions.0).
func ruleField(pointer string) string {
	toks := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
	}
	if len(toks) > 0 && toks[0] == "rule" {
		return "filter_criteria." + strings.Join(toks, ".")
	}
	// Problems outside the rule come from the wrapper document, e.g. the
	// timeframe.
	return strings.Join(toks, ".")
}
