package bot

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vigilhq/vigil/backtests"
)

// StrategyBacktestSpec is a backtest as /backtest describes it.
type StrategyBacktestSpec struct {
	// Strategy is the lower-cased strategy name.
	Strategy string
	// Symbol is the upper-cased ticker.
	Symbol string
	// From and To are the range as typed ("" for the defaults), checked to
	// be RFC 3339 or YYYY-MM-DD.
	From, To string
}

// parseStrategyBacktest parses "sma_cross AAPL [FROM] [TO]".
func parseStrategyBacktest(args string) (*StrategyBacktestSpec, error) {
	fields := strings.Fields(args)
	if len(fields) < 2 {
		return nil, usage("backtest", "Give a strategy and a ticker, e.g. /backtest sma_cross AAPL.")
	}
	if len(fields) > 4 {
		return nil, usage("backtest", "That is too many words: a strategy, a ticker and at most two dates.")
	}
	spec := &StrategyBacktestSpec{Strategy: strings.ToLower(fields[0]), Symbol: strings.ToUpper(fields[1])}
	if !slices.Contains(backtests.Strategies(), spec.Strategy) {
		return nil, usage("backtest", fmt.Sprintf("Unknown strategy %q: use %s.", clip(fields[0]), strings.Join(backtests.Strategies(), " or ")))
	}
	if !validTicker(spec.Symbol) {
		return nil, usage("backtest", fmt.Sprintf("%q is not a ticker: use 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC).", clip(fields[1])))
	}
	dates := fields[2:]
	for i, d := range dates {
		field := []string{"from", "to"}[i]
		if _, err := backtests.ParseTime(field, d); err != nil {
			if ie, ok := errors.AsType[*backtests.InputError](err); ok {
				return nil, usage("backtest", fmt.Sprintf("The %s date %s.", field, ie.Problems[0].Message))
			}
			return nil, err
		}
	}
	if len(dates) > 0 {
		spec.From = dates[0]
	}
	if len(dates) > 1 {
		spec.To = dates[1]
	}
	return spec, nil
}
