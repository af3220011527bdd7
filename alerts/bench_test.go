package alerts

import (
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkEvaluate measures the design's example (rsi(14) > 70 and close >
// 150) on 300 hourly bars, and a heavier rule for comparison.
func BenchmarkEvaluate(b *testing.B) {
	series := walk(300, 1)
	for _, bb := range []struct {
		name, doc string
	}{
		{"Design", design},
		{"CrossBollingerMACD", withRule(`{"operator": "and", "conditions": [
			{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "sma", "period": 50}},
			{"indicator": "close", "operator": "inside_channel", "lower": {"indicator": "bollinger", "output": "lower"}, "upper": {"indicator": "bollinger", "output": "upper"}},
			{"indicator": "macd", "output": "histogram", "operator": ">", "value": 0}]}`)},
	} {
		cfg := mustParse(b, bb.doc)
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cfg.Evaluate(series); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	data := []byte(design)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStep(b *testing.B) {
	cfg := mustParse(b, design)
	ev, err := cfg.Evaluate(walk(300, 1))
	if err != nil {
		b.Fatal(err)
	}
	state := NewState()
	now := ev.Bar.Time.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		state = cfg.Step(state, ev, now).State
	}
}

// BenchmarkBacktestYearOfMinutes replays a two-condition rule (rsi(14) > 70
// and close > 100, hysteresis re-arm) over a year of one-minute bars
// (525,600). Run it on one core:
//
//	go test ./alerts -run x -bench BacktestYear -cpu 1 -benchmem
func BenchmarkBacktestYearOfMinutes(b *testing.B) {
	series := walk(525_600, 7)
	for i := range series {
		series[i].Time = t0.Add(time.Duration(i) * time.Minute)
	}
	cfg := mustParse(b, `{"ticker": "BTCUSDT", "timeframe": "1m",
		"rule": {"operator": "and", "conditions": [
			{"indicator": "rsi", "operator": ">", "value": 70},
			{"indicator": "price", "operator": ">", "value": 100}]},
		"rearm": {"type": "hysteresis", "threshold": 0.05}}`)
	from, to := series[0].Time, series[len(series)-1].Time.Add(time.Minute)
	b.ReportAllocs()
	var res BacktestResult
	for b.Loop() {
		var err error
		if res, err = cfg.Backtest(series, from, to); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Count), "triggers")
}

// BenchmarkWorkerRun is what the alert worker does per alert and run with
// the A1 rule (price > 3 and rsi(14) > 40, hysteresis re-arm) on its
// Lookback of minute bars: evaluate, step, and encode the run's result; with
// the trace (Input.Trace, Explain, the trace in the JSON) and without.
//
//	go test ./alerts -run x -bench WorkerRun -cpu 1 -benchmem
func BenchmarkWorkerRun(b *testing.B) {
	cfg := mustParse(b, `{"ticker": "S001", "timeframe": "1m",
		"rule": {"operator": "and", "conditions": [
			{"indicator": "price", "operator": ">", "value": 3},
			{"indicator": "rsi", "period": 14, "operator": ">", "value": 40}]},
		"rearm": {"type": "hysteresis", "threshold": 0.02}}`)
	series := walk(cfg.Lookback(), 9)
	for i := range series {
		series[i].Time = t0.Add(time.Duration(i) * time.Minute)
	}
	now := series[len(series)-1].Time.Add(30 * time.Second)
	prev := NewState()
	for _, trace := range []bool{false, true} {
		name := "NoTrace"
		if trace {
			name = "Trace"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				ev, err := cfg.EvaluateWith(Input{Series: series, Now: now, Trace: trace})
				if err != nil {
					b.Fatal(err)
				}
				d := cfg.Step(prev, ev, now)
				// The fields of jobs.AlertResult.
				res := struct {
					Symbol    string             `json:"symbol"`
					Timeframe string             `json:"timeframe"`
					Matched   bool               `json:"matched"`
					Fired     bool               `json:"fired"`
					Reason    string             `json:"reason"`
					Condition string             `json:"condition"`
					Value     *float64           `json:"value,omitempty"`
					Price     float64            `json:"price"`
					BarTime   time.Time          `json:"bar_time"`
					Details   map[string]float64 `json:"details,omitempty"`
					Missing   []string           `json:"missing,omitempty"`
					State     string             `json:"state"`
					Trace     *Trace             `json:"trace,omitempty"`
				}{Symbol: cfg.Ticker, Timeframe: string(cfg.Timeframe), Matched: ev.Matched, Fired: d.Fire, Reason: d.Reason,
					Condition: ev.Condition, Value: &ev.Value, Price: ev.Price, BarTime: ev.Bar.Time, Details: ev.Details,
					State: d.State.Status}
				if trace {
					t := cfg.Explain(prev, ev, d, now)
					res.Trace = &t
				}
				state, err := json.Marshal(d.State) // the worker stores it too
				if err != nil || len(state) == 0 {
					b.Fatal(err)
				}
				data, err := json.Marshal(res)
				if err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(size), "result_bytes")
		})
	}
}
