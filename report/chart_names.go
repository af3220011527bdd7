package report

import (
	"fmt"
	"strings"
	"time"
)

// Sizes of the report charts, in pixels.
const (
	candleWidth, candleHeight = 1000, 600
	lineWidth, lineHeight     = 1000, 500
)

// maxNameBase is the longest file name base before the ".png" extension and
// any "-N" suffix, so that names stay within 128 bytes.
const maxNameBase = 100

// chartNames hands out chart file names that are unique within one output.
type chartNames map[string]bool

// name turns base into a file name "base.png" that starts with a letter or
// digit and holds only [A-Za-z0-9._-] (other bytes become '_', leading
// non-alphanumerics are dropped), adding "-2", "-3", ... when it is taken.
func (used chartNames) name(base string) string {
	var b strings.Builder
	for i := 0; i < len(base); i++ {
		c := base[i]
		switch {
		case alnum(c), c == '.', c == '_', c == '-':
			if b.Len() == 0 && !alnum(c) {
				continue
			}
			b.WriteByte(c)
		case b.Len() > 0:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > maxNameBase {
		s = s[:maxNameBase]
	}
	if s == "" {
		s = "chart"
	}
	name := s + ".png"
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d.png", s, i)
	}
	used[name] = true
	return name
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lineCharts renders the equity curve and drawdown charts of one series,
// named base-equity.png and base-drawdown.png and titled title+" — "+what
// and title+" — drawdown".
func lineCharts(names chartNames, base, title, what, caption string, times []time.Time, values []float64) ([]Chart, error) {
	eq, err := EquityCurve(title+" — "+what, times, values, lineWidth, lineHeight)
	if err != nil {
		return nil, fmt.Errorf("chart %s equity: %w", base, err)
	}
	dd, err := Drawdown(title+" — drawdown", times, values, lineWidth, lineHeight)
	if err != nil {
		return nil, fmt.Errorf("chart %s drawdown: %w", base, err)
	}
	return []Chart{
		{Name: names.name(base + "-equity"), Caption: caption, PNG: eq},
		{Name: names.name(base + "-drawdown"), Caption: caption, PNG: dd},
	}, nil
}

// chartable reports whether values hold at least two finite points, the
// least a line chart needs.
func chartable(values []float64) bool {
	n := 0
	for _, v := range values {
		if finite(v) {
			n++
		}
	}
	return n >= 2
}
