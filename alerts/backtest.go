package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// MaxBacktestBars bounds the series Backtest accepts: a million bars is
// about two years of minute bars.
const MaxBacktestBars = 1_000_000

// MaxBacktestTriggers bounds BacktestResult.Triggers: when an alert fires
// more often, Count still counts every trigger and PerWeek every week, but
// only the newest MaxBacktestTriggers are listed.
const MaxBacktestTriggers = 10_000

// ErrTooManyBars is returned by Backtest for a series longer than
// MaxBacktestBars.
var ErrTooManyBars = errors.New("too many bars")

// BacktestResult is how an alert would have fired over past bars.
type BacktestResult struct {
	// Symbol and Timeframe are the config's.
	Symbol    string `json:"symbol"`
	Timeframe string `json:"timeframe"`
	// BarsEvaluated counts the bars of the range the rule was decided on:
	// bars opening in [from, to) with enough history before them and no
	// missing value (the bars on which the worker would have stepped the
	// state machine).
	BarsEvaluated int `json:"bars_evaluated"`
	// Count is the number of triggers.
	Count int `json:"count"`
	// Triggers are the triggers in time order, the newest
	// MaxBacktestTriggers when there are more.
	Triggers []BacktestTrigger `json:"triggers"`
	// PerWeek counts the triggers per week, for every week from the one of
	// the first bar of the range to the one of its last bar (weeks without a
	// trigger count 0).
	PerWeek []WeekCount `json:"per_week"`
}

// BacktestTrigger is one bar on which the alert fired.
type BacktestTrigger struct {
	// Time is the bar's open time (as runs' bar_time and the csv time
	// column).
	Time time.Time `json:"time"`
	// Price is the bar's close; NaN when the bar has none (JSON null), as
	// on a bar that a volume-only rule could still decide.
	Price float64 `json:"price"`
	// Values holds every non-constant operand's value on the bar by label,
	// as Evaluation.Details.
	Values map[string]float64 `json:"values"`
}

// MarshalJSON writes the trigger with a missing price as null.
func (t BacktestTrigger) MarshalJSON() ([]byte, error) {
	var price *float64
	if finite(t.Price) {
		price = &t.Price
	}
	return json.Marshal(struct {
		Time   time.Time          `json:"time"`
		Price  *float64           `json:"price"`
		Values map[string]float64 `json:"values"`
	}{t.Time, price, t.Values})
}

// WeekCount is the number of triggers in one week.
type WeekCount struct {
	// Week is the date of the week's Monday (UTC), YYYY-MM-DD: the week
	// runs from that Monday 00:00 UTC for seven days (the ISO 8601 week,
	// named by its first day; bars.W1 buckets the same way).
	Week string `json:"week"`
	// Count is the number of triggers whose bar opened in that week.
	Count int `json:"count"`
}

// Backtest replays the alert over the bars of series that open in [from,
// to), one closed bar at a time, with the worker's engine: the same rule tree
// (evaluated on bar i as Evaluate evaluates series[:i+1]), the same re-arm
// state machine (Step, its state carried from bar to bar as the worker
// carries it between fires), frequency and expiry. Bar i is evaluated once,
// at its close (now = open time + the timeframe), as a worker firing at each
// bar's close would; bars without enough history or with a missing value are
// skipped, as the worker leaves the state alone on an evaluation error. Bars
// before from serve as history (warm-up) only.
//
// Indicators are computed once over the whole series, so recursive ones
// (ema, rsi, atr, macd) have converged from the series' start rather than
// from a Lookback-bar window: their values can differ from the worker's in
// the last decimals.
//
// It returns an error wrapping ErrTooManyBars for more than MaxBacktestBars
// bars, ErrBarOrder for unsorted bars, and the error of an operand that
// cannot be computed.
func (c *Config) Backtest(series bars.Series, from, to time.Time) (BacktestResult, error) {
	return c.BacktestWith(series, nil, from, to)
}

// BacktestWith is Backtest for a rule whose operands name other timeframes:
// frames holds their bars (see Input.Frames), covering the range and its
// warm-up (LookbackFor bars before from). At each bar, an operand on another
// timeframe reads that timeframe's last bar closed by the bar's close, as the
// worker reads it at that time: no look-ahead.
func (c *Config) BacktestWith(series bars.Series, frames map[bars.Timeframe]bars.Series, from, to time.Time) (BacktestResult, error) {
	res := BacktestResult{Symbol: c.Ticker, Timeframe: string(c.Timeframe), Triggers: []BacktestTrigger{}, PerWeek: []WeekCount{}}
	if len(series) > MaxBacktestBars {
		return res, fmt.Errorf("%w: %d bars, at most %d", ErrTooManyBars, len(series), MaxBacktestBars)
	}
	if err := checkOrder(series); err != nil {
		return res, err
	}
	for tf, s := range frames {
		if err := checkOrder(s); err != nil {
			return res, fmt.Errorf("%s bars: %w", tf, err)
		}
	}
	start := sort.Search(len(series), func(i int) bool { return !series[i].Time.Before(from) })
	end := sort.Search(len(series), func(i int) bool { return !series[i].Time.Before(to) })
	if start >= end {
		return res, nil
	}

	e := c.newEvaluator(series, frames, time.Time{})
	d := c.Timeframe.Duration()
	state := NewState()
	var fired []int
	for i := max(start, e.need-1); i < end; i++ {
		ev, err := e.at(i, false)
		if err != nil {
			if errors.Is(err, ErrMissingValue) {
				continue
			}
			return res, fmt.Errorf("backtest bar %d: %w", i, err)
		}
		res.BarsEvaluated++
		if c.step(&state, &ev, series[i].Time.Add(d), true) == reasonFired {
			fired = append(fired, i)
		}
	}

	res.Count = len(fired)
	res.PerWeek = perWeek(series[start:end], series, fired)
	kept := fired[max(0, len(fired)-MaxBacktestTriggers):]
	res.Triggers = make([]BacktestTrigger, len(kept))
	for k, i := range kept {
		ev, err := e.at(i, true)
		if err != nil {
			return res, fmt.Errorf("backtest bar %d: %w", i, err)
		}
		res.Triggers[k] = BacktestTrigger{Time: series[i].Time.UTC(), Price: series[i].Close, Values: ev.Details}
	}
	return res, nil
}

// perWeek counts the fired bars (indexes into series) per week, from the
// week of the range's first bar to the week of its last.
func perWeek(inRange, series bars.Series, fired []int) []WeekCount {
	first := bars.W1.Open(inRange[0].Time.UTC())
	last := bars.W1.Open(inRange[len(inRange)-1].Time.UTC())
	const week = 7 * 24 * time.Hour
	out := make([]WeekCount, int(last.Sub(first)/week)+1)
	for k := range out {
		out[k].Week = first.Add(time.Duration(k) * week).Format(time.DateOnly)
	}
	for _, i := range fired {
		out[int(bars.W1.Open(series[i].Time.UTC()).Sub(first)/week)].Count++
	}
	return out
}
