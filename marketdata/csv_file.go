package marketdata

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/vigilhq/vigil/market"

	"github.com/vigilhq/vigil/bars"
)

// CSVFile serves the bars of one OHLCV file, in CSV's format, whatever
// symbol is asked for: `vigil alerts backtest --csv FILE` replays it. Bars
// finer than the timeframe asked for are aggregated into it as CSV does
// with <SYMBOL>.csv; coarser ones are an error. The file is read on every
// call.
type CSVFile struct {
	Path string
}

// Name is "csv".
func (f *CSVFile) Name() string { return "csv" }

// MaxBarsPerCall is 0: the file is read whole on every call.
func (f *CSVFile) MaxBarsPerCall() int { return 0 }

// Bars returns the file's bars that open in [from, to), aggregated into tf.
func (f *CSVFile) Bars(_ context.Context, _ string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	s, err := readCSVFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("csv file %s: %w", filepath.Base(f.Path), err)
	}
	if step := minStep(s); step > tf.Duration() {
		return nil, fmt.Errorf("csv: %s holds bars %s apart, coarser than the %s asked for", f.Path, step, tf)
	}
	return inRange(aggregate(s, tf), from, to), nil
}

// Quote returns the file's last close at its time.
func (f *CSVFile) Quote(_ context.Context, symbol string) (Quote, error) {
	s, err := readCSVFile(f.Path)
	if err != nil {
		return Quote{}, fmt.Errorf("csv file %s: %w", filepath.Base(f.Path), err)
	}
	last, ok := s.Last()
	if !ok {
		return Quote{}, fmt.Errorf("csv: no rows in %s: %w", f.Path, market.ErrUnknownSymbol)
	}
	return Quote{Symbol: symbol, Price: last.Close, Time: last.Time}, nil
}
