// Package bars holds the OHLCV bar and timeframe types shared by market-data
// providers, the alert engine and reports. It is pure: no I/O, no clock.
package bars

import (
	"fmt"
	"time"
)

// Bar is one OHLCV candle. Time is the bar's open time in UTC.
type Bar struct {
	Time   time.Time `json:"t"`
	Open   float64   `json:"o"`
	High   float64   `json:"h"`
	Low    float64   `json:"l"`
	Close  float64   `json:"c"`
	Volume float64   `json:"v"`
}

// Timeframe is a bar interval: 1m 5m 15m 30m 1h 4h 1d 1w.
type Timeframe string

// The supported timeframes.
const (
	M1  Timeframe = "1m"
	M5  Timeframe = "5m"
	M15 Timeframe = "15m"
	M30 Timeframe = "30m"
	H1  Timeframe = "1h"
	H4  Timeframe = "4h"
	D1  Timeframe = "1d"
	W1  Timeframe = "1w"
)

// Timeframes lists every supported timeframe, shortest first.
var Timeframes = []Timeframe{M1, M5, M15, M30, H1, H4, D1, W1}

// ParseTimeframe checks a timeframe string.
func ParseTimeframe(s string) (Timeframe, error) {
	for _, tf := range Timeframes {
		if string(tf) == s {
			return tf, nil
		}
	}
	return "", fmt.Errorf("timeframe %q: must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w", s)
}

// Duration is the length of one bar.
func (tf Timeframe) Duration() time.Duration {
	switch tf {
	case M1:
		return time.Minute
	case M5:
		return 5 * time.Minute
	case M15:
		return 15 * time.Minute
	case M30:
		return 30 * time.Minute
	case H1:
		return time.Hour
	case H4:
		return 4 * time.Hour
	case D1:
		return 24 * time.Hour
	case W1:
		return 7 * 24 * time.Hour
	}
	return 0
}

// Open returns the open time of the bar containing t (UTC; weeks start on
// Monday, days at 00:00 UTC).
func (tf Timeframe) Open(t time.Time) time.Time {
	t = t.UTC()
	switch tf {
	case D1:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case W1:
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		off := (int(d.Weekday()) + 6) % 7 // days since Monday
		return d.AddDate(0, 0, -off)
	}
	return t.Truncate(tf.Duration())
}

// Series is bars in ascending time order.
type Series []Bar

// Closes returns the close prices.
func (s Series) Closes() []float64 { return s.field(func(b Bar) float64 { return b.Close }) }

// Opens returns the open prices.
func (s Series) Opens() []float64 { return s.field(func(b Bar) float64 { return b.Open }) }

// Highs returns the high prices.
func (s Series) Highs() []float64 { return s.field(func(b Bar) float64 { return b.High }) }

// Lows returns the low prices.
func (s Series) Lows() []float64 { return s.field(func(b Bar) float64 { return b.Low }) }

// Volumes returns the volumes.
func (s Series) Volumes() []float64 { return s.field(func(b Bar) float64 { return b.Volume }) }

func (s Series) field(f func(Bar) float64) []float64 {
	out := make([]float64, len(s))
	for i, b := range s {
		out[i] = f(b)
	}
	return out
}

// Last returns the newest bar and whether there is one.
func (s Series) Last() (Bar, bool) {
	if len(s) == 0 {
		return Bar{}, false
	}
	return s[len(s)-1], true
}
