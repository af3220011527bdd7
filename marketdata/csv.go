package marketdata

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// CSV serves bars from a directory of OHLCV files:
//
//   - <dir>/<SYMBOL>_<tf>.csv (e.g. AAPL_1h.csv) holds bars of that timeframe
//     and is used as is;
//   - otherwise <dir>/<SYMBOL>.csv holds bars of any one resolution, which are
//     aggregated into the requested timeframe (its buckets are
//     bars.Timeframe.Open: UTC days, weeks from Monday). Asking for a
//     timeframe finer than the file's is an error.
//
// A file starts with the header time,open,high,low,close,volume (any order,
// any case); rows are ascending by time, which is RFC 3339, Unix seconds (13
// digits: milliseconds) or YYYY-MM-DD (00:00 UTC). Blank lines and lines
// starting with # are skipped. A malformed file fails the call with every
// bad row named by its line number (up to ten). Files are read on every call:
// the Manager's cache sits in front.
type CSV struct {
	Dir string
}

// NewCSV returns a provider reading dir.
func NewCSV(dir string) *CSV { return &CSV{Dir: dir} }

// Name is "csv".
func (c *CSV) Name() string { return "csv" }

// maxCSVErrors is how many bad rows one error names.
const maxCSVErrors = 10

// Bars returns the file's bars that open in [from, to).
func (c *CSV) Bars(_ context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	sym, err := c.symbol(symbol)
	if err != nil {
		return nil, err
	}
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	exact := filepath.Join(c.Dir, sym+"_"+string(tf)+".csv")
	s, err := readCSVFile(exact)
	if errors.Is(err, fs.ErrNotExist) {
		generic := filepath.Join(c.Dir, sym+".csv")
		s, err = readCSVFile(generic)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("csv: no %s_%s.csv or %s.csv in %s: %w", sym, tf, sym, c.Dir, market.ErrUnknownSymbol)
		}
		if err != nil {
			return nil, err
		}
		if step := minStep(s); step > tf.Duration() {
			return nil, fmt.Errorf("csv: %s holds bars %s apart, coarser than the %s asked for", generic, step, tf)
		}
		s = aggregate(s, tf)
	} else if err != nil {
		return nil, err
	}
	return inRange(s, from, to), nil
}

// Quote returns the close of the newest row among the symbol's files, with
// that row's time; the currency is unknown.
func (c *CSV) Quote(_ context.Context, symbol string) (Quote, error) {
	sym, err := c.symbol(symbol)
	if err != nil {
		return Quote{}, err
	}
	paths := []string{filepath.Join(c.Dir, sym+".csv")}
	for _, tf := range bars.Timeframes {
		paths = append(paths, filepath.Join(c.Dir, sym+"_"+string(tf)+".csv"))
	}
	var best bars.Bar
	found := false
	for _, p := range paths {
		s, err := readCSVFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Quote{}, err
		}
		if last, ok := s.Last(); ok && (!found || last.Time.After(best.Time)) {
			best, found = last, true
		}
	}
	if !found {
		return Quote{}, fmt.Errorf("csv: no rows for %s in %s: %w", sym, c.Dir, market.ErrUnknownSymbol)
	}
	return Quote{Symbol: sym, Price: best.Close, Time: best.Time}, nil
}

// symbol normalizes symbol and refuses ones that are not plain file names.
func (c *CSV) symbol(symbol string) (string, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return "", fmt.Errorf("csv: %w", err)
	}
	if strings.ContainsAny(sym, `/\`) || strings.Contains(sym, "..") {
		return "", fmt.Errorf("csv: symbol %q cannot name a file: %w", symbol, market.ErrUnknownSymbol)
	}
	return sym, nil
}

// minStep is the smallest gap between consecutive bars (0 for fewer than two).
func minStep(s bars.Series) time.Duration {
	var step time.Duration
	for i := 1; i < len(s); i++ {
		if d := s[i].Time.Sub(s[i-1].Time); step == 0 || d < step {
			step = d
		}
	}
	return step
}

var csvColumns = []string{"time", "open", "high", "low", "close", "volume"}

// readCSVFile parses one OHLCV file, naming it by its base name.
func readCSVFile(path string) (bars.Series, error) {
	s, err := openCSV(path, filepath.Base(path))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return s, err
}

// openCSV opens and parses one OHLCV file; name prefixes the parse errors.
// A missing file's error is os.Open's (it wraps fs.ErrNotExist).
func openCSV(path, name string) (bars.Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseCSV(f, name)
}

// parseCSV reads OHLCV rows; name prefixes error messages.
func parseCSV(r io.Reader, name string) (bars.Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file, want the header %s", name, strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	header = slices.Clone(header) // ReuseRecord: later reads overwrite it
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	idx := make([]int, len(csvColumns))
	for i, c := range csvColumns {
		j, ok := col[c]
		if !ok {
			return nil, fmt.Errorf("%s line 1: header %q lacks column %q (want %s)", name, strings.Join(header, ","), c, strings.Join(csvColumns, ","))
		}
		idx[i] = j
	}

	var (
		out  bars.Series
		errs []error
	)
	bad := func(line int, format string, args ...any) {
		if len(errs) < maxCSVErrors {
			errs = append(errs, fmt.Errorf("%s line %d: %s", name, line, fmt.Sprintf(format, args...)))
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad(pe.Line, "%v", pe.Err)
				continue
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < len(header) {
			bad(line, "%d fields, want %d", len(rec), len(header))
			continue
		}
		t, err := parseCSVTime(rec[idx[0]])
		if err != nil {
			bad(line, "%v", err)
			continue
		}
		var v [5]float64
		ok := true
		for i := range v {
			field := strings.TrimSpace(rec[idx[i+1]])
			x, err := strconv.ParseFloat(field, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				bad(line, "%s %q is not a non-negative number", csvColumns[i+1], field)
				ok = false
				break
			}
			v[i] = x
		}
		if !ok {
			continue
		}
		b := bars.Bar{Time: t, Open: v[0], High: v[1], Low: v[2], Close: v[3], Volume: v[4]}
		if b.Low > min(b.Open, b.Close) || b.High < max(b.Open, b.Close) {
			bad(line, "low %v and high %v do not contain open %v and close %v", b.Low, b.High, b.Open, b.Close)
			continue
		}
		if n := len(out); n > 0 && !b.Time.After(out[n-1].Time) {
			bad(line, "time %s is not after the previous row's %s (rows must ascend)", b.Time.Format(time.RFC3339), out[n-1].Time.Format(time.RFC3339))
			continue
		}
		out = append(out, b)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// parseCSVTime reads RFC 3339, Unix seconds (or milliseconds when 13+
// digits) or YYYY-MM-DD, as UTC.
func parseCSVTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if len(strings.TrimPrefix(s, "-")) >= 13 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339, Unix seconds or YYYY-MM-DD", s)
}
