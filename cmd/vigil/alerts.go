package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/alertbacktest"
	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
)

const alertsUsage = `Usage: vigil alerts <action> [flags]

Actions:
  backtest --config FILE|--schedule ID [--from T --to T] [--csv FILE] [--chart FILE.png] [--json] [--user ID]
      replay an alert over past bars with the worker's engine and say how
      often it would have fired: the count, the last triggers and the
      triggers per week (--json: the API's JSON). The range is [from, to),
      by default the 90 days up to the last closed bar; dates are RFC 3339
      or YYYY-MM-DD (00:00 UTC). Bars come from the configured market-data
      provider (VIGIL_MARKET_DATA_PROVIDER; csv replays
      VIGIL_MARKET_DATA_CSV_DIR) unless --csv names one file of bars.
      --schedule reads an alert schedule from the database (with --user:
      only that user's).`

func cmdAlerts(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, alertsUsage)
		return errHelp
	}
	action, args := args[0], args[1:]
	if action == "backtest" {
		return alertsBacktest(ctx, e, args)
	}
	fmt.Fprintln(e.stderr, alertsUsage)
	return fmt.Errorf("unknown action %q", action)
}

// backtestFlags are the flags of vigil alerts backtest.
type backtestFlags struct {
	configFile, csvFile, chartFile string
	from, to                       string
	schedule, user                 int64
	asJSON                         bool
	last                           int
}

func alertsBacktest(ctx context.Context, e *env, args []string) error {
	var c common
	var f backtestFlags
	fs := newFlags(e, "alerts backtest", "--config FILE|--schedule ID [flags]", alertsUsage)
	// --config is the alert's config here; Vigil's own config file is --vigil-config.
	fs.StringVar(&c.configPath, "vigil-config", "", "Vigil's JSON config file (default "+config.DefaultPath+" if present)")
	fs.StringVar(&c.databaseURL, "database-url", "", "PostgreSQL URL for --schedule (overrides SCHEDULER_DATABASE_URL / DATABASE_URL)")
	fs.StringVar(&f.configFile, "config", "", "alert config file: an alert's task_params (full or short form) as JSON")
	fs.Int64Var(&f.schedule, "schedule", 0, "backtest this alert schedule instead of --config")
	fs.Int64Var(&f.user, "user", 0, "with --schedule: act as this user id (their schedules only); default: the operator")
	fs.StringVar(&f.from, "from", "", "start of the range: RFC 3339 or YYYY-MM-DD (default: 90 days before --to)")
	fs.StringVar(&f.to, "to", "", "end of the range, exclusive: RFC 3339 or YYYY-MM-DD (default: the last closed bar)")
	fs.StringVar(&f.csvFile, "csv", "", "replay this OHLCV CSV file (time,open,high,low,close,volume) instead of the market-data provider")
	fs.StringVar(&f.chartFile, "chart", "", "write the chart (last 300 bars, triggers marked) to this PNG file")
	fs.BoolVar(&f.asJSON, "json", false, "print the API's JSON instead of a summary")
	fs.IntVar(&f.last, "last", 10, "how many of the last triggers the summary lists")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case f.configFile != "" && f.schedule != 0:
		return errors.New("--config and --schedule: give one, not both")
	case f.configFile == "" && f.schedule == 0:
		return errors.New("--config FILE or --schedule ID is required")
	case f.schedule < 0:
		return errors.New("--schedule: must be a positive schedule id")
	case f.user < 0:
		return errors.New("--user: must be a positive user id")
	case f.user != 0 && f.schedule == 0:
		return errors.New("--user: only with --schedule")
	case f.last < 0:
		return errors.New("--last: must not be negative")
	}
	from, err := parseWhen("--from", f.from)
	if err != nil {
		return err
	}
	to, err := parseWhen("--to", f.to)
	if err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg, "vigil")

	var alert *alerts.Config
	if f.configFile != "" {
		if alert, err = readAlertConfig(f.configFile); err != nil {
			return err
		}
	} else {
		pool, err := openDB(ctx, cfg, log, false)
		if err != nil {
			return err
		}
		defer pool.Close()
		if err := requireMigrated(ctx, pool); err != nil {
			return err
		}
		if _, err := cliActor(ctx, pool, f.user); err != nil {
			return err
		}
		alert, err = alertbacktest.LoadSchedule(ctx, pool, f.schedule, f.user, f.user == 0)
		switch {
		case errors.Is(err, alertbacktest.ErrScheduleNotFound) && f.user != 0:
			return fmt.Errorf("--schedule: schedule %d not found among user %d's schedules", f.schedule, f.user)
		case errors.Is(err, alertbacktest.ErrScheduleNotFound):
			return fmt.Errorf("--schedule: schedule %d not found", f.schedule)
		case err != nil:
			return fmt.Errorf("--schedule: %w", err)
		}
	}

	var src *marketdata.Manager
	if f.csvFile != "" {
		src = marketdata.NewManager(&marketdata.CSVFile{Path: f.csvFile}, nil, 0, log)
	} else {
		p, err := marketdata.NewProvider(cfg.MarketDataProvider, marketDataOptions(cfg))
		if err != nil {
			return err
		}
		src = marketdata.NewManager(p, nil, 0, log)
		src.SetRateLimit(marketdata.DefaultRateLimit(p.Name()), 5)
	}
	res, err := alertbacktest.Run(ctx, src, alert, from, to, time.Now())
	if err != nil {
		return backtestCLIProblem(err, alert, f)
	}
	ans := alertbacktest.Answer{BacktestResult: res.BacktestResult}
	if f.chartFile != "" {
		if err := os.WriteFile(f.chartFile, res.Chart, 0o644); err != nil {
			return fmt.Errorf("--chart: %w", err)
		}
		ans.Chart = f.chartFile
	}
	if f.asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ans)
	}
	printBacktest(e.stdout, alert, res, f)
	return nil
}

// parseWhen reads a --from or --to value: RFC 3339, or YYYY-MM-DD for 00:00
// UTC; "" is the zero time (the default).
func parseWhen(flag, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s: %q is neither RFC 3339 (2027-03-01T15:04:05Z) nor YYYY-MM-DD", flag, s)
}

// readAlertConfig reads and checks an alert config file, naming --config
// and the offending JSON path in its errors.
func readAlertConfig(path string) (*alerts.Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	v, err := schemas.New()
	if err != nil {
		return nil, err
	}
	if err := v.Validate(config.JobAlert, raw); err != nil {
		if ve, ok := errors.AsType[*schemas.ValidationError](err); ok {
			lines := make([]string, len(ve.Problems))
			for i, p := range ve.Problems {
				lines[i] = fmt.Sprintf("  %s: %s", p.Pointer, p.Message)
			}
			return nil, fmt.Errorf("--config %s: not a valid alert config:\n%s", path, strings.Join(lines, "\n"))
		}
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	cfg, err := alerts.Parse(raw)
	if pe, ok := errors.AsType[*alerts.ParseError](err); ok {
		lines := make([]string, len(pe.Problems))
		for i, p := range pe.Problems {
			lines[i] = "  " + p.String()
		}
		return nil, fmt.Errorf("--config %s: not a valid alert config:\n%s", path, strings.Join(lines, "\n"))
	}
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	return cfg, nil
}

// backtestCLIProblem names the flag at fault in an error of
// alertbacktest.Run.
func backtestCLIProblem(err error, cfg *alerts.Config, f backtestFlags) error {
	source := "--config"
	if f.schedule != 0 {
		source = "--schedule"
	}
	switch {
	case errors.Is(err, alertbacktest.ErrInvalidRange):
		return fmt.Errorf("--from: must be before --to (%w)", err)
	case errors.Is(err, marketdata.ErrRangeTooLong), errors.Is(err, alerts.ErrTooManyBars):
		return fmt.Errorf("--from/--to: the range spans more than %d %s bars; shorten it (%w)", alerts.MaxBacktestBars, cfg.Timeframe, err)
	case errors.Is(err, alertbacktest.ErrNoData):
		return fmt.Errorf("--from/--to: no %s %s bars in the range (%w)", cfg.Ticker, cfg.Timeframe, err)
	case errors.Is(err, market.ErrUnknownSymbol) && f.csvFile == "":
		return fmt.Errorf("%s: unknown symbol %s for the market-data provider (%w)", source, cfg.Ticker, err)
	case f.csvFile != "":
		return fmt.Errorf("--csv: %w", err)
	}
	return fmt.Errorf("market data unavailable: %w", err)
}

// printBacktest writes the human summary.
func printBacktest(w io.Writer, cfg *alerts.Config, res *alertbacktest.Result, f backtestFlags) {
	fmt.Fprintf(w, "%s %s: %s\n", cfg.Ticker, cfg.Timeframe, cfg.Rule.String())
	fmt.Fprintf(w, "range %s to %s: %d bars evaluated, %d triggers\n",
		res.From.Format(time.RFC3339), res.To.Format(time.RFC3339), res.BarsEvaluated, res.Count)
	if n := min(f.last, len(res.Triggers)); n > 0 {
		fmt.Fprintf(w, "\nLast %d triggers (bar open time, close, values):\n", n)
		for _, tr := range res.Triggers[len(res.Triggers)-n:] {
			labels := make([]string, 0, len(tr.Values))
			for k := range tr.Values {
				labels = append(labels, k)
			}
			slices.Sort(labels)
			vals := make([]string, len(labels))
			for i, k := range labels {
				vals[i] = k + "=" + strconv.FormatFloat(tr.Values[k], 'g', 6, 64)
			}
			fmt.Fprintf(w, "  %s  %s  %s\n", tr.Time.Format(time.RFC3339), strconv.FormatFloat(tr.Price, 'f', -1, 64), strings.Join(vals, " "))
		}
	}
	if len(res.PerWeek) > 0 {
		fmt.Fprintln(w, "\nTriggers per week (Monday, UTC):")
		for _, wk := range res.PerWeek {
			fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %s  %3d  %s", wk.Week, wk.Count, strings.Repeat("#", min(wk.Count, 60))), " "))
		}
	}
	if f.chartFile != "" {
		fmt.Fprintf(w, "\nChart: %s\n", f.chartFile)
	}
}
