package api

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Symbols as requests give them: tickers of task_params and screener sets,
// and the (wider) symbols of portfolio holdings.

// normalizeSymbols trims and upper-cases symbols and drops duplicates,
// keeping the first occurrence; nil stays nil.
func normalizeSymbols(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// tickerRE is a market symbol as task_params take it (common.v1.json ticker).
var tickerRE = regexp.MustCompile(`^[A-Z0-9^][A-Z0-9.\-^=]{0,14}$`)

const tickerRule = "an uppercase ticker of 1-15 characters from A-Z 0-9 . - ^ = (e.g. AAPL, BRK.B, ^GSPC)"

// splitTickers splits a ticker list written with commas or spaces,
// upper-cased and without duplicates.
func splitTickers(s string) []string {
	return normalizeSymbols(strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ';'
	}))
}

// clip shortens client text quoted in a message.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// holdingSymbolRE is a holding's symbol (portfolio_holdings.symbol).
var holdingSymbolRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-_=^/]{0,31}$`)

const holdingSymbolRule = "1-32 characters from A-Z 0-9 . - _ = ^ /, starting with a letter or digit"

// normalizeSymbol upper-cases a holding's symbol and checks it, located at where.
func normalizeSymbol(where, s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !holdingSymbolRE.MatchString(s) {
		return "", badRequest(http.StatusUnprocessableEntity, where, fmt.Sprintf("%q is not a symbol: use %s", clip(s), holdingSymbolRule))
	}
	return s, nil
}
