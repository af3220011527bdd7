package report

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// na stands for an undefined figure in text.
const na = "n/a"

// Text limits.
const (
	// maxAlertsText caps the alerts line of one symbol, in runes.
	maxAlertsText = 600
	// maxReasonText caps a missing symbol's reason in text, in runes.
	maxReasonText = 120
	// maxPairsAll is the most holdings whose correlation pairs are all
	// listed; beyond it only the highest and lowest pairs are.
	maxPairsAll = 6
)

// reportTitles are the text headings of the report types.
var reportTitles = map[string]string{
	TypeDailySummary:      "Daily summary",
	TypePortfolioAnalysis: "Portfolio analysis",
	TypePerformanceReport: "Performance report",
}

// headerText is the first line of every report text.
func headerText(h Header) string {
	return fmt.Sprintf("%s %s (%s)\n", reportTitles[h.ReportType], h.Date, h.Timeframe)
}

// dailySummaryText renders a daily summary: one line per symbol, then its
// alerts, then the other alerts and the missing symbols.
func dailySummaryText(r *DailySummary) string {
	var b strings.Builder
	b.WriteString(headerText(r.Header))
	if len(r.Symbols) == 0 {
		b.WriteString("\nno data for any symbol\n")
	}
	for _, s := range r.Symbols {
		b.WriteByte('\n')
		vol := na
		if v := float64(s.VolumeRatio); finite(v) {
			vol = fmtRatio(v) + " avg"
		}
		fmt.Fprintf(&b, "%s  %s  %s  vol %s  RSI %s  SMA%d %s  SMA%d %s",
			s.Symbol, fmtPrice(float64(s.Close)), fmtPct(float64(s.ChangePct), 2),
			vol, fmtFixed(float64(s.RSI14), 0),
			smaFast, fmtPct(float64(s.SMA50DistancePct), 1),
			smaSlow, fmtPct(float64(s.SMA200DistancePct), 1))
		if d := s.Time.Format(time.DateOnly); d != r.Date {
			fmt.Fprintf(&b, "  (bar of %s)", d)
		}
		if s.InProgress {
			b.WriteString("  (bar in progress)")
		}
		b.WriteByte('\n')
		if len(s.AlertsFired) > 0 {
			fmt.Fprintf(&b, "  alerts today: %s\n", joinCapped(s.AlertsFired, maxAlertsText))
		}
	}
	if len(r.OtherAlerts) > 0 {
		b.WriteString("\nother alerts today:\n")
		for _, sym := range slices.Sorted(maps.Keys(r.OtherAlerts)) {
			fmt.Fprintf(&b, "  %s: %s\n", sym, joinCapped(r.OtherAlerts[sym], maxAlertsText))
		}
	}
	writeMissing(&b, r.Missing)
	return b.String()
}

// portfolioText renders a portfolio analysis: totals, history figures, one
// line per holding, correlations and missing symbols.
func portfolioText(r *PortfolioAnalysis) string {
	var b strings.Builder
	b.WriteString(headerText(r.Header))
	cur := ""
	if r.Currency != "" {
		cur = " " + r.Currency
	}
	if r.Name != "" {
		fmt.Fprintf(&b, "%s (#%d)\n", r.Name, r.PortfolioID)
	} else {
		fmt.Fprintf(&b, "portfolio #%d\n", r.PortfolioID)
	}
	t := r.Totals
	if t.Priced == 0 {
		b.WriteString("no holding has data\n")
	} else {
		fmt.Fprintf(&b, "value %s%s  cost %s  P&L %s (%s)  today %s\n",
			fmtMoney(float64(t.Value)), cur, fmtMoney(float64(t.Cost)),
			fmtSignedMoney(float64(t.PnL)), fmtPct(float64(t.PnLPct), 2), fmtPct(float64(t.DayChangePct), 2))
		if r.Incomplete {
			fmt.Fprintf(&b, "totals cover %d of %d holdings\n", t.Priced, t.Holdings)
		}
		st := r.Performance
		if st.Bars > 0 {
			fmt.Fprintf(&b, "%s\n", statsLine(st))
			if rl := returnsLine(st.Returns, r.Timeframe); rl != "" {
				fmt.Fprintf(&b, "returns %s\n", rl)
			}
			fmt.Fprintf(&b, "(history: %d common bars %s to %s, current holdings held throughout)\n",
				st.Bars, st.From.Format(time.DateOnly), st.To.Format(time.DateOnly))
		}
	}
	b.WriteByte('\n')
	for _, h := range r.Holdings {
		if h.Missing {
			fmt.Fprintf(&b, "%s  %s  no data\n", h.Symbol, fmtQty(h.Quantity))
			continue
		}
		fmt.Fprintf(&b, "%s  %s @ %s  value %s (%s)  P&L %s (%s)  today %s\n",
			h.Symbol, fmtQty(h.Quantity), fmtPrice(float64(h.Price)),
			fmtMoney(float64(h.Value)), fmtUnsignedPct(float64(h.WeightPct), 1),
			fmtSignedMoney(float64(h.PnL)), fmtPct(float64(h.PnLPct), 2), fmtPct(float64(h.DayChangePct), 2))
	}
	if c := r.Correlation; len(c.Symbols) > 1 {
		fmt.Fprintf(&b, "\ncorrelation of returns (%d bars):\n%s\n", c.Returns, correlationLine(c))
	}
	writeMissing(&b, r.Missing)
	return b.String()
}

// performanceText renders a performance report: per entry, the latest
// value and window returns, then the history figures.
func performanceText(r *PerformanceReport) string {
	var b strings.Builder
	b.WriteString(headerText(r.Header))
	if len(r.Entries) == 0 {
		b.WriteString("\nno data for any symbol\n")
	}
	for _, e := range r.Entries {
		name := e.Name
		switch e.Kind {
		case KindPortfolio:
			name += " (portfolio)"
		case KindBot:
			name += " (trading bot)"
		}
		b.WriteByte('\n')
		if e.Bars == 0 {
			fmt.Fprintf(&b, "%s  no data\n", name)
			continue
		}
		fmt.Fprintf(&b, "%s  %s", name, fmtPrice(float64(e.Last)))
		if rl := returnsLine(e.Returns, r.Timeframe); rl != "" {
			b.WriteString("  " + rl)
		}
		fmt.Fprintf(&b, "\n  %s\n", statsLine(e.Stats))
		fmt.Fprintf(&b, "  total %s over %d bars since %s\n",
			fmtPct(float64(e.TotalReturnPct), 2), e.Bars, e.From.Format(time.DateOnly))
		if e.Incomplete {
			b.WriteString("  some holdings have no data and are left out\n")
		}
	}
	writeMissing(&b, r.Missing)
	return b.String()
}

// statsLine is "volatility 12.34%/yr  Sharpe 1.05  max drawdown -4.55%".
func statsLine(st Stats) string {
	return fmt.Sprintf("volatility %s/yr  Sharpe %s  max drawdown %s",
		fmtUnsignedPct(float64(st.VolatilityPct), 2), fmtFixed(float64(st.Sharpe), 2),
		fmtDrawdown(float64(st.MaxDrawdownPct)))
}

// returnsLine is "5d +1.20%  20d -3.40%  60d n/a".
func returnsLine(rs []WindowReturn, tf bars.Timeframe) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = windowLabel(r.Window, tf) + " " + fmtPct(float64(r.ReturnPct), 2)
	}
	return strings.Join(parts, "  ")
}

// windowLabel names a window of n bars: "5d" on daily bars, "4w" on
// weekly, "20×1h" otherwise.
func windowLabel(n int, tf bars.Timeframe) string {
	switch tf {
	case bars.D1:
		return fmt.Sprintf("%dd", n)
	case bars.W1:
		return fmt.Sprintf("%dw", n)
	}
	return fmt.Sprintf("%d×%s", n, tf)
}

// correlationLine lists the correlation of every pair of holdings, or for
// many holdings the three highest and three lowest pairs.
func correlationLine(c CorrelationMatrix) string {
	type pair struct {
		name string
		v    float64
	}
	var pairs []pair
	for i := range c.Symbols {
		for j := i + 1; j < len(c.Symbols); j++ {
			pairs = append(pairs, pair{c.Symbols[i] + "/" + c.Symbols[j], float64(c.Matrix[i][j])})
		}
	}
	format := func(ps []pair) string {
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = p.name + " " + fmtSigned(p.v, 2)
		}
		return strings.Join(s, "  ")
	}
	if len(c.Symbols) <= maxPairsAll {
		return format(pairs)
	}
	pairs = slices.DeleteFunc(pairs, func(p pair) bool { return !finite(p.v) })
	slices.SortStableFunc(pairs, func(a, b pair) int { return cmp.Compare(b.v, a.v) })
	if len(pairs) <= 6 {
		return format(pairs)
	}
	return "highest " + format(pairs[:3]) + "\nlowest " + format(pairs[len(pairs)-3:])
}

// writeMissing adds the "missing data: SYM (reason), ..." line.
func writeMissing(b *strings.Builder, missing []Missing) {
	if len(missing) == 0 {
		return
	}
	parts := make([]string, len(missing))
	for i, m := range missing {
		parts[i] = fmt.Sprintf("%s (%s)", m.Symbol, truncate(m.Reason, maxReasonText))
	}
	fmt.Fprintf(b, "\nmissing data: %s\n", strings.Join(parts, ", "))
}

// joinCapped joins items with ", ", stopping before maxRunes and then
// saying how many were left out.
func joinCapped(items []string, maxRunes int) string {
	var b strings.Builder
	n := 0
	for i, it := range items {
		it = truncate(it, maxRunes/2)
		if i > 0 && n+len([]rune(it))+2 > maxRunes {
			fmt.Fprintf(&b, " and %d more", len(items)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
			n += 2
		}
		b.WriteString(it)
		n += len([]rune(it))
	}
	return b.String()
}

// fmtPrice formats a price with 2 decimals and thousands separators, or
// with 4 significant digits below 1 (0.0001234).
func fmtPrice(v float64) string {
	if !finite(v) {
		return na
	}
	if a := math.Abs(v); a > 0 && a < 1 {
		dec := min(8, 3-int(math.Floor(math.Log10(a))))
		return strconv.FormatFloat(v, 'f', dec, 64)
	}
	return group(v, 2)
}

// fmtMoney formats an amount with 2 decimals and thousands separators below
// a million, compactly (1.23M) from there.
func fmtMoney(v float64) string {
	if finite(v) && math.Abs(v) >= 1e6 {
		return fmtCompact(v)
	}
	return fmtGroup(v, 2)
}

// fmtSignedMoney is fmtMoney with a sign.
func fmtSignedMoney(v float64) string {
	s := fmtMoney(v)
	if finite(v) && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// fmtCompact formats a large number with a K, M, B or T suffix and 2
// decimals (1.23M), and a small one with at most 2 decimals.
func fmtCompact(v float64) string {
	if !finite(v) {
		return na
	}
	a := math.Abs(v)
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}} {
		if a >= u.div {
			return strconv.FormatFloat(v/u.div, 'f', 2, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// fmtPct formats a percentage with a sign: "+1.25%", "-0.93%".
func fmtPct(v float64, dec int) string {
	if !finite(v) {
		return na
	}
	return fmtSigned(v, dec) + "%"
}

// fmtDrawdown formats a drawdown given as a positive percentage as a fall:
// "-4.55%", or "0.00%" when there is none.
func fmtDrawdown(dd float64) string {
	if dd == 0 {
		return "0.00%"
	}
	return fmtPct(-dd, 2)
}

// fmtUnsignedPct formats a percentage without a plus sign: "27.97%".
func fmtUnsignedPct(v float64, dec int) string {
	if !finite(v) {
		return na
	}
	return fmtGroup(v, dec) + "%"
}

// fmtSigned formats v with dec decimals and a sign ("+0.00" for zero).
func fmtSigned(v float64, dec int) string {
	if !finite(v) {
		return na
	}
	s := fmtGroup(v, dec)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// fmtFixed formats v with dec decimals, or n/a.
func fmtFixed(v float64, dec int) string {
	if !finite(v) {
		return na
	}
	return fmtGroup(v, dec)
}

// fmtRatio formats a ratio as "1.3x".
func fmtRatio(v float64) string {
	if !finite(v) {
		return na
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "x"
}

// fmtQty formats a quantity with as many decimals as it needs and
// thousands separators.
func fmtQty(q float64) string {
	if !finite(q) {
		return na
	}
	return group(q, -1)
}

// fmtGroup is group for finite values and n/a otherwise.
func fmtGroup(v float64, dec int) string {
	if !finite(v) {
		return na
	}
	return group(v, dec)
}

// group formats v with dec decimals (-1: as many as needed) and commas
// between thousands. A value rounding to zero has no minus sign.
func group(v float64, dec int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', dec, 64)
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
