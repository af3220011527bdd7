package alertbacktest

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/report"
)

// chart draws the last ChartBars bars of the range with the triggers among
// them marked.
func chart(cfg *alerts.Config, res *Result) ([]byte, error) {
	s := res.Bars[max(0, len(res.Bars)-ChartBars):]
	var markers []report.Marker
	for _, tr := range res.Triggers {
		if !tr.Time.Before(s[0].Time) {
			markers = append(markers, report.Marker{Time: tr.Time, Price: tr.Price})
		}
	}
	title := fmt.Sprintf("%s %s backtest: %d triggers %s – %s (last %d bars shown)", cfg.Ticker, cfg.Timeframe, res.Count,
		res.From.Format(time.DateOnly), res.To.Format(time.DateOnly), len(s))
	return report.CandlesWithMarkers(title, s, nil, markers, chartWidth, chartHeight)
}

// ChartName is the chart's file name, e.g. AAPL-1h-backtest.png: the
// symbol with every character an artifact name does not allow replaced by -.
func ChartName(cfg *alerts.Config) string {
	sym := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, cfg.Ticker)
	if sym == "" || sym[0] == '.' || sym[0] == '-' || sym[0] == '_' {
		sym = "alert" + sym
	}
	return sym + "-" + string(cfg.Timeframe) + "-backtest.png"
}
