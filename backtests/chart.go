package backtests

import (
	"fmt"

	"github.com/vigilhq/vigil/report"
)

// Chart sizes of `vigil backtest --chart` and the bot's reply.
const (
	ChartWidth  = 1000
	ChartHeight = 600
)

// Chart renders the backtest as a PNG of width×height pixels: the closes
// with every entry and exit marked, above the equity curve.
func (o Output) Chart(width, height int) ([]byte, error) {
	var marks []report.TradeMark
	for _, t := range o.Result.Trades {
		marks = append(marks, report.TradeMark{Time: t.EntryTime, Price: t.EntryPrice})
		if t.ExitTime != nil && t.ExitPrice != nil {
			marks = append(marks, report.TradeMark{Time: *t.ExitTime, Price: *t.ExitPrice, Exit: true})
		}
	}
	title := fmt.Sprintf("%s %s on %s %s", o.Strategy, o.Params, o.Symbol, o.Timeframe)
	png, err := report.BacktestChart(title, o.Series, o.Result.Equity, marks, width, height)
	if err != nil {
		return nil, fmt.Errorf("backtest chart: %w", err)
	}
	return png, nil
}
