package schemas

import (
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Problem is one violation in a task_params document.
type Problem struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value, "" for the
	// document itself. For a missing or unknown property it points at that
	// property, e.g. /report_type.
	Pointer string
	// Message says what is wrong in plain English, e.g. "must be >= 0".
	Message string
}

// String renders the problem as "pointer: message", or just the message at
// the document root.
func (p Problem) String() string {
	if p.Pointer == "" {
		return p.Message
	}
	return p.Pointer + ": " + p.Message
}

// ValidationError reports every way a task_params document breaks its schema.
type ValidationError struct {
	// JobType is the job type whose schema was applied.
	JobType string
	// Version is the schema version that was applied or requested (0 when the
	// document's version is not a usable integer).
	Version int
	// Problems holds one entry per violation, sorted by Pointer.
	Problems []Problem
}

// Error lists every problem: "report task_params: /parameters/timeframe: must
// be one of 1m, 5m, ...; /report_type: missing required property ...".
func (e *ValidationError) Error() string {
	var sb strings.Builder
	sb.WriteString(e.JobType)
	sb.WriteString(" task_params: ")
	for i, p := range e.Problems {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(p.String())
	}
	return sb.String()
}

// problems flattens the library's error tree into leaf problems, sorted by
// pointer and without duplicates.
func (v *Validator) problems(root *jsonschema.ValidationError) []Problem {
	ps := v.flatten(root)
	slices.SortFunc(ps, func(a, b Problem) int {
		if c := comparePointers(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.Compact(ps)
}

// flatten returns the leaf problems under e. Where a oneOf/anyOf matched no
// alternative, only the alternative with the fewest problems is reported (the
// first on a tie): that is the form the author most likely meant, and listing
// every alternative's complaints would bury the one that matters.
func (v *Validator) flatten(e *jsonschema.ValidationError) []Problem {
	if len(e.Causes) == 0 {
		return v.leaf(e)
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		var best []Problem
		for i, c := range e.Causes {
			ps := v.flatten(c)
			if i == 0 || len(ps) < len(best) {
				best = ps
			}
		}
		return best
	}
	var ps []Problem
	for _, c := range e.Causes {
		ps = append(ps, v.flatten(c)...)
	}
	return ps
}

// leaf turns one leaf error into problems, rephrasing the library's terse
// messages ("minimum: got -1, want 0") into "must be >= 0".
func (v *Validator) leaf(e *jsonschema.ValidationError) []Problem {
	ptr := pointer(e.InstanceLocation)
	one := func(format string, args ...any) []Problem {
		return []Problem{{Pointer: ptr, Message: fmt.Sprintf(format, args...)}}
	}
	node, _ := v.schemaNode(e.SchemaURL)

	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		ps := make([]Problem, 0, len(k.Missing))
		for _, name := range k.Missing {
			ps = append(ps, Problem{Pointer: ptr + "/" + escape(name), Message: fmt.Sprintf("missing required property %q", name)})
		}
		return ps
	case *kind.DependentRequired:
		ps := make([]Problem, 0, len(k.Missing))
		for _, name := range k.Missing {
			ps = append(ps, Problem{Pointer: ptr + "/" + escape(name), Message: fmt.Sprintf("missing property %q, required when %q is set", name, k.Prop)})
		}
		return ps
	case *kind.AdditionalProperties:
		allowed := propertyNames(node)
		ps := make([]Problem, 0, len(k.Properties))
		for _, name := range k.Properties {
			msg := fmt.Sprintf("unknown property %q", name)
			if s, ok := suggest(name, allowed); ok {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else if len(allowed) > 0 {
				msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
			}
			ps = append(ps, Problem{Pointer: ptr + "/" + escape(name), Message: msg})
		}
		return ps
	}

	if msg, ok := node["x-message"].(string); ok {
		return one("%s", msg)
	}

	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = article(w)
		}
		return one("must be %s, got %s", strings.Join(want, " or "), k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = literal(w)
		}
		if len(want) == 1 {
			return one("must be %s", want[0])
		}
		return one("must be one of %s", strings.Join(want, ", "))
	case *kind.Const:
		return one("must be %s", literal(k.Want))
	case *kind.Minimum:
		return one("must be >= %s", number(k.Want))
	case *kind.Maximum:
		return one("must be <= %s", number(k.Want))
	case *kind.ExclusiveMinimum:
		return one("must be > %s", number(k.Want))
	case *kind.ExclusiveMaximum:
		return one("must be < %s", number(k.Want))
	case *kind.MultipleOf:
		return one("must be a multiple of %s", number(k.Want))
	case *kind.MinItems:
		return one("must have at least %s", plural(k.Want, "item"))
	case *kind.MaxItems:
		return one("must have at most %s, got %d", plural(k.Want, "item"), k.Got)
	case *kind.UniqueItems:
		return one("must not contain duplicates (items %d and %d are equal)", k.Duplicates[0], k.Duplicates[1])
	case *kind.MinLength:
		return one("must be at least %s long", plural(k.Want, "character"))
	case *kind.MaxLength:
		return one("must be at most %s long, got %d", plural(k.Want, "character"), k.Got)
	case *kind.Pattern:
		return one("must match the pattern %s", k.Want)
	case *kind.MinProperties:
		return one("must have at least %s", plural(k.Want, "property"))
	case *kind.MaxProperties:
		return one("must have at most %s", plural(k.Want, "property"))
	case *kind.OneOf:
		return one("must match exactly one form, but matches forms %d and %d", k.Subschemas[0]+1, k.Subschemas[1]+1)
	case *kind.Not:
		return one("must not match the excluded form")
	case *kind.FalseSchema:
		return one("is not allowed here")
	case *kind.Format:
		return one("must be a valid %s", k.Want)
	case *kind.PropertyNames:
		return one("property name %q is not allowed", k.Property)
	case *kind.Dependency:
		return one("properties %s are required when %q is set", strings.Join(k.Missing, ", "), k.Prop)
	case *kind.Contains, *kind.MinContains, *kind.MaxContains:
		return one("does not contain the required items")
	case *kind.InvalidJsonValue:
		return one("is not a JSON value (%T)", k.Value)
	}
	// Kinds our schemas do not use; name the failing keyword.
	return one("fails the %q rule", strings.Join(e.ErrorKind.KeywordPath(), "/"))
}

// schemaNode finds the decoded schema object at an absolute schema location
// such as https://vigil.dev/schemas/report.v1.json#/properties/parameters.
func (v *Validator) schemaNode(location string) (map[string]any, bool) {
	base, frag, _ := strings.Cut(location, "#")
	var node any = v.docs[base]
	if frag == "" {
		obj, ok := node.(map[string]any)
		return obj, ok
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok, err := url.PathUnescape(tok)
		if err != nil {
			return nil, false
		}
		tok = pointerUnescaper.Replace(tok)
		switch n := node.(type) {
		case map[string]any:
			node = n[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	obj, ok := node.(map[string]any)
	return obj, ok
}

// propertyNames returns the sorted names declared under a schema's properties.
func propertyNames(node map[string]any) []string {
	props, _ := node["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// suggest returns the allowed name closest to name when it is close enough to
// be a typo: at most 2 edits, and fewer than half of name's length.
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

// pointer builds an RFC 6901 JSON pointer from instance-location tokens.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(escape(t))
	}
	return sb.String()
}

var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// escape encodes one JSON pointer token.
func escape(tok string) string { return pointerEscaper.Replace(tok) }

// comparePointers orders pointers token by token, numerically where both
// tokens are array indexes, so /symbols/2 sorts before /symbols/10.
func comparePointers(a, b string) int {
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

// article names a JSON type with its indefinite article: "an integer".
func article(jsonType string) string {
	switch jsonType {
	case "null":
		return "null"
	case "integer", "object", "array":
		return "an " + jsonType
	default:
		return "a " + jsonType
	}
}

// literal renders an enum or const value: strings bare (daily_summary),
// everything else as JSON.
func literal(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}

// number renders a schema bound: integers exactly, fractions as decimals.
func number(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return strconv.Itoa(n) + " " + strings.TrimSuffix(noun, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
