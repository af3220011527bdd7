package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidConfig is wrapped by every *ParseError.
var ErrInvalidConfig = errors.New("invalid alert config")

// Problem is one thing wrong with an alert config.
type Problem struct {
	// Path is the JSON pointer (RFC 6901) of the offending value, e.g.
	// /rule/conditions/0/indicator; "" for the document itself. For a
	// missing or unknown property it points at that property.
	Path string
	// Message says what is wrong, e.g. `unknown indicator "rsx" (did you
	// mean "rsi"?)`.
	Message string
}

// String renders the problem as "path: message".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ParseError lists every problem Parse found, sorted by path. It wraps
// ErrInvalidConfig.
type ParseError struct {
	Problems []Problem
}

// Error joins the problems: "invalid alert config: /timeframe: must be one
// of ...; /rule/operator: ...".
func (e *ParseError) Error() string {
	var sb strings.Builder
	sb.WriteString(ErrInvalidConfig.Error())
	sb.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(p.String())
	}
	return sb.String()
}

// Unwrap returns ErrInvalidConfig.
func (e *ParseError) Unwrap() error { return ErrInvalidConfig }

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// escape encodes one JSON pointer token.
func escape(tok string) string { return pointerEscaper.Replace(tok) }

// comparePaths orders pointers token by token, numerically where both tokens
// are array indexes.
func comparePaths(a, b string) int {
	ta, tb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if ta[i] == tb[i] {
			continue
		}
		na, errA := strconv.Atoi(ta[i])
		nb, errB := strconv.Atoi(tb[i])
		if errA == nil && errB == nil {
			return na - nb
		}
		return strings.Compare(ta[i], tb[i])
	}
	return len(ta) - len(tb)
}

// suggest returns the allowed name closest to name when it looks like a typo:
// at most 2 edits, and fewer than half of name's length.
func suggest(name string, allowed []string) (string, bool) {
	best, bestDist := "", 3
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(name), a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best, best != "" && 2*bestDist < len([]rune(name))
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
