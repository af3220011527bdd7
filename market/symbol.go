package market

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownSymbol is permanent: the provider does not know the symbol (an
// HTTP 404, Binance's "Invalid symbol.", no CSV file), or it is not a symbol
// at all, so retrying is futile.
var ErrUnknownSymbol = errors.New("unknown symbol")

// maxSymbolLen bounds symbols; real ones are far shorter.
const maxSymbolLen = 32

// NormalizeSymbol trims and upper-cases a symbol and rejects characters no
// exchange uses (which also keeps symbols safe in URLs and file names). Its
// errors wrap ErrUnknownSymbol.
func NormalizeSymbol(symbol string) (string, error) {
	s := strings.ToUpper(strings.TrimSpace(symbol))
	if s == "" {
		return "", fmt.Errorf("empty symbol: %w", ErrUnknownSymbol)
	}
	if len(s) > maxSymbolLen {
		return "", fmt.Errorf("symbol %q: longer than %d characters: %w", symbol, maxSymbolLen, ErrUnknownSymbol)
	}
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(".-_=^/", r):
		default:
			return "", fmt.Errorf("symbol %q: character %q is not allowed: %w", symbol, r, ErrUnknownSymbol)
		}
	}
	return s, nil
}

// YahooSymbol turns a dotted US share class into Yahoo's dash form (BRK.B →
// BRK-B) and keeps exchange suffixes: a dot followed by one letter is a share
// class unless the letter is one of Yahoo's one-letter exchange suffixes
// (.L London, .F Frankfurt, .V TSX Venture, .T Tokyo). The yahoo providers
// (bars and fundamentals) apply it, so callers pass symbols as listed.
func YahooSymbol(sym string) string {
	i := strings.LastIndexByte(sym, '.')
	if i <= 0 || len(sym)-i != 2 {
		return sym
	}
	c := sym[i+1]
	if c < 'A' || c > 'Z' || strings.IndexByte("LFVT", c) >= 0 {
		return sym
	}
	return sym[:i] + "-" + sym[i+1:]
}
