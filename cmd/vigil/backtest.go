package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
)

const strategyBacktestHelp = `Runs a trading strategy over past bars with the paper broker and risk engine of a live bot
and prints its trades and figures (--json: the object POST /api/backtests returns).

The range is [--from, --to), RFC 3339 or YYYY-MM-DD (00:00 UTC); by default the year up to
the last closed bar (at most 10,000 bars). Bars come from the configured market-data
provider (VIGIL_MARKET_DATA_PROVIDER, synthetic by default) unless --csv names an OHLCV file
(time,open,high,low,close,volume, the csv provider's format; every row unless --from/--to).
--params is a JSON object checked against schemas/strategy.NAME.v1.json (absent parameters
take its defaults). Fills follow the trading package's fill model: market orders at the
next bar's open plus slippage, --fee-bps on every fill. --allow-short lets sells open short
positions (sma_cross and rsi_reversion then go short on their sell signals; margin rule in
the README's trading section).

  vigil backtest --strategy sma_cross --params '{"fast":10,"slow":30}' --symbol AAPL --from 2025-01-01 --to 2026-01-01
  vigil backtest --strategy sma_cross --symbol TEST --csv prices.csv --json --chart bt.png`

// strategyBacktestFlags are the flags of `vigil backtest`.
type strategyBacktestFlags struct {
	common
	strategy, params, symbol, timeframe string
	from, to, csv, chart                string
	cash, feeBps, slippageBps           float64
	json, allowShort                    bool
}

func cmdBacktest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backtest", "--strategy NAME [--params JSON] --symbol SYM [--timeframe 1d] [--from DATE --to DATE] [--csv FILE] [--cash 10000] [--fee-bps 0] [--slippage-bps 0] [--allow-short] [--json] [--chart FILE.png]",
		strategyBacktestHelp)
	var f strategyBacktestFlags
	f.register(fs)
	fs.StringVar(&f.strategy, "strategy", "", "strategy: "+strings.Join(backtests.Strategies(), ", "))
	fs.StringVar(&f.params, "params", "", "the strategy's parameters as a JSON object (default: the schema's defaults)")
	fs.StringVar(&f.symbol, "symbol", "", "symbol to trade, e.g. AAPL")
	fs.StringVar(&f.timeframe, "timeframe", string(backtests.DefaultTimeframe), "bar size: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w")
	fs.StringVar(&f.from, "from", "", "start of the range, RFC 3339 or YYYY-MM-DD (default: a year, at most 10,000 bars, before --to)")
	fs.StringVar(&f.to, "to", "", "end of the range, exclusive (default: the last closed bar)")
	fs.StringVar(&f.csv, "csv", "", "read the bars from this OHLCV CSV file instead of the market-data provider")
	fs.Float64Var(&f.cash, "cash", backtests.DefaultCash, "starting cash")
	fs.Float64Var(&f.feeBps, "fee-bps", 0, "fee of every fill, maker and taker alike, in basis points")
	fs.Float64Var(&f.slippageBps, "slippage-bps", 0, "slippage of market and stop fills, in basis points")
	fs.BoolVar(&f.allowShort, "allow-short", false, "let sells open short positions (the strategies reverse on their sell signals)")
	fs.BoolVar(&f.json, "json", false, "print the JSON object of POST /api/backtests instead of the table")
	fs.StringVar(&f.chart, "chart", "", "write the chart (closes with entries and exits, equity curve) to this PNG file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	if f.chart != "" && !strings.EqualFold(filepath.Ext(f.chart), ".png") {
		return fmt.Errorf("--chart %s: the chart is a PNG; name a .png file", f.chart)
	}
	v, err := schemas.New()
	if err != nil {
		return fmt.Errorf("schemas do not compile: %w", err)
	}
	req := backtests.Request{Strategy: f.strategy, Params: json.RawMessage(f.params), Symbol: f.symbol,
		Timeframe: f.timeframe, From: f.from, To: f.to, Cash: f.cash, FeeBps: f.feeBps, SlippageBps: f.slippageBps,
		AllowShort: f.allowShort}
	r := &backtests.Runner{Validator: v}
	var out backtests.Output
	if f.csv != "" {
		out, err = r.RunCSV(req, f.csv)
	} else {
		if r.Market, err = f.market(e); err != nil {
			return err
		}
		out, err = r.Run(ctx, req)
	}
	if err != nil {
		return backtestFlagProblems(err)
	}
	if f.chart != "" {
		img, err := out.Chart(backtests.ChartWidth, backtests.ChartHeight)
		if err != nil {
			return err
		}
		if err := writeChartFile(f.chart, img); err != nil {
			return fmt.Errorf("--chart: %w", err)
		}
	}
	if f.json {
		data, err := json.MarshalIndent(out.Result, "", "  ")
		if err != nil {
			return fmt.Errorf("encode backtest: %w", err)
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", data)
		return err
	}
	if err := out.WriteText(e.stdout); err != nil {
		return err
	}
	if f.chart != "" {
		fmt.Fprintf(e.stdout, "chart           %s\n", f.chart)
	}
	return nil
}

// market builds the configured provider's Manager (no database: nothing is
// stored).
func (f *strategyBacktestFlags) market(e *env) (*marketdata.Manager, error) {
	cfg, err := f.load()
	if err != nil {
		return nil, err
	}
	log := newLogger(e.stderr, cfg, "vigil-backtest")
	src := marketdata.NewSources(marketDataOptions(cfg), nil, cfg.DataCacheTTL.D(),
		log.With("component", "marketdata"))
	return src.Manager(cfg.MarketDataProvider)
}

// backtestFlagProblems rewrites a backtests.InputError in the CLI's terms, one
// problem a line: "--params /fast: must be >= 1".
func backtestFlagProblems(err error) error {
	var ie *backtests.InputError
	if !errors.As(err, &ie) {
		return err
	}
	lines := make([]string, 0, len(ie.Problems))
	for _, p := range ie.Problems {
		where := "--" + strings.ReplaceAll(p.Field, "_", "-")
		if p.Pointer != "" {
			where += " " + p.Pointer
		}
		lines = append(lines, where+": "+p.Message)
	}
	return errors.New(strings.Join(lines, "\n"))
}

// writeChartFile writes data to path through a temporary file in the same
// directory, so that a failure leaves no partial file.
func writeChartFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
