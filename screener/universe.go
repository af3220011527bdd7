package screener

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed data/sp500-constituents.csv
var sp500CSV string

//go:embed data/nasdaq100-constituents.csv
var nasdaq100CSV string

// Constituent is one member of a universe.
type Constituent struct {
	Symbol string // as listed (BRK.B)
	Name   string
	Sector string // GICS sector (S&P 500) or ICB industry (Nasdaq-100)
}

// The embedded snapshots, parsed once on first use.
var (
	sp500     = sync.OnceValues(func() ([]Constituent, error) { return parseConstituents("sp500", sp500CSV) })
	nasdaq100 = sync.OnceValues(func() ([]Constituent, error) { return parseConstituents("nasdaq100", nasdaq100CSV) })
)

// SP500 returns the S&P 500 snapshot (see data/README.md for its source and date).
func SP500() ([]Constituent, error) {
	cs, err := sp500()
	return slices.Clone(cs), err
}

// Nasdaq100 returns the Nasdaq-100 snapshot: the index's securities, both
// Alphabet classes (GOOG, GOOGL) included (see data/README.md for its source
// and date).
func Nasdaq100() ([]Constituent, error) {
	cs, err := nasdaq100()
	return slices.Clone(cs), err
}

// parseConstituents reads a snapshot CSV whose first three columns are
// symbol, name and sector, after a header row.
func parseConstituents(name, data string) ([]Constituent, error) {
	rows, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s snapshot: %w", name, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("read %s snapshot: no rows", name)
	}
	var cs []Constituent
	for _, row := range rows[1:] {
		if len(row) < 3 {
			continue
		}
		cs = append(cs, Constituent{Symbol: row[0], Name: row[1], Sector: row[2]})
	}
	return cs, nil
}

// ErrUnknownUniverse is returned for a screener set that is not known.
var ErrUnknownUniverse = errors.New("unknown screener set")

// CustomSets looks up a user's custom list by name (nil: none are available).
type CustomSets func(name string) ([]string, error)

// ExpandTarget is the design's expand_screener_target: the tickers of a
// screener set or of a plain list in the schedule's target. Sets:
//
//	sp500             the S&P 500 snapshot (SP500)
//	nasdaq100         the Nasdaq-100 snapshot (Nasdaq100)
//	nasdaq            alias of nasdaq100: the Nasdaq-100 list, not every
//	                  company listed on the Nasdaq exchange
//	custom:NAME       a user's saved list, looked up with custom
//	"" or custom      the tickers in target ("AAPL,MSFT MSFT": commas or
//	                  spaces, duplicates dropped, upper case)
//
// A set name wins over target. Any other set is ErrUnknownUniverse.
func ExpandTarget(set, target string, custom CustomSets) ([]string, error) {
	switch {
	case set == "sp500":
		return symbolsOf(sp500())
	case set == "nasdaq100" || set == "nasdaq":
		return symbolsOf(nasdaq100())
	case strings.HasPrefix(set, "custom:"):
		if custom == nil {
			return nil, fmt.Errorf("%w %q: no custom lists here", ErrUnknownUniverse, set)
		}
		return custom(strings.TrimPrefix(set, "custom:"))
	case set == "" || set == "custom":
		return tickers(target), nil
	}
	return nil, fmt.Errorf("%w %q: use sp500, nasdaq100 (or its alias nasdaq), custom:NAME or a ticker list in target", ErrUnknownUniverse, set)
}

// symbolsOf lists the symbols of a snapshot.
func symbolsOf(cs []Constituent, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Symbol
	}
	return out, nil
}

func tickers(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		t := strings.ToUpper(strings.TrimSpace(f))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Lookup gives a symbol's name and sector from the S&P 500 snapshot, else
// the Nasdaq-100 one (S&P 500 GICS sectors win for symbols in both); ok is
// false for a symbol in neither. It is the synthetic fundamentals provider's
// fundamentals.Options.Lookup.
func Lookup() func(symbol string) (name, sector string, ok bool) {
	by := map[string]Constituent{}
	for _, list := range []func() ([]Constituent, error){nasdaq100, sp500} {
		cs, err := list()
		if err != nil {
			continue
		}
		for _, c := range cs { // S&P 500 last: its GICS sectors win
			by[c.Symbol] = c
		}
	}
	return func(symbol string) (string, string, bool) {
		c, ok := by[symbol]
		return c.Name, c.Sector, ok
	}
}
