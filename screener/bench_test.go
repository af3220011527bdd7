package screener

import (
	"context"
	"testing"
)

// BenchmarkRunSP500 screens the 503 S&P 500 snapshot symbols with the rule
// rsi(14) < 70 and close > sma(200) on 300 synthetic daily bars each
// (fetched from memory, so this measures the screener and the indicators).
func BenchmarkRunSP500(b *testing.B) {
	data := newSynthetic(b, 300)
	p, err := ParseParams([]byte(`{"screener_set": "sp500", "filter_criteria": {"rule": {"operator": "and", "conditions": [
		{"indicator": "rsi", "period": 14, "operator": "<", "value": 70},
		{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200}}]}}, "top_n": 10}`))
	if err != nil {
		b.Fatal(err)
	}
	src := data.sources()
	ctx := context.Background()
	var res Result
	b.ReportAllocs()
	for b.Loop() {
		res, err = Run(ctx, p, data.symbols, src)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.FilteredCount), "matches")
	b.ReportMetric(float64(len(res.Missing)), "missing")
}
