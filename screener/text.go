package screener

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
)

// TextMaxChars is the length Text keeps to: under Telegram's 4096-character
// message limit with room for a caller's prefix.
const TextMaxChars = 3900

// maxMissingNames is how many missing symbols the text names.
const maxMissingNames = 10

// maxIndicatorColumns is how many rule operand columns the text shows.
const maxIndicatorColumns = 2

// Text renders the result as one plain-text notification of at most
// TextMaxChars characters; see TextLimit.
func (r Result) Text() string { return r.TextLimit(TextMaxChars, "") }

// TextLimit renders the result as plain text (no markup) of at most limit
// characters (runes):
//
//	Screener sp500: 12 of 503 match (min market cap 1B, P/E ≤ 25, volume ≥ 1M, rsi(14) < 30) — top 10 by market cap
//
//	 #  Symbol  Mkt cap   P/E  Avg vol   Close   Chg  rsi(14)
//	 1. AAPL       2.9T  28.4    55.2M  189.20  +1.2%   28.10
//	…
//	missing data: 3 symbols (XYZ, ABC, DEF)
//
// Rows that do not fit are cut and replaced by "… and K more", followed by
// footer in parentheses when footer is not empty (e.g. "full list in run
// 42"). Unknown values show as "-".
func (r Result) TextLimit(limit int, footer string) string {
	head := r.header()
	rows := r.table()
	var tail string
	if n := len(r.Missing); n > 0 {
		names := make([]string, 0, min(n, maxMissingNames))
		for _, m := range r.Missing[:min(n, maxMissingNames)] {
			names = append(names, m.Symbol)
		}
		list := strings.Join(names, ", ")
		if n > maxMissingNames {
			list += fmt.Sprintf(", … +%d more", n-maxMissingNames)
		}
		tail = fmt.Sprintf("missing data: %d %s (%s)", n, plural(n, "symbol"), list)
	}
	cutLine := func(k int) string {
		s := fmt.Sprintf("… and %d more", k)
		if footer != "" {
			s += " (" + footer + ")"
		}
		return s
	}
	build := func(k int) string {
		lines := []string{head}
		if len(rows) > 1 {
			lines = append(lines, "")
			lines = append(lines, rows[:k+1]...) // rows[0] is the column header
			if hidden := len(rows) - 1 - k; hidden > 0 {
				lines = append(lines, cutLine(hidden))
			}
		}
		if tail != "" {
			lines = append(lines, "", tail)
		}
		return strings.Join(lines, "\n")
	}
	// Find the most rows that fit; lengths grow with k, so search.
	n := max(len(rows)-1, 0)
	lo, hi := 0, n
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if utf8.RuneCountInString(build(mid)) <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return truncate(build(lo), limit)
}

// header is the first line: set, counts, criteria and ranking.
func (r Result) header() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Screener %s: %d of %d match", r.ScreenerSet, r.FilteredCount, r.TotalTickers)
	if crit := r.Criteria.describe(); crit != "" {
		sb.WriteString(" (" + crit + ")")
	}
	if r.FilteredCount == 0 {
		return sb.String()
	}
	sb.WriteString(" — ")
	if len(r.Results) < r.FilteredCount {
		fmt.Fprintf(&sb, "top %d ", len(r.Results))
	}
	sb.WriteString("by " + rankName(r.RankBy))
	if r.RankOrder == OrderAscending {
		sb.WriteString(", lowest first")
	} else if r.RankBy == RankPERatio {
		sb.WriteString(", highest first")
	}
	return sb.String()
}

// describe renders the criteria for people: "min market cap 1B, P/E ≤ 25,
// volume ≥ 1M, rsi(14) < 30".
func (c Criteria) describe() string {
	var parts []string
	if c.MinMarketCap != nil {
		parts = append(parts, "min market cap "+human(*c.MinMarketCap))
	}
	if c.MaxPERatio != nil {
		parts = append(parts, "P/E ≤ "+strconv.FormatFloat(*c.MaxPERatio, 'f', -1, 64))
	}
	if c.MinVolume != nil {
		parts = append(parts, "volume ≥ "+human(*c.MinVolume))
	}
	if c.hasRule() {
		if cfg := c.ruleConfig(); cfg != nil {
			parts = append(parts, cfg.Rule.String())
		} else {
			var buf bytes.Buffer
			if json.Compact(&buf, c.Rule) == nil {
				parts = append(parts, "rule "+buf.String())
			}
		}
	}
	return strings.Join(parts, ", ")
}

// ruleConfig parses the rule for display; nil when there is none or it does
// not parse.
func (c Criteria) ruleConfig() *alerts.Config {
	if !c.hasRule() {
		return nil
	}
	doc, err := json.Marshal(map[string]any{"ticker": placeholderTicker, "timeframe": bars.D1, "rule": json.RawMessage(c.Rule)})
	if err != nil {
		return nil
	}
	cfg, err := alerts.Parse(doc)
	if err != nil {
		return nil
	}
	return cfg
}

// table returns the column header and one row per result, aligned.
func (r Result) table() []string {
	if len(r.Results) == 0 {
		return nil
	}
	labels := r.indicatorColumns()
	cols := []string{"#", "Symbol", "Mkt cap", "P/E", "Avg vol", "Close", "Chg"}
	cols = append(cols, labels...)
	cells := [][]string{cols}
	for _, m := range r.Results {
		row := []string{
			strconv.Itoa(m.Rank) + ".",
			m.Symbol,
			orDash(m.MarketCap, human),
			orDash(m.PERatio, func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }),
			orDash(m.AvgVolume, human),
			orDash(m.Close, func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }),
			orDash(m.ChangePct, func(v float64) string { return fmt.Sprintf("%+.1f%%", v) }),
		}
		for _, l := range labels {
			v, ok := m.Indicators[l]
			if !ok {
				row = append(row, "-")
				continue
			}
			row = append(row, indicatorValue(v))
		}
		cells = append(cells, row)
	}
	widths := make([]int, len(cols))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	lines := make([]string, len(cells))
	for j, row := range cells {
		var sb strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0:
				sb.WriteString(pad + c)
			case i == 1: // symbols align left
				sb.WriteString(" " + c + pad)
			default:
				sb.WriteString("  " + pad + c)
			}
		}
		lines[j] = strings.TrimRight(sb.String(), " ")
	}
	return lines
}

// indicatorColumns picks the rule operands shown as columns: the rank field
// when it is one, then the rule's indicators (not plain bar fields), in rule
// order.
func (r Result) indicatorColumns() []string {
	var labels []string
	add := func(l string) {
		if len(labels) < maxIndicatorColumns && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	fromRule := !isBuiltinRank(r.RankBy)
	if fromRule {
		add(r.RankBy)
	}
	for _, o := range ruleOperands(r.Criteria.ruleConfig()) {
		switch o.indicator {
		case alerts.FieldOpen, alerts.FieldHigh, alerts.FieldLow, alerts.FieldClose, alerts.FieldVolume:
			continue
		}
		add(o.label)
	}
	return labels
}

func isBuiltinRank(name string) bool {
	switch name {
	case RankMarketCap, RankPERatio, RankAvgVolume, RankVolume, RankClose, RankChangePct:
		return true
	}
	return false
}

// rankName names a rank field for people.
func rankName(name string) string {
	switch name {
	case RankMarketCap:
		return "market cap"
	case RankPERatio:
		return "P/E"
	case RankAvgVolume, RankVolume:
		return "avg volume"
	case RankClose:
		return "close"
	case RankChangePct:
		return "change %"
	}
	return name
}

// human writes a large number with a unit: 2.9T, 350B, 55.2M, 12K, 950.
func human(v float64) string {
	if !finite(v) {
		return "-"
	}
	units := []struct {
		size float64
		unit string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}}
	a := math.Abs(v)
	for i, u := range units {
		if a < u.size {
			continue
		}
		x := v / u.size
		if math.Abs(x) >= 999.5 && i > 0 { // rounds up to the next unit
			return trimZero(strconv.FormatFloat(v/units[i-1].size, 'f', 1, 64)) + units[i-1].unit
		}
		return sig3(x) + u.unit
	}
	if a >= 999.5 {
		return "1K"
	}
	return sig3(v)
}

// sig3 writes about three significant digits: 2.9, 55.2, 350.
func sig3(x float64) string {
	if math.Abs(x) >= 99.95 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return trimZero(strconv.FormatFloat(x, 'f', 1, 64))
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

func indicatorValue(v float64) string {
	if math.Abs(v) >= 1e4 {
		return human(v)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func orDash(v *float64, f func(float64) string) string {
	if v == nil {
		return "-"
	}
	return f(*v)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// truncate cuts s to at most limit runes, ending in "…" when cut.
func truncate(s string, limit int) string {
	if limit <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	rs := []rune(s)
	return string(rs[:limit-1]) + "…"
}
