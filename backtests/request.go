package backtests

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
)

// Defaults and limits of a Request.
const (
	// DefaultCash is the starting cash when a caller names none.
	DefaultCash = 10000
	// DefaultTimeframe is the bar size when a Request names none.
	DefaultTimeframe = bars.D1
	// DefaultBars bounds the default range: a year, or this many bars when
	// that is shorter.
	DefaultBars = 10_000
	// MaxBars is the most bars one backtest runs over (a year of 1m bars is
	// 525,600): Manager.Range's bound.
	MaxBars = marketdata.MaxRangeBars
	// MaxCash bounds the starting cash.
	MaxCash = 1e12
	// maxBps bounds fee_bps and slippage_bps (the trading package refuses
	// 10,000 and more).
	maxBps = 1000
)

// defaultSpan is the default range's length when DefaultBars bars are longer.
const defaultSpan = 365 * 24 * time.Hour

// Request is one backtest, in the API's field names.
type Request struct {
	// Strategy is the strategy's name: sma_cross or rsi_reversion.
	Strategy string
	// Params are the strategy's parameters as a JSON object; empty means
	// the schema's defaults.
	Params json.RawMessage
	// Symbol is the symbol to trade.
	Symbol string
	// Timeframe is the bar size; "" means DefaultTimeframe.
	Timeframe string
	// From and To bound the range [From, To): RFC 3339 or YYYY-MM-DD; ""
	// takes the defaults (package doc).
	From, To string
	// Cash is the starting cash, > 0 (callers default it to DefaultCash).
	Cash float64
	// FeeBps is the fee of every fill (maker and taker alike) and
	// SlippageBps the slippage of market and stop fills, in basis points.
	FeeBps, SlippageBps float64
	// AllowShort lets sells open short positions (trading.Config.AllowShort):
	// sma_cross and rsi_reversion then reverse on their sell signals.
	AllowShort bool
}

// Problem is one thing wrong with a Request.
type Problem struct {
	// Field is the request field at fault, in the API's names: strategy,
	// params, symbol, timeframe, from, to, cash, fee_bps, slippage_bps (the
	// CLI adds csv).
	Field string
	// Pointer is, for params, the JSON pointer of the offending parameter
	// ("/fast"); "" otherwise.
	Pointer string
	// Message says what is wrong.
	Message string
}

// InputError is a Request that cannot run: what the caller must change.
type InputError struct {
	Problems []Problem
}

// Error lists the problems: "params /fast: must be >= 1; cash: must be > 0".
func (e *InputError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		where := p.Field
		if p.Pointer != "" {
			where += " " + p.Pointer
		}
		parts = append(parts, where+": "+p.Message)
	}
	return strings.Join(parts, "; ")
}

// invalid is an InputError of one problem.
func invalid(field, format string, args ...any) *InputError {
	return &InputError{Problems: []Problem{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Strategies lists the strategies a backtest can run: alert_signals trades
// only on the actions alerts send a live bot, which a backtest has none of.
func Strategies() []string {
	return slices.DeleteFunc(trading.Strategies(), func(s string) bool { return s == "alert_signals" })
}

// ParseTime reads a from or to value: RFC 3339, or YYYY-MM-DD for 00:00
// UTC of that day; "" is the zero time.
func ParseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, invalid(field, "%q is neither RFC 3339 (2026-01-02T15:04:05Z) nor YYYY-MM-DD", clip(s))
}

// plan is a checked Request.
type plan struct {
	strategy trading.Strategy
	name     string
	params   json.RawMessage // with the schema's defaults
	symbol   string
	tf       bars.Timeframe
	from, to time.Time // zero when not given
	cfg      trading.Config
}

// check turns req into a plan, or an *InputError listing every problem.
func check(v *schemas.Validator, req Request) (*plan, error) {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	p := &plan{name: strings.TrimSpace(req.Strategy)}

	switch {
	case p.name == "":
		add("strategy", "is required (one of %s)", strings.Join(Strategies(), ", "))
	case p.name == "alert_signals":
		add("strategy", "alert_signals trades only on actions sent by alerts, which a backtest has none of: use one of %s",
			strings.Join(Strategies(), ", "))
	case !slices.Contains(Strategies(), p.name):
		add("strategy", "unknown strategy %q: use one of %s", clip(p.name), strings.Join(Strategies(), ", "))
	default:
		s, err := trading.NewStrategy(v, p.name, req.Params)
		var ve *schemas.ValidationError
		switch {
		case errors.As(err, &ve):
			for _, pr := range ve.Problems {
				ps = append(ps, Problem{Field: "params", Pointer: pr.Pointer, Message: pr.Message})
			}
		case errors.Is(err, schemas.ErrInvalidJSON):
			add("params", "is not a JSON object: %v", err)
		case err != nil:
			add("params", "%v", err)
		default:
			p.strategy = s
			p.params, _ = json.Marshal(s) // before the run: the parameters only
		}
	}

	sym, err := market.NormalizeSymbol(req.Symbol)
	switch {
	case strings.TrimSpace(req.Symbol) == "":
		add("symbol", "is required, e.g. AAPL")
	case err != nil:
		add("symbol", "%q is not a symbol: use up to 32 of A-Z 0-9 . - _ = ^ /", clip(req.Symbol))
	default:
		p.symbol = sym
	}

	p.tf = DefaultTimeframe
	if req.Timeframe != "" {
		tf, err := bars.ParseTimeframe(req.Timeframe)
		if err != nil {
			add("timeframe", "%q: must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w", clip(req.Timeframe))
		} else {
			p.tf = tf
		}
	}

	var ie *InputError
	if p.from, err = ParseTime("from", req.From); errors.As(err, &ie) {
		ps = append(ps, ie.Problems...)
	}
	if p.to, err = ParseTime("to", req.To); errors.As(err, &ie) {
		ps = append(ps, ie.Problems...)
	}
	if !p.from.IsZero() && !p.to.IsZero() && !p.from.Before(p.to) {
		add("from", "%s must be before to %s", p.from.Format(time.RFC3339), p.to.Format(time.RFC3339))
	}

	switch c := req.Cash; {
	case math.IsNaN(c) || c <= 0:
		add("cash", "must be > 0")
	case c > MaxCash:
		add("cash", "must be at most %g", float64(MaxCash))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"fee_bps", req.FeeBps}, {"slippage_bps", req.SlippageBps}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > maxBps {
			add(f.name, "must be from 0 to %d basis points", maxBps)
		}
	}
	if len(ps) > 0 {
		return nil, &InputError{Problems: ps}
	}
	p.cfg = trading.Config{Cash: decimal.NewFromFloat(req.Cash), MakerFeeBps: req.FeeBps, TakerFeeBps: req.FeeBps,
		SlippageBps: req.SlippageBps, AllowShort: req.AllowShort, Timeframe: p.tf}
	return p, nil
}

// clip shortens user text quoted in a message.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
