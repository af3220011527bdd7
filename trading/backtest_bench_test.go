package trading_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
)

// yearOfMinutes is the bench T1 series: a year of 1m synthetic bars
// (525,600), ending 2026-01-01.
func yearOfMinutes(b *testing.B) bars.Series {
	b.Helper()
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	syn := &marketdata.Synthetic{Now: func() time.Time { return end }}
	s, err := syn.Bars(context.Background(), "AAPL", bars.M1, end.AddDate(-1, 0, 0), end)
	if err != nil {
		b.Fatal(err)
	}
	if len(s) != 525_600 {
		b.Fatalf("%d bars, want 525,600", len(s))
	}
	return s
}

// BenchmarkBacktestSMACross is bench T1 as a Go benchmark: sma_cross with
// its default parameters (10/30) over a year of 1m bars, 10,000 cash, no
// fees or slippage (the CLI's defaults).
func BenchmarkBacktestSMACross(b *testing.B) {
	s := yearOfMinutes(b)
	v, err := schemas.New()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	trades := 0
	for b.Loop() {
		st, err := trading.NewStrategy(v, "sma_cross", nil)
		if err != nil {
			b.Fatal(err)
		}
		e, err := trading.NewEngine(trading.Config{Cash: decimal.NewFromInt(10000), Timeframe: bars.M1}, st)
		if err != nil {
			b.Fatal(err)
		}
		res := trading.Backtest(e, "AAPL", s, trading.BacktestOptions{})
		trades = len(res.Trades)
	}
	b.ReportMetric(float64(len(s))*float64(b.N)/b.Elapsed().Seconds(), "bars/s")
	b.ReportMetric(float64(trades), "trades")
}
