package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
)

// T1: a trading backtest's speed.
const T1 = "T1"

// T1's workload and aim (issue 12): one year of 1m bars, 5 million bars a
// second on one core.
const (
	t1Bars   = 525_600
	t1Runs   = 10
	t1Target = 5e6
	t1Symbol = "AAPL"
)

// t1End is where T1's year of synthetic bars ends: fixed, so that every run
// of the bench backtests the same bars and trades.
var t1End = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BacktestResult is T1's result line.
type BacktestResult struct {
	Scenario string `json:"scenario"`
	// Bars is the series backtested (525,600 1m bars of AAPL, the year to
	// 2026-01-01), Runs how many times; Trades and FinalEquity are one
	// run's (every run's: they are the same bars).
	Bars        int     `json:"bars"`
	Runs        int     `json:"runs"`
	Trades      int     `json:"trades"`
	FinalEquity float64 `json:"final_equity"`
	// BarsPerS is bars over the median run's wall time, BestBarsPerS over
	// the fastest's; BarsPerCPUS is bars × runs over the process's CPU time
	// in the runs (utime + stime, 10 ms ticks), which a busy machine does
	// not inflate. The runs use one core (GOMAXPROCS 1, the garbage
	// collector included).
	BarsPerS     float64 `json:"bars_per_s"`
	BestBarsPerS float64 `json:"best_bars_per_s"`
	BarsPerCPUS  float64 `json:"bars_per_cpu_s"`
	MedianRunMs  float64 `json:"median_run_ms"`
	// GenerateS is the time the synthetic bars took to make (not measured).
	GenerateS float64 `json:"generate_s"`
	// TargetBarsPerS is the aim; Saturated says BarsPerS is below it.
	TargetBarsPerS float64 `json:"target_bars_per_s"`
	Saturated      bool    `json:"saturated"`
	Cores          int     `json:"cores"`
	Go             string  `json:"go"`
}

// backtestBench runs T1 in this process (no database): sma_cross with its
// schema defaults (10/30), 10,000 cash, no fees or slippage — `vigil
// backtest --strategy sma_cross --symbol AAPL --timeframe 1m` over a year —
// o.N times (default 10), and writes the machine line (no PostgreSQL) and
// its result line.
func backtestBench(ctx context.Context, o Options) error {
	runs := o.N
	if runs <= 0 {
		runs = t1Runs
	}
	out := o.Out
	if out == nil {
		out = os.Stdout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := writeLine(out, machine("")); err != nil {
		return err
	}
	t0 := time.Now()
	syn := &marketdata.Synthetic{Now: func() time.Time { return t1End }}
	s, err := syn.Bars(ctx, t1Symbol, bars.M1, t1End.AddDate(-1, 0, 0), t1End)
	if err != nil {
		return fmt.Errorf("bench T1: synthetic bars: %w", err)
	}
	if len(s) != t1Bars {
		return fmt.Errorf("bench T1: %d synthetic bars, want %d", len(s), t1Bars)
	}
	res := BacktestResult{Scenario: T1, Bars: len(s), Runs: runs, GenerateS: round(time.Since(t0).Seconds(), 3),
		TargetBarsPerS: t1Target, Cores: runtime.NumCPU(), Go: runtime.Version()}
	v, err := schemas.New()
	if err != nil {
		return fmt.Errorf("bench T1: %w", err)
	}

	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	runtime.GC()
	cpuBefore, cpuErr := procCPU(os.Getpid())
	walls := make([]time.Duration, 0, runs)
	for i := 0; i < runs; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		st, err := trading.NewStrategy(v, "sma_cross", nil)
		if err != nil {
			return fmt.Errorf("bench T1: %w", err)
		}
		e, err := trading.NewEngine(trading.Config{Cash: decimal.NewFromInt(10000), Timeframe: bars.M1}, st)
		if err != nil {
			return fmt.Errorf("bench T1: %w", err)
		}
		r := trading.Backtest(e, t1Symbol, s, trading.BacktestOptions{Curve: true})
		walls = append(walls, time.Since(start))
		res.Trades, res.FinalEquity = len(r.Trades), r.FinalEquity
		o.Log.Info("T1 run", "run", i+1, "ms", walls[i].Milliseconds(), "trades", len(r.Trades))
	}
	cpuAfter, cpuErr2 := procCPU(os.Getpid())

	slices.Sort(walls)
	median := walls[len(walls)/2]
	res.MedianRunMs = round(float64(median)/float64(time.Millisecond), 2)
	res.BarsPerS = round(float64(len(s))/median.Seconds(), 0)
	res.BestBarsPerS = round(float64(len(s))/walls[0].Seconds(), 0)
	if cpuErr == nil && cpuErr2 == nil && cpuAfter > cpuBefore {
		cpuS := float64(cpuAfter-cpuBefore) / clockTicks
		res.BarsPerCPUS = round(float64(len(s))*float64(runs)/cpuS, 0)
	}
	res.Saturated = res.BarsPerS < t1Target
	return writeLine(out, res)
}
