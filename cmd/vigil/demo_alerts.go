package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/marketdata"
)

// demoAlert is one alert of the demo.
type demoAlert struct {
	name   string
	params map[string]any
}

// demoAlerts picks, on the synthetic market, a price-level, an RSI, a
// moving-average and a channel alert whose rule holds now and for the next
// minute, so a newcomer sees each fire (and a notification queued) within a
// minute of `make run`. The market is deterministic, so this is a check, not
// a guess.
func demoAlerts(ctx context.Context, now time.Time) ([]demoAlert, error) {
	type candidate struct {
		name  string
		build func(close float64) map[string]any
	}
	rule := func(symbol string, r map[string]any, tmpl string) map[string]any {
		return map[string]any{"ticker": symbol, "timeframe": "1m", "rule": r,
			"notify": map[string]any{"channels": []string{"telegram", "email"}, "message_template": tmpl}}
	}
	cond := func(left any, op string, right any) map[string]any {
		c := map[string]any{"operator": op}
		switch l := left.(type) {
		case string:
			c["indicator"] = l
		case map[string]any:
			for k, v := range l {
				c[k] = v
			}
		}
		switch r := right.(type) {
		case float64:
			c["value"] = r
		default:
			c["right"] = r
		}
		return c
	}
	sma := func(p int) map[string]any { return map[string]any{"indicator": "sma", "period": p} }
	rsi := map[string]any{"indicator": "rsi", "period": 14}
	band := func(out string) map[string]any { return map[string]any{"indicator": "bollinger", "output": out} }
	channel := func(op string) map[string]any {
		return map[string]any{"indicator": "close", "operator": op, "lower": band("lower"), "upper": band("upper")}
	}
	groups := [][]candidate{
		{{"demo alert: AAPL price level", func(c float64) map[string]any {
			level := math.Floor(c * 0.9)
			return rule("AAPL", cond("close", ">", level), "{ticker} is above "+fmt.Sprint(level)+": {price} ({triggered_at})")
		}}},
		{
			{"demo alert: NVDA RSI not overbought", func(float64) map[string]any {
				return rule("NVDA", cond(rsi, "<", 70.0), "{ticker} RSI(14) is {value}, below 70 ({triggered_at})")
			}},
			{"demo alert: NVDA RSI not oversold", func(float64) map[string]any {
				return rule("NVDA", cond(rsi, ">", 30.0), "{ticker} RSI(14) is {value}, above 30 ({triggered_at})")
			}},
		},
		{},
		{},
	}
	for _, sym := range []string{"MSFT", "AMZN", "GOOGL", "META"} {
		groups[2] = append(groups[2],
			candidate{"demo alert: " + sym + " SMA(5) above SMA(50)", func(float64) map[string]any {
				return rule(sym, cond(sma(5), ">", sma(50)), "{ticker}: SMA(5) {value} is above SMA(50) {level} ({triggered_at})")
			}},
			candidate{"demo alert: " + sym + " SMA(5) below SMA(50)", func(float64) map[string]any {
				return rule(sym, cond(sma(5), "<", sma(50)), "{ticker}: SMA(5) {value} is below SMA(50) {level} ({triggered_at})")
			}})
	}
	for _, sym := range []string{"BTCUSDT", "ETHUSDT", "SPY", "QQQ"} {
		groups[3] = append(groups[3],
			candidate{"demo alert: " + sym + " inside its Bollinger bands", func(float64) map[string]any {
				return rule(sym, channel("inside_channel"), "{ticker} trades inside its Bollinger bands at {price} ({triggered_at})")
			}})
	}

	var out []demoAlert
	for _, g := range groups {
		picked := false
		for _, c := range g {
			ok, err := holdsForAMinute(ctx, c.build, now)
			if err != nil {
				return nil, err
			}
			if ok {
				// Rebuild with the price at now for the level alert.
				params, err := withClose(ctx, c.build, now)
				if err != nil {
					return nil, err
				}
				out = append(out, demoAlert{name: c.name, params: params})
				picked = true
				break
			}
		}
		if !picked && len(g) > 0 {
			params, err := withClose(ctx, g[0].build, now)
			if err != nil {
				return nil, err
			}
			out = append(out, demoAlert{name: g[0].name, params: params})
		}
	}
	return out, nil
}

// withClose builds a candidate's params with the symbol's close at now.
func withClose(ctx context.Context, build func(float64) map[string]any, now time.Time) (map[string]any, error) {
	probe := build(0)
	symbol, _ := probe["ticker"].(string)
	syn := &marketdata.Synthetic{Now: func() time.Time { return now }}
	s, err := syn.Bars(ctx, symbol, bars.M1, now.Add(-5*time.Minute), now.Add(time.Minute))
	if err != nil {
		return nil, err
	}
	last, ok := s.Last()
	if !ok {
		return nil, fmt.Errorf("demo: no synthetic bars for %s", symbol)
	}
	return build(last.Close), nil
}

// holdsForAMinute reports whether the candidate's rule matches on the
// synthetic market at now and every 5 s over the next minute.
func holdsForAMinute(ctx context.Context, build func(float64) map[string]any, now time.Time) (bool, error) {
	params, err := withClose(ctx, build, now)
	if err != nil {
		return false, err
	}
	raw, _ := json.Marshal(params)
	cfg, err := alerts.Parse(raw)
	if err != nil {
		return false, fmt.Errorf("demo alert config: %w", err)
	}
	for off := time.Duration(0); off <= 75*time.Second; off += 5 * time.Second {
		at := now.Add(off)
		syn := &marketdata.Synthetic{Now: func() time.Time { return at }}
		n := cfg.Lookback()
		s, err := syn.Bars(ctx, cfg.Ticker, cfg.Timeframe, at.Add(-time.Duration(n+1)*cfg.Timeframe.Duration()), at.Add(time.Second))
		if err != nil {
			return false, err
		}
		ev, err := cfg.EvaluateAt(s, at)
		if err != nil || !ev.Matched {
			return false, nil
		}
	}
	return true, nil
}
