package backtests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
)

// ErrNoMarketData is returned (wrapped) by Runner.Run when the Runner has
// no market-data Manager.
var ErrNoMarketData = errors.New("market data is not configured")

// Runner runs backtests. It is safe for concurrent use.
type Runner struct {
	// Validator checks the strategies' parameters (required).
	Validator *schemas.Validator
	// Market serves the bars of Run; nil refuses Run with ErrNoMarketData
	// (RunCSV still works).
	Market *marketdata.Manager
	// Now is the clock that says which bar is still open; nil means time.Now.
	Now func() time.Time
}

// Output is a finished backtest: the summary with its equity curve, and
// what it ran on.
type Output struct {
	// Result is the summary (its JSON is the API's and `vigil backtest
	// --json`'s object) with the equity curve in Times and Equity.
	Result trading.Result
	// Series is the bars the backtest ran over.
	Series bars.Series
	// Strategy is the strategy's name and Params its parameters with the
	// schema's defaults filled in.
	Strategy string
	Params   json.RawMessage
	// Symbol and Timeframe are normalised.
	Symbol    string
	Timeframe bars.Timeframe
	// From and To are the range asked for, [From, To), defaults applied.
	From, To time.Time
	// Cash, FeeBps and SlippageBps are the request's.
	Cash, FeeBps, SlippageBps float64
}

// Run checks req, fetches its bars from the Runner's Market and runs the
// backtest. Bad input is an *InputError (a symbol the provider lacks, no
// bars in the range included); a provider failure is an error wrapping the
// provider's.
func (r *Runner) Run(ctx context.Context, req Request) (Output, error) {
	p, err := check(r.Validator, req)
	if err != nil {
		return Output{}, err
	}
	if err := p.resolve(r.now()); err != nil {
		return Output{}, err
	}
	if r.Market == nil {
		return Output{}, fmt.Errorf("backtest: %w", ErrNoMarketData)
	}
	s, err := p.fetch(ctx, r.Market)
	if err != nil {
		return Output{}, err
	}
	return p.run(req, s)
}

// RunCSV is Run on the bars of an OHLCV file (the csv provider's format)
// instead of a provider: every row, or those in [from, to) when the request
// names them. A file that cannot be read or has a bad row is an
// *InputError of field csv naming the line.
func (r *Runner) RunCSV(req Request, path string) (Output, error) {
	p, err := check(r.Validator, req)
	if err != nil {
		return Output{}, err
	}
	s, err := p.fromCSV(path)
	if err != nil {
		return Output{}, err
	}
	return p.run(req, s)
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// run backtests p over s.
func (p *plan) run(req Request, s bars.Series) (Output, error) {
	if len(s) == 0 {
		return Output{}, invalid("from", "no %s %s bars in [%s, %s)", p.symbol, p.tf,
			p.from.Format(time.RFC3339), p.to.Format(time.RFC3339))
	}
	e, err := trading.NewEngine(p.cfg, p.strategy)
	if err != nil {
		return Output{}, fmt.Errorf("backtest %s: %w", p.name, err)
	}
	res := trading.Backtest(e, p.symbol, s, trading.BacktestOptions{Curve: true})
	return Output{Result: res, Series: s, Strategy: p.name, Params: p.params, Symbol: p.symbol, Timeframe: p.tf,
		From: p.from, To: p.to, Cash: req.Cash, FeeBps: req.FeeBps, SlippageBps: req.SlippageBps}, nil
}
