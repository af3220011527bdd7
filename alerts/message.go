package alerts

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultTemplate is the message used when notify.message_template is empty,
// e.g. "🔔 AAPL 1h: close > 150 (price 151.20) at 2027-01-02 15:04 UTC".
const DefaultTemplate = "🔔 {ticker} {timeframe}: {condition} (price {price}) at {triggered_at}"

// placeholders are the names a message template may use in braces:
//
//	{ticker}        the ticker
//	{timeframe}     the timeframe, e.g. 1h
//	{price}         the latest close
//	{value}         the main condition's value (Evaluation.Value)
//	{level}         the main condition's level (Evaluation.Level)
//	{condition}     the rule, e.g. "close > 150"
//	{triggered_at}  the trigger time, "2006-01-02 15:04 UTC"
//
// "{{" and "}}" write literal braces. Any other name in braces is an error
// at Parse.
var placeholders = []string{"ticker", "timeframe", "price", "value", "level", "condition", "triggered_at"}

// ValidateTemplate reports the first problem in a message template: an
// unknown placeholder or an unclosed brace.
func ValidateTemplate(tmpl string) error {
	_, err := render(tmpl, func(string) string { return "" })
	return err
}

// Message renders the alert's message template (DefaultTemplate when empty)
// for an evaluation that fired at now. Numbers are shown with two decimals
// (more significant digits below 1), NaN as "n/a".
func (c *Config) Message(ev Evaluation, now time.Time) string {
	tmpl := c.Notify.MessageTemplate
	if tmpl == "" {
		tmpl = DefaultTemplate
	}
	condition := ev.Condition
	if condition == "" {
		condition = c.Rule.String()
	}
	out, err := render(tmpl, func(name string) string {
		switch name {
		case "ticker":
			return c.Ticker
		case "timeframe":
			return string(c.Timeframe)
		case "price":
			return formatValue(ev.Price)
		case "value":
			return formatValue(ev.Value)
		case "level":
			return formatValue(ev.Level)
		case "condition":
			return condition
		default: // triggered_at
			return now.UTC().Format("2006-01-02 15:04 UTC")
		}
	})
	if err != nil {
		// Parse rejects such templates; a hand-built Config still gets a
		// message rather than nothing.
		return tmpl
	}
	return out
}

// render expands the placeholders of tmpl with value.
func render(tmpl string, value func(name string) string) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(tmpl); {
		switch {
		case strings.HasPrefix(tmpl[i:], "{{"):
			sb.WriteByte('{')
			i += 2
		case strings.HasPrefix(tmpl[i:], "}}"):
			sb.WriteByte('}')
			i += 2
		case tmpl[i] == '{':
			end := strings.IndexAny(tmpl[i+1:], "{}")
			if end < 0 || tmpl[i+1+end] == '{' {
				return "", fmt.Errorf("unclosed { at byte %d (write {{ for a literal brace)", i)
			}
			name := tmpl[i+1 : i+1+end]
			if !slices.Contains(placeholders, name) {
				return "", fmt.Errorf("unknown placeholder {%s} (known: %s; write {{ for a literal brace)", name, "{"+strings.Join(placeholders, "}, {")+"}")
			}
			sb.WriteString(value(name))
			i += end + 2
		default:
			sb.WriteByte(tmpl[i])
			i++
		}
	}
	return sb.String(), nil
}

// formatValue shows a number for people: two decimals from 1 up, four
// significant digits below, "n/a" for NaN.
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "n/a"
	case v == 0 || math.Abs(v) >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	rounded, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
	return strconv.FormatFloat(rounded, 'f', -1, 64)
}
