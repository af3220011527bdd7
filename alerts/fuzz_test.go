package alerts

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// FuzzParse feeds arbitrary bytes to Parse. Parse never panics; a failure is
// a *ParseError with well-formed problems; a success marshals back to JSON
// that parses to the same Config, and evaluating, stepping and rendering it
// on synthetic series never panics.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "schemas", "examples", "alert", "*", "*.json"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		design,
		``, `null`, `[]`, `{}`, `{"ticker": "A"}`, "\xff", `{"a":`,
		`{"symbol": "AAPL", "condition": "volume_spike"}`,
		`{"symbol": "AAPL", "condition": "rsi_oversold", "threshold": 1e400}`,
		withRule(`{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "sma", "period": 50}}`, `"rearm": {"type": "crossing", "cooldown": 60}`),
		withRule(`{"indicator": "close", "operator": "exiting_channel", "lower": {"indicator": "bollinger", "output": "lower"}, "upper": {"indicator": "bollinger", "output": "upper"}}`),
		withRule(`{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "up", "value": 3}`, `"rearm": {"type": "persistence", "bars": 2}`),
		withRule(`{"operator": "not", "conditions": [{"operator": "or", "conditions": [{"indicator": "stoch", "output": "d", "operator": "<", "value": 20}, {"indicator": "macd", "output": "histogram", "operator": ">", "value": 0}]}]}`,
			`"rearm": {"type": "hysteresis", "threshold": 0.5}`, `"frequency": "once_per_bar_close"`, `"expires_at": "2027-01-04T05:00:00Z"`),
		withRule(`{"indicator": "vwap", "params": {"period": 1000}, "offset": 1000, "operator": "==", "value": {"indicator": "atr", "period": 1}}`),
		withRule(`{"indicator": "close", "operator": ">", "value": 1}`, `"notify": {"channels": ["email"], "message_template": "{{{price}}}"}`),
		withRule(`{"indicator": "ema", "period": 5, "timeframe": "1d", "operator": "crosses", "right": {"indicator": "sma", "period": 3, "timeframe": "4h", "offset": 2}}`),
		withRule(`{"indicator": "macd", "timeframe": "1d", "operator": "change_pct", "bars": 30, "direction": "up", "value": 1}`),
	} {
		f.Add([]byte(s))
	}

	long := walk(3000, 11)
	gappy := walk(200, 12)
	for i := range gappy {
		if i%7 == 3 {
			gappy[i].Close, gappy[i].Volume = math.NaN(), math.Inf(1)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			var perr *ParseError
			if !errors.As(err, &perr) || len(perr.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, p := range perr.Problems {
				if p.Message == "" || (p.Path != "" && p.Path[0] != '/') {
					t.Fatalf("malformed problem %+v", p)
				}
			}
			return
		}

		minBars, lookback := cfg.MinBars(), cfg.Lookback()
		if minBars < 1 || lookback <= minBars || lookback > 20000 {
			t.Fatalf("MinBars %d, Lookback %d", minBars, lookback)
		}
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse %s: %v", out, err)
		}
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("round trip changed the config:\n%s\n%#v\n%#v", out, cfg, again)
		}

		// Lookback bars of clean data, and LookbackFor bars of each other
		// timeframe's up to the evaluation, leave no operand without a value.
		if lookback <= len(long) {
			main := long[len(long)-lookback:]
			now := main[len(main)-1].Time.Add(cfg.Timeframe.Duration())
			frames := map[bars.Timeframe]bars.Series{}
			enough := true
			for _, tf := range cfg.Timeframes() {
				all := resample(long, tf)
				n := 0
				for n < len(all) && all[n].Time.Before(now) {
					n++
				}
				k := cfg.LookbackFor(tf)
				if k < 1 || k > 20000 {
					t.Fatalf("LookbackFor(%s) = %d", tf, k)
				}
				enough = enough && k <= n
				frames[tf] = all[max(0, n-k):n]
			}
			ev, err := cfg.EvaluateWith(Input{Series: main, Frames: frames, Now: now})
			if enough && (err != nil || len(ev.Missing) > 0) {
				t.Fatalf("clean series of Lookback bars: %v %v", err, ev.Missing)
			}
		}

		state := NewState()
		for _, series := range []bars.Series{long[:min(lookback, len(long))], gappy, flat(1, 2, 3), nil} {
			ev, err := cfg.Evaluate(series)
			switch {
			case err == nil:
			case errors.Is(err, ErrNotEnoughData):
				if len(series) >= minBars {
					t.Fatalf("not enough data with %d bars, MinBars %d: %v", len(series), minBars, err)
				}
				continue
			case errors.Is(err, ErrMissingValue):
				if len(ev.Missing) == 0 {
					t.Fatalf("missing value without Missing: %v", err)
				}
				continue
			default:
				t.Fatalf("evaluate: %v", err)
			}
			now := ev.Bar.Time.Add(90 * time.Minute)
			d := cfg.Step(state, ev, now)
			if d.Fire && !ev.Matched {
				t.Fatal("fired on a false condition")
			}
			if _, err := json.Marshal(d.State); err != nil {
				t.Fatalf("state does not marshal: %v", err)
			}
			_ = cfg.Message(ev, now)
			state = d.State
		}
	})
}

// FuzzStep drives Step from arbitrary stored state and evaluations. It never
// panics, never fires on a false condition or after expiry, and its state
// always marshals and loads back unchanged.
func FuzzStep(f *testing.F) {
	configs := []*Config{}
	for _, doc := range []string{
		withRule(closeVs(">", 100)),
		withRule(closeVs(">", 100), `"rearm": {"type": "simple", "cooldown": 60}`, `"frequency": "every_time"`),
		withRule(closeVs("<", 100), `"rearm": {"type": "hysteresis", "threshold": 0.02, "cooldown": 300}`),
		withRule(closeVs(">", 100), `"rearm": {"type": "cooldown", "cooldown": 600}`, `"frequency": "once_per_bar_close"`),
		withRule(closeVs(">", 100), `"rearm": {"type": "persistence", "bars": 3}`, `"frequency": "once"`),
		withRule(closeVs("crosses", 100), `"rearm": {"type": "crossing", "cooldown": 60}`, `"expires_at": "2027-01-05T00:00:00Z"`),
	} {
		cfg, err := Parse([]byte(doc))
		if err != nil {
			f.Fatal(err)
		}
		configs = append(configs, cfg)
	}
	f.Add(uint8(0), []byte(`{}`), true, 101.0, 100.0, int64(0), int64(0))
	f.Add(uint8(2), []byte(`{"status": "TRIGGERED", "last_triggered_at": "2027-01-04T00:00:00Z", "side": "above"}`), true, 95.0, 100.0, int64(2), int64(7300))
	f.Add(uint8(5), []byte(`{"status": "COOLDOWN", "last_bar": "2027-01-04T05:00:00Z", "consecutive_true": 9}`), false, math.NaN(), 100.0, int64(-3), int64(-100))

	f.Fuzz(func(t *testing.T, pick uint8, stateJSON []byte, matched bool, value, level float64, barHours, nowSeconds int64) {
		cfg := configs[int(pick)%len(configs)]
		prev, err := LoadState(stateJSON)
		if err != nil {
			return
		}
		barHours %= 1 << 20
		nowSeconds %= 1 << 40
		ev := Evaluation{Matched: matched, Value: value, Level: level, Bar: bars.Bar{Time: t0.Add(time.Duration(barHours) * time.Hour)}}
		now := t0.Add(time.Duration(nowSeconds) * time.Second)
		d := cfg.Step(prev, ev, now)

		if d.Fire && !matched {
			t.Fatal("fired on a false condition")
		}
		if d.Fire && cfg.ExpiresAt != nil && !now.Before(*cfg.ExpiresAt) {
			t.Fatal("fired after expiry")
		}
		if d.Fire != (d.State.TriggerCount == prev.TriggerCount+1) {
			t.Fatalf("fire %v but trigger count %d -> %d", d.Fire, prev.TriggerCount, d.State.TriggerCount)
		}
		if d.Reason == "" {
			t.Fatal("no reason")
		}
		data, err := json.Marshal(d.State)
		if err != nil {
			t.Fatalf("state does not marshal: %v", err)
		}
		loaded, err := LoadState(data)
		if err != nil {
			t.Fatalf("state does not load: %v", err)
		}
		if !reflect.DeepEqual(loaded, d.State) {
			t.Fatalf("state round trip:\n%+v\n%+v", d.State, loaded)
		}
	})
}
