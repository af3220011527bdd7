package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/indicators"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
)

// DataProcessingParams are the design's data job parameters.
type DataProcessingParams struct {
	DataSource string   `json:"data_source"`
	Symbols    []string `json:"symbols"`
	Operations []string `json:"operations"`
	Timeframe  string   `json:"timeframe,omitempty"`
	Bars       int      `json:"bars,omitempty"`
}

// SymbolData is the per-symbol outcome of a data job.
type SymbolData struct {
	Bars       int                `json:"bars"`
	First      *time.Time         `json:"first,omitempty"`
	Last       *time.Time         `json:"last,omitempty"`
	LastClose  float64            `json:"last_close,omitempty"`
	Indicators map[string]float64 `json:"indicators,omitempty"`
	Error      string             `json:"error,omitempty"`
}

// DataProcessingResult is stored in the run's result.
type DataProcessingResult struct {
	DataSource string                `json:"data_source"`
	Timeframe  string                `json:"timeframe"`
	Operations []string              `json:"operations"`
	Symbols    map[string]SymbolData `json:"symbols"`
	Failed     int                   `json:"failed"`
}

// DataProcessingWorker runs the design's data jobs: fetch bars from a data
// source (through the shared cache and the market_bars store), normalise them
// (ascending, de-duplicated, no empty bars), cache them, and compute a few
// indicators.
type DataProcessingWorker struct {
	river.WorkerDefaults[DataProcessingArgs]
	Config config.Config
	// Managers returns the market-data manager of a data source.
	Managers func(source string) (*marketdata.Manager, error)
	Logger   *slog.Logger
	NowFunc  func() time.Time
}

// Timeout is the type's max_runtime.
func (w *DataProcessingWorker) Timeout(*river.Job[DataProcessingArgs]) time.Duration {
	return w.Config.Job(config.JobDataProcessing).MaxRuntime.D()
}

// NextRetry backs off exponentially from the type's retry_delay.
func (w *DataProcessingWorker) NextRetry(job *river.Job[DataProcessingArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobDataProcessing).RetryDelay.D(), job.Attempt)
}

// Work processes every symbol; it fails (and is retried) only when no symbol
// could be fetched.
func (w *DataProcessingWorker) Work(ctx context.Context, job *river.Job[DataProcessingArgs]) error {
	var p DataProcessingParams
	if err := json.Unmarshal(job.Args.Params, &p); err != nil {
		return river.JobCancel(fmt.Errorf("data_processing task_params: %w", err))
	}
	tf, err := bars.ParseTimeframe(cmp.Or(p.Timeframe, "1d"))
	if err != nil {
		return river.JobCancel(err)
	}
	mgr, err := w.Managers(cmp.Or(p.DataSource, "synthetic"))
	if err != nil {
		return river.JobCancel(fmt.Errorf("data_source %q: %w", p.DataSource, err))
	}
	n := cmp.Or(p.Bars, 250)
	now := time.Now()
	if w.NowFunc != nil {
		now = w.NowFunc()
	}
	ops := p.Operations
	if len(ops) == 0 {
		ops = []string{"fetch"}
	}
	res := DataProcessingResult{DataSource: mgr.Provider().Name(), Timeframe: string(tf), Operations: ops,
		Symbols: make(map[string]SymbolData, len(p.Symbols))}
	var lastErr error
	for _, sym := range p.Symbols {
		series, err := mgr.Bars(ctx, sym, tf, n, now)
		if err != nil {
			res.Symbols[sym] = SymbolData{Error: err.Error()}
			res.Failed++
			if !errors.Is(err, market.ErrUnknownSymbol) {
				lastErr = err
			}
			continue
		}
		if slices.Contains(ops, "normalize") {
			series = normalize(series)
		}
		d := SymbolData{Bars: len(series)}
		if last, ok := series.Last(); ok {
			first := series[0].Time
			d.First, d.Last, d.LastClose = &first, &last.Time, last.Close
		}
		if slices.Contains(ops, "indicators") {
			d.Indicators = latestIndicators(series)
		}
		res.Symbols[sym] = d
	}
	if res.Failed == len(p.Symbols) && lastErr != nil {
		return fmt.Errorf("data_processing: no symbol could be fetched: %w", lastErr)
	}
	w.Logger.Info("data processed", "river_job_id", job.ID, "run_id", job.Args.Run.RunID, "symbols", len(p.Symbols), "failed", res.Failed)
	return SetResult(ctx, res)
}

// normalize sorts bars, drops duplicates by time and bars with no prices.
func normalize(s bars.Series) bars.Series {
	out := slices.Clone(s)
	slices.SortStableFunc(out, func(a, b bars.Bar) int { return a.Time.Compare(b.Time) })
	out = slices.CompactFunc(out, func(a, b bars.Bar) bool { return a.Time.Equal(b.Time) })
	return slices.DeleteFunc(out, func(b bars.Bar) bool { return b.Close <= 0 || b.High < b.Low })
}

func latestIndicators(s bars.Series) map[string]float64 {
	out := map[string]float64{}
	closes := s.Closes()
	put := func(name string, v []float64, err error) {
		if err != nil {
			return
		}
		if x, ok := indicators.Last(v); ok {
			out[name] = x
		}
	}
	v, err := indicators.SMA(closes, 20)
	put("sma_20", v, err)
	v, err = indicators.SMA(closes, 50)
	put("sma_50", v, err)
	v, err = indicators.EMA(closes, 20)
	put("ema_20", v, err)
	v, err = indicators.RSI(closes, 14)
	put("rsi_14", v, err)
	v, err = indicators.ATR(s.Highs(), s.Lows(), closes, 14)
	put("atr_14", v, err)
	return out
}
