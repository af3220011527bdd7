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

// Constituent is one member of a universe.
type Constituent struct {
	Symbol string // as listed (BRK.B)
	Name   string
	Sector string
}

var (
	sp500Once sync.Once
	sp500     []Constituent
	sp500Err  error
)

// SP500 returns the S&P 500 snapshot (see data/README.md for its source and date).
func SP500() ([]Constituent, error) {
	sp500Once.Do(func() {
		r := csv.NewReader(strings.NewReader(sp500CSV))
		rows, err := r.ReadAll()
		if err != nil {
			sp500Err = fmt.Errorf("read sp500 snapshot: %w", err)
			return
		}
		for _, row := range rows[1:] {
			if len(row) < 3 {
				continue
			}
			sp500 = append(sp500, Constituent{Symbol: row[0], Name: row[1], Sector: row[2]})
		}
	})
	return slices.Clone(sp500), sp500Err
}

// ErrUnknownUniverse is returned for a screener set that is not known.
var ErrUnknownUniverse = errors.New("unknown screener set")

// CustomSets looks up a user's custom list by name (nil: none are available).
type CustomSets func(name string) ([]string, error)

// ExpandTarget is the design's expand_screener_target: the tickers of a
// screener set ("sp500", "custom:NAME") or of a plain list in the schedule's
// target ("AAPL,MSFT MSFT" — commas or spaces, duplicates dropped, upper
// case). A set name wins over target.
func ExpandTarget(set, target string, custom CustomSets) ([]string, error) {
	switch {
	case set == "sp500":
		cs, err := SP500()
		if err != nil {
			return nil, err
		}
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Symbol
		}
		return out, nil
	case strings.HasPrefix(set, "custom:"):
		if custom == nil {
			return nil, fmt.Errorf("%w %q: no custom lists here", ErrUnknownUniverse, set)
		}
		return custom(strings.TrimPrefix(set, "custom:"))
	case set == "" || set == "custom":
		return tickers(target), nil
	}
	return nil, fmt.Errorf("%w %q: use sp500, custom:NAME or a ticker list in target", ErrUnknownUniverse, set)
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

// ProviderSymbol maps a listed symbol to a market-data provider's form:
// Yahoo writes class shares with a dash (BRK.B → BRK-B).
func ProviderSymbol(provider, symbol string) string {
	if provider == "yahoo" {
		return strings.ReplaceAll(symbol, ".", "-")
	}
	return symbol
}
