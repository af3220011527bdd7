package fundamentals

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/market"
)

// snapshotColumns are the keys of a snapshot row, in the CSV header's
// documented order.
var snapshotColumns = []string{"symbol", "name", "market_cap", "pe_ratio", "avg_volume", "sector", "currency"}

// Snapshot serves figures from a file read once by NewSnapshot, for setups
// that want fixed, reviewable numbers (an export from a data vendor, a test
// universe). Two formats:
//
//   - CSV with the header symbol,name,market_cap,pe_ratio,avg_volume,sector,currency
//     (columns in any order; every column but symbol may be left out);
//   - a JSON array of objects with those keys.
//
// An empty cell, a JSON null, a missing key or "NaN" means unknown. Symbols are
// upper-cased and must be unique; market_cap and avg_volume must not be
// negative; a P/E of zero or less (negative earnings) is taken as unknown, as
// Fundamentals.PERatio wants. AsOf is the file's modification time. Errors
// name the file, line and column.
//
// Symbols not in the file are absent from Fundamentals' result.
type Snapshot struct {
	rows map[string]market.Fundamentals // by symbol
}

// NewSnapshot reads the snapshot at path: JSON when its name ends in .json,
// CSV when in .csv, else JSON when it starts with '['.
func NewSnapshot(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fundamentals snapshot: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("fundamentals snapshot: %w", err)
	}
	rows, err := parseSnapshot(filepath.Base(path), data, info.ModTime().UTC())
	if err != nil {
		return nil, err
	}
	return &Snapshot{rows: rows}, nil
}

// Name is "snapshot".
func (s *Snapshot) Name() string { return "snapshot" }

// Len is the number of symbols in the snapshot.
func (s *Snapshot) Len() int { return len(s.rows) }

// Fundamentals returns the rows of the symbols in the snapshot.
func (s *Snapshot) Fundamentals(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	out := make(map[string]market.Fundamentals, len(symbols))
	for _, given := range symbols {
		sym, ok := normalizeSymbol(given)
		if !ok {
			continue
		}
		if f, ok := s.rows[sym]; ok {
			out[given] = f
		}
	}
	return out, nil
}

// parseSnapshot parses a snapshot named name (for errors).
func parseSnapshot(name string, data []byte, asOf time.Time) (map[string]market.Fundamentals, error) {
	isJSON := bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\ufeff"), []byte("["))
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		isJSON = true
	case ".csv":
		isJSON = false
	}
	p := snapshotParser{name: name, data: data, asOf: asOf, rows: map[string]market.Fundamentals{}, lines: map[string]int{}}
	var err error
	if isJSON {
		err = p.json()
	} else {
		err = p.csv()
	}
	if err != nil {
		return nil, err
	}
	return p.rows, nil
}

// snapshotParser collects rows, checking each.
type snapshotParser struct {
	name  string
	data  []byte
	asOf  time.Time
	rows  map[string]market.Fundamentals
	lines map[string]int // symbol -> line of its row, for duplicates
}

// errorAt formats an error at line:col of the file.
func (p *snapshotParser) errorAt(line, col int, format string, args ...any) error {
	return fmt.Errorf("fundamentals snapshot %s:%d:%d: %s", p.name, line, col, fmt.Sprintf(format, args...))
}

// add checks a row and adds it.
func (p *snapshotParser) add(f market.Fundamentals, line int) error {
	if prev, ok := p.lines[f.Symbol]; ok {
		return fmt.Errorf("symbol %s is also on line %d", f.Symbol, prev)
	}
	p.lines[f.Symbol] = line
	f.AsOf = p.asOf
	p.rows[f.Symbol] = f
	return nil
}

func (p *snapshotParser) csv() error {
	data := bytes.TrimPrefix(p.data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return p.errorAt(1, 1, "empty file; want the header %s", strings.Join(snapshotColumns, ","))
	} else if err != nil {
		return p.csvError(err)
	}
	index := make(map[string]int, len(header)) // column name -> field index
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		line, col := r.FieldPos(i)
		switch {
		case !isSnapshotColumn(h):
			return p.errorAt(line, col, "unknown column %q; want %s", h, strings.Join(snapshotColumns, ","))
		case index[h] > 0:
			return p.errorAt(line, col, "column %q given twice", h)
		}
		index[h] = i + 1 // 0 means absent
	}
	if index["symbol"] == 0 {
		return p.errorAt(1, 1, "no symbol column; want the header %s", strings.Join(snapshotColumns, ","))
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return p.csvError(err)
		}
		cell := func(col string) (string, int, int) {
			i := index[col] - 1
			if i < 0 {
				return "", 0, 0
			}
			line, c := r.FieldPos(i)
			return strings.TrimSpace(rec[i]), line, c
		}
		line, _ := r.FieldPos(0)
		f := market.Fundamentals{MarketCap: math.NaN(), PERatio: math.NaN(), AvgVolume: math.NaN()}
		raw, l, c := cell("symbol")
		sym, ok := normalizeSymbol(raw)
		if !ok {
			return p.errorAt(l, c, "symbol %q is not a ticker symbol", raw)
		}
		f.Symbol = sym
		f.Name, _, _ = cell("name")
		f.Sector, _, _ = cell("sector")
		f.Currency, _, _ = cell("currency")
		for _, num := range []struct {
			col string
			dst *float64
		}{{"market_cap", &f.MarketCap}, {"pe_ratio", &f.PERatio}, {"avg_volume", &f.AvgVolume}} {
			v, l, c := cell(num.col)
			x, err := parseSnapshotNumber(num.col, v)
			if err != nil {
				return p.errorAt(l, c, "%v", err)
			}
			*num.dst = x
		}
		f.PERatio = positiveOrNaN(f.PERatio)
		if err := p.add(f, line); err != nil {
			return p.errorAt(l, c, "%v", err)
		}
	}
}

// csvError positions an error of the CSV reader.
func (p *snapshotParser) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return p.errorAt(pe.Line, pe.Column, "%v", pe.Err)
	}
	return fmt.Errorf("fundamentals snapshot %s: %w", p.name, err)
}

func isSnapshotColumn(h string) bool {
	for _, c := range snapshotColumns {
		if c == h {
			return true
		}
	}
	return false
}

// parseSnapshotNumber parses a cell: "" or NaN is unknown; negative market
// caps and volumes and infinities are refused.
func parseSnapshotNumber(col, v string) (float64, error) {
	if v == "" || strings.EqualFold(v, "nan") {
		return math.NaN(), nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, fmt.Errorf("%s %q is not a number", col, v)
	}
	return checkSnapshotNumber(col, x)
}

func checkSnapshotNumber(col string, x float64) (float64, error) {
	if x < 0 && col != "pe_ratio" {
		return 0, fmt.Errorf("%s %v is negative", col, x)
	}
	return x, nil
}

// positiveOrNaN turns a P/E of zero or less into NaN.
func positiveOrNaN(x float64) float64 {
	if x <= 0 {
		return math.NaN()
	}
	return x
}

// snapshotObject is one JSON row; nil means unknown.
type snapshotObject struct {
	Symbol    *string          `json:"symbol"`
	Name      string           `json:"name"`
	MarketCap *json.RawMessage `json:"market_cap"`
	PERatio   *json.RawMessage `json:"pe_ratio"`
	AvgVolume *json.RawMessage `json:"avg_volume"`
	Sector    string           `json:"sector"`
	Currency  string           `json:"currency"`
}

func (p *snapshotParser) json() error {
	dec := json.NewDecoder(bytes.NewReader(p.data))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return p.errorAt(1, 1, "empty file; want a JSON array of objects")
	} else if err != nil {
		return p.jsonSyntax(err)
	}
	if tok != json.Delim('[') {
		return p.errorAtOffset(dec.InputOffset(), "want a JSON array of objects at the top level")
	}
	for dec.More() {
		start := p.skipSpace(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return p.jsonSyntax(err)
		}
		if err := p.jsonRow(raw, start); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return p.jsonSyntax(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return p.errorAtOffset(dec.InputOffset(), "unexpected data after the array")
	}
	return nil
}

// jsonRow decodes the object raw, which starts at byte start of the file.
func (p *snapshotParser) jsonRow(raw json.RawMessage, start int64) error {
	if len(raw) == 0 || raw[0] != '{' {
		return p.errorAtOffset(start, "want an object, got %s", snippet(raw))
	}
	var o snapshotObject
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&o); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			// Offset is just after the value.
			return p.errorAtOffset(start+typeErr.Offset-1, "%s: want a string", typeErr.Field)
		}
		return p.errorAtOffset(start, "%v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if o.Symbol == nil {
		return p.errorAtOffset(start, "object has no symbol")
	}
	sym, ok := normalizeSymbol(*o.Symbol)
	if !ok {
		return p.errorAtOffset(start, "symbol %q is not a ticker symbol", *o.Symbol)
	}
	f := market.Fundamentals{Symbol: sym, Name: o.Name, Sector: o.Sector, Currency: o.Currency}
	for _, num := range []struct {
		col string
		src *json.RawMessage
		dst *float64
	}{{"market_cap", o.MarketCap, &f.MarketCap}, {"pe_ratio", o.PERatio, &f.PERatio}, {"avg_volume", o.AvgVolume, &f.AvgVolume}} {
		x, err := jsonNumber(num.col, num.src)
		if err != nil {
			return p.errorAtOffset(start, "%v", err)
		}
		*num.dst = x
	}
	f.PERatio = positiveOrNaN(f.PERatio)
	line, _ := p.position(start)
	if err := p.add(f, line); err != nil {
		return p.errorAtOffset(start, "%v", err)
	}
	return nil
}

// jsonNumber reads a number, null or absent (unknown), or "NaN".
func jsonNumber(col string, raw *json.RawMessage) (float64, error) {
	if raw == nil || string(*raw) == "null" {
		return math.NaN(), nil
	}
	var x float64
	if err := json.Unmarshal(*raw, &x); err != nil {
		var s string
		if json.Unmarshal(*raw, &s) == nil && (s == "" || strings.EqualFold(s, "nan")) {
			return math.NaN(), nil
		}
		return 0, fmt.Errorf("%s %s is not a number", col, snippet(*raw))
	}
	return checkSnapshotNumber(col, x)
}

// jsonSyntax positions an error of the JSON decoder. The offsets of a
// Decoder's syntax errors are relative to the value being read, so the
// position comes from checking the whole file instead, whose error offset is
// absolute (just after the offending byte).
func (p *snapshotParser) jsonSyntax(err error) error {
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &syntaxErr):
		var whole json.RawMessage
		if errors.As(json.Unmarshal(p.data, &whole), &syntaxErr) {
			return p.errorAtOffset(syntaxErr.Offset-1, "%v", syntaxErr)
		}
		return p.errorAtOffset(p.skipSpace(0), "%v", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.errorAtOffset(int64(len(p.data)), "unexpected end of JSON")
	}
	return fmt.Errorf("fundamentals snapshot %s: %w", p.name, err)
}

func (p *snapshotParser) errorAtOffset(off int64, format string, args ...any) error {
	line, col := p.position(off)
	return p.errorAt(line, col, format, args...)
}

// position is the line and column of byte offset off.
func (p *snapshotParser) position(off int64) (line, col int) {
	off = min(max(off, 0), int64(len(p.data)))
	before := p.data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// skipSpace returns the offset of the first byte at or after off that is not
// white space or a comma: where the next array element starts.
func (p *snapshotParser) skipSpace(off int64) int64 {
	for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n,", p.data[off]) >= 0 {
		off++
	}
	return off
}

// snippet is the start of a body for error messages.
func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
