package alerts

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
)

// tick is one evaluation fed to Step: the bar index, seconds after t0, the
// evaluation's outcome, and what Step must decide.
type tick struct {
	bar     int
	at      int // seconds after t0
	matched bool
	value   float64
	level   float64
	fire    bool
	reason  string // exact Decision.Reason
	status  string // State.Status after the step; "" skips the check
}

// run feeds ticks through Step from a fresh state, round-tripping the state
// through JSON between steps as the worker does, and returns the last state.
func run(t *testing.T, cfg *Config, ticks []tick) State {
	t.Helper()
	state, err := LoadState(nil)
	require.NoError(t, err)
	for i, tk := range ticks {
		ev := Evaluation{Matched: tk.matched, Value: tk.value, Level: tk.level, Bar: bars.Bar{Time: hour(tk.bar)}}
		d := cfg.Step(state, ev, t0.Add(time.Duration(tk.at)*time.Second))
		require.Equal(t, tk.fire, d.Fire, "tick %d %+v: %s", i, tk, d.Reason)
		require.Equal(t, tk.reason, d.Reason, "tick %d %+v", i, tk)
		if tk.status != "" {
			require.Equal(t, tk.status, d.State.Status, "tick %d %+v: %s", i, tk, d.Reason)
		}
		data, err := json.Marshal(d.State)
		require.NoError(t, err)
		state, err = LoadState(data)
		require.NoError(t, err)
		require.Equal(t, d.State, state, "state round trip")
	}
	return state
}

// on and off are evaluations of close vs 100.
func on(bar, at int, value float64) tick {
	return tick{bar: bar, at: at, matched: true, value: value, level: 100}
}

func off(bar, at int, value float64) tick {
	return tick{bar: bar, at: at, matched: false, value: value, level: 100}
}

func (tk tick) want(fire bool, reason, status string) tick {
	tk.fire, tk.reason, tk.status = fire, reason, status
	return tk
}

const (
	waitFalse = "waiting for the condition to turn false before re-arming"
	thisBar   = "already fired this bar"
	falseCond = "condition false"
)

func TestStep_NoRearmIsEdgeTriggered(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100)))
	state := run(t, cfg, []tick{
		on(0, 0, 101).want(true, "fired", StatusTriggered), // the first evaluation fires
		on(0, 60, 102).want(false, waitFalse, StatusTriggered),
		on(1, 3600, 103).want(false, waitFalse, StatusTriggered), // never repeats while true
		on(2, 7200, 103).want(false, waitFalse, StatusTriggered),
		off(3, 10800, 99).want(false, falseCond, StatusArmed), // re-armed
		off(4, 14400, 99).want(false, falseCond, StatusArmed),
		on(5, 18000, 101).want(true, "fired", StatusTriggered),
	})
	require.Equal(t, 2, state.TriggerCount)
	require.Equal(t, 7, state.EvaluationCount)
	require.Equal(t, hour(5), *state.LastTriggerBar)
	require.Equal(t, t0.Add(18000*time.Second), *state.LastTriggeredAt)
	require.Equal(t, 101.0, *state.LastTriggerValue)
	require.Equal(t, t0.Add(10800*time.Second), *state.ArmedAt)
}

// Flicker within one bar re-arms an edge-triggered alert, but once_per_bar
// (the default) still fires once per bar.
func TestStep_EdgeFlickerWithinBar(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100)))
	require.Equal(t, FrequencyOncePerBar, cfg.Frequency)
	run(t, cfg, []tick{
		on(0, 0, 101).want(true, "fired", StatusTriggered),
		off(0, 60, 99).want(false, falseCond, StatusArmed),
		on(0, 120, 101).want(false, thisBar, StatusArmed),
		on(1, 3600, 101).want(true, "fired", StatusTriggered),
	})

	cfg = mustParse(t, withRule(closeVs(">", 100), `"frequency": "every_time"`))
	run(t, cfg, []tick{
		on(0, 0, 101).want(true, "fired", StatusArmed),
		on(0, 60, 101).want(true, "fired", StatusArmed), // every_time drops edge triggering
		off(0, 120, 99).want(false, falseCond, StatusArmed),
		on(0, 180, 101).want(true, "fired", StatusArmed),
	})
}

func TestStep_Simple(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "simple"}`))
	run(t, cfg, []tick{
		on(0, 0, 101).want(true, "fired", StatusArmed),
		on(0, 60, 101).want(false, thisBar, StatusArmed),
		on(1, 3600, 101).want(true, "fired", StatusArmed), // re-armed at once: fires again on the next bar
		on(2, 7200, 101).want(true, "fired", StatusArmed),
		off(3, 10800, 99).want(false, falseCond, StatusArmed),
	})

	cfg = mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "simple"}`, `"frequency": "every_time"`))
	run(t, cfg, []tick{
		on(0, 0, 101).want(true, "fired", StatusArmed),
		on(0, 60, 101).want(true, "fired", StatusArmed),
	})
}

func TestStep_Cooldown(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "cooldown", "cooldown": 300}`, `"frequency": "every_time"`))
	run(t, cfg, []tick{
		on(0, 0, 101).want(true, "fired", StatusCooldown),
		on(0, 60, 101).want(false, "cooldown until 2027-01-04T00:05:00Z", StatusCooldown),
		off(0, 120, 99).want(false, falseCond, StatusCooldown),
		on(0, 299, 101).want(false, "cooldown until 2027-01-04T00:05:00Z", StatusCooldown),
		on(0, 300, 101).want(true, "fired", StatusCooldown), // exactly at the end of the cooldown
		off(0, 700, 99).want(false, falseCond, StatusArmed),
		on(0, 701, 101).want(true, "fired", StatusCooldown),
	})

	// With the default once_per_bar the cooldown is on top of the bar limit.
	cfg = mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "cooldown", "cooldown": 60}`))
	run(t, cfg, []tick{
		on(0, 0, 101).want(true, "fired", StatusCooldown),
		on(0, 120, 101).want(false, thisBar, StatusArmed),
		on(1, 3600, 101).want(true, "fired", StatusCooldown),
	})
}

func TestStep_Hysteresis(t *testing.T) {
	t.Parallel()

	t.Run("Above", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "hysteresis", "threshold": 0.02}`))
		run(t, cfg, []tick{
			on(0, 0, 101).want(true, "fired", StatusTriggered),
			off(1, 3600, 99).want(false, falseCond, StatusTriggered), // below 100 but not 98
			on(2, 7200, 101).want(false, "waiting for hysteresis re-arm: close (101.00) must fall to <= 98.00", StatusTriggered),
			off(3, 10800, 98).want(false, falseCond, StatusArmed), // exactly at the band re-arms
			on(4, 14400, 100.5).want(true, "fired", StatusTriggered),
			off(5, 18000, 97).want(false, falseCond, StatusArmed),
			on(6, 21600, 101).want(true, "fired", StatusTriggered),
		})
	})

	t.Run("Below", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs("<", 100), `"rearm": {"type": "hysteresis", "threshold": 0.05}`))
		run(t, cfg, []tick{
			on(0, 0, 99).want(true, "fired", StatusTriggered),
			off(1, 3600, 104).want(false, falseCond, StatusTriggered),
			on(2, 7200, 99).want(false, "waiting for hysteresis re-arm: close (99.00) must rise to >= 105.00", StatusTriggered),
			off(3, 10800, 105).want(false, falseCond, StatusArmed),
			on(4, 14400, 99).want(true, "fired", StatusTriggered),
		})
	})

	// not(close > 100) fires at or below 100, so it re-arms above the band.
	t.Run("Negated", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"operator": "not", "conditions": [`+closeVs(">", 100)+`]}`, `"rearm": {"type": "hysteresis", "threshold": 0.01}`))
		run(t, cfg, []tick{
			{bar: 0, matched: true, value: 99, level: 100, fire: true, reason: "fired"},
			{bar: 1, matched: false, value: 100.5, level: 100, reason: falseCond, status: StatusTriggered},
			{bar: 2, matched: false, value: 101, level: 100, reason: falseCond, status: StatusArmed},
		})
	})

	// A moving level (close crosses_above sma) re-arms against its current value.
	t.Run("MovingLevel", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "sma", "period": 50}}`,
			`"rearm": {"type": "hysteresis", "threshold": 0.1}`))
		run(t, cfg, []tick{
			{bar: 0, matched: true, value: 51, level: 50, fire: true, reason: "fired"},
			{bar: 1, matched: false, value: 46, level: 50, reason: falseCond, status: StatusTriggered},
			{bar: 2, matched: false, value: 46, level: 52, reason: falseCond, status: StatusArmed}, // 46 <= 52·0.9
		})
	})

	t.Run("ZeroLevel", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(`{"indicator": "macd", "output": "histogram", "operator": ">", "value": 0}`, `"rearm": {"type": "hysteresis", "threshold": 0.5}`))
		run(t, cfg, []tick{
			{bar: 0, matched: true, value: 0.1, level: 0, fire: true, reason: "fired"},
			{bar: 1, matched: false, value: 0, level: 0, reason: falseCond, status: StatusArmed}, // a zero level has a zero band
		})
	})

	t.Run("MissingValueDoesNotRearm", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "hysteresis", "threshold": 0.02}`))
		run(t, cfg, []tick{
			on(0, 0, 101).want(true, "fired", StatusTriggered),
			{bar: 1, matched: false, value: math.NaN(), level: 100, reason: falseCond, status: StatusTriggered},
		})
	})
}

// The design's example: hysteresis 2% and a 300 s cooldown, both required.
func TestStep_HysteresisWithCooldown(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, design)
	rsi := func(bar, at int, matched bool, v float64) tick {
		return tick{bar: bar, at: at, matched: matched, value: v, level: 70}
	}
	run(t, cfg, []tick{
		rsi(0, 0, true, 72).want(true, "fired", StatusTriggered),
		rsi(0, 30, false, 69).want(false, falseCond, StatusTriggered),
		rsi(0, 60, false, 68.6).want(false, falseCond, StatusCooldown), // band reached, cooldown not over
		rsi(0, 120, true, 71).want(false, "cooldown until 2027-01-04T00:05:00Z", StatusCooldown),
		rsi(1, 3600, true, 71).want(true, "fired", StatusTriggered),
		// The cooldown is over but the band is not reached.
		rsi(2, 7200, false, 69).want(false, falseCond, StatusTriggered),
		rsi(3, 10800, true, 75).want(false, "waiting for hysteresis re-arm: rsi(14) (75.00) must fall to <= 68.60", StatusTriggered),
		rsi(4, 14400, false, 60).want(false, falseCond, StatusArmed),
		rsi(5, 18000, true, 71).want(true, "fired", StatusTriggered),
	})
}

func TestStep_Persistence(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "persistence", "bars": 3}`))
	state := run(t, cfg, []tick{
		on(0, 0, 101).want(false, "persistence 1/3", StatusArmed),
		on(0, 60, 101).want(false, "persistence 1/3", StatusArmed), // one bar counts once
		off(0, 120, 99).want(false, falseCond, StatusArmed),
		on(0, 180, 101).want(false, "persistence 1/3", StatusArmed), // the bar's latest evaluation counts
		on(1, 3600, 101).want(false, "persistence 2/3", StatusArmed),
		off(2, 7200, 99).want(false, falseCond, StatusArmed), // streak broken
		on(3, 10800, 101).want(false, "persistence 1/3", StatusArmed),
		on(4, 14400, 101).want(false, "persistence 2/3", StatusArmed),
		on(5, 18000, 101).want(true, "fired", StatusTriggered),
		on(6, 21600, 101).want(false, waitFalse, StatusTriggered), // then edge-triggered
		off(7, 25200, 99).want(false, falseCond, StatusArmed),
		on(8, 28800, 101).want(false, "persistence 1/3", StatusArmed),
		on(9, 32400, 101).want(false, "persistence 2/3", StatusArmed),
		on(10, 36000, 101).want(true, "fired", StatusTriggered),
	})
	require.Equal(t, 3, state.ConsecutiveTrue)

	// Missed evaluations (a skipped bar) do not break the streak: it counts
	// evaluated bars.
	run(t, cfg, []tick{
		on(0, 0, 101).want(false, "persistence 1/3", ""),
		on(5, 18000, 101).want(false, "persistence 2/3", ""),
		on(9, 32400, 101).want(true, "fired", ""),
	})
}

func TestStep_PersistenceWithCooldown(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "simple", "bars": 2, "cooldown": 7200}`))
	run(t, cfg, []tick{
		on(0, 0, 101).want(false, "persistence 1/2", StatusArmed),
		on(1, 3600, 101).want(true, "fired", StatusCooldown),
		on(2, 7199, 101).want(false, "cooldown until 2027-01-04T03:00:00Z", StatusCooldown),
		on(3, 10800, 101).want(true, "fired", StatusCooldown),
	})
}

func TestStep_Crossing(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "crossing"}`))
	state := run(t, cfg, []tick{
		on(0, 0, 101).want(false, "waiting for a side change (first side seen: above the level)", StatusArmed),
		off(1, 3600, 99).want(false, falseCond, StatusArmed),
		on(2, 7200, 101).want(true, "fired", StatusTriggered),
		on(2, 7260, 102).want(false, "waiting for the value to cross back (still above the level)", StatusTriggered),
		off(3, 10800, 100).want(false, falseCond, StatusTriggered), // at the level: side unchanged
		on(4, 14400, 101).want(false, "waiting for the value to cross back (still above the level)", StatusTriggered),
		off(5, 18000, 99.5).want(false, falseCond, StatusArmed),
		on(6, 21600, 100.5).want(true, "fired", StatusTriggered),
	})
	require.Equal(t, SideAbove, state.Side)
	require.Equal(t, 100.5, *state.LastValue)

	// A rule on both directions fires on every side change.
	cfg = mustParse(t, withRule(closeVs("crosses", 100), `"rearm": {"type": "crossing"}`))
	run(t, cfg, []tick{
		{bar: 0, matched: false, value: 99, level: 100, reason: falseCond},
		{bar: 1, matched: true, value: 101, level: 100, fire: true, reason: "fired"},
		{bar: 2, matched: true, value: 99, level: 100, fire: true, reason: "fired"},
	})
}

func TestStep_CrossingWithCooldown(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "crossing", "cooldown": 3600}`, `"frequency": "every_time"`))
	run(t, cfg, []tick{
		off(0, 0, 99).want(false, falseCond, StatusArmed),
		on(0, 60, 101).want(true, "fired", StatusTriggered),
		off(0, 120, 99).want(false, falseCond, StatusCooldown),
		on(0, 180, 101).want(false, "cooldown until 2027-01-04T01:01:00Z", StatusCooldown), // suppressed, not deferred
		on(1, 3700, 101).want(false, "no side change (still above the level)", StatusArmed),
		off(1, 3800, 99).want(false, falseCond, StatusArmed),
		on(1, 3900, 101).want(true, "fired", StatusTriggered),
	})
}

func TestStep_FrequencyOnce(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"frequency": "once"`, `"rearm": {"type": "simple"}`))
	run(t, cfg, []tick{
		off(0, 0, 99).want(false, falseCond, StatusArmed),
		on(1, 3600, 101).want(true, "fired", StatusTriggered),
		off(2, 7200, 99).want(false, "already fired (frequency once)", StatusTriggered),
		on(3, 10800, 101).want(false, "already fired (frequency once)", StatusTriggered),
	})
}

func TestStep_OncePerBarClose(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"frequency": "once_per_bar_close"`, `"rearm": {"type": "simple"}`))
	run(t, cfg, []tick{
		on(1, 3600+60, 101).want(false, "bar still open until 2027-01-04T02:00:00Z", StatusArmed),
		on(0, 3600+120, 101).want(true, "fired", StatusArmed), // the closed bar
		on(0, 3600+180, 101).want(false, thisBar, StatusArmed),
		on(1, 7200, 101).want(true, "fired", StatusArmed),
	})
}

func TestStep_Expiry(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "simple"}`, `"expires_at": "2027-01-04T02:00:00+01:00"`))
	require.Equal(t, time.Date(2027, 1, 4, 1, 0, 0, 0, time.UTC), *cfg.ExpiresAt)
	state := run(t, cfg, []tick{
		on(0, 3599, 101).want(true, "fired", StatusArmed),
		on(1, 3600, 101).want(false, "expired", StatusArmed),
		on(2, 7200, 101).want(false, "expired", StatusArmed),
	})
	require.Equal(t, 1, state.EvaluationCount, "an expired alert's state is left alone")
}

func TestStep_StaleBar(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "simple"}`))
	run(t, cfg, []tick{
		on(2, 7200, 101).want(true, "fired", StatusArmed),
		on(1, 7260, 101).want(false, "stale bar 2027-01-04T01:00:00Z: already evaluated the bar of 2027-01-04T02:00:00Z", StatusArmed),
	})
}

// A state written under another rearm type (the user edited the alert) never
// wedges the alert.
func TestStep_StateFromOtherConfig(t *testing.T) {
	t.Parallel()
	prev := State{Status: StatusTriggered, TriggerCount: 3}
	cfg := mustParse(t, withRule(closeVs(">", 100), `"rearm": {"type": "simple"}`))
	d := cfg.Step(prev, Evaluation{Matched: true, Value: 101, Level: 100, Bar: bars.Bar{Time: t0}}, t0)
	require.True(t, d.Fire)

	prev = State{Status: StatusCooldown, LastTriggeredAt: &t0}
	cfg = mustParse(t, withRule(closeVs(">", 100)))
	d = cfg.Step(prev, Evaluation{Matched: true, Value: 101, Level: 100, Bar: bars.Bar{Time: t0}}, t0)
	require.True(t, d.Fire, "no cooldown configured any more")

	d = cfg.Step(State{Status: "BOGUS"}, Evaluation{Matched: true, Bar: bars.Bar{Time: t0}}, t0)
	require.True(t, d.Fire)
	require.Equal(t, StatusTriggered, d.State.Status)
}

// Step does not modify the state it is given.
func TestStep_PrevUnchanged(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(closeVs(">", 100)))
	d := cfg.Step(NewState(), Evaluation{Matched: true, Value: 101, Level: 100, Bar: bars.Bar{Time: t0}}, t0)
	prev := d.State
	snapshot, err := json.Marshal(prev)
	require.NoError(t, err)
	cfg.Step(prev, Evaluation{Matched: false, Value: 99, Level: 100, Bar: bars.Bar{Time: hour(1)}}, hour(1))
	after, err := json.Marshal(prev)
	require.NoError(t, err)
	require.JSONEq(t, string(snapshot), string(after))
}

// Evaluate and Step together on a price path: the design example fires once
// per excursion above 150 with RSI > 70, not on every bar.
func TestEvaluateAndStep(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, design)

	var closes []float64
	for i := range 40 { // slow rise to 140
		closes = append(closes, 100+float64(i))
	}
	for i := range 10 { // breakout above 150
		closes = append(closes, 145+3*float64(i))
	}
	for i := range 20 { // fall back: RSI drops below 68.6
		closes = append(closes, 170-2*float64(i))
	}
	for i := range 10 { // second breakout
		closes = append(closes, 135+5*float64(i))
	}
	series := flat(closes...)
	state := NewState()
	var fired []int
	for i := cfg.MinBars(); i <= len(series); i++ {
		ev, err := cfg.Evaluate(series[:i])
		require.NoError(t, err)
		now := series[i-1].Time.Add(time.Minute)
		d := cfg.Step(state, ev, now)
		if d.Fire {
			fired = append(fired, i-1)
			require.Equal(t, "Alert triggered for AAPL", cfg.Message(ev, now))
		}
		state = d.State
	}
	// Bar 42 is the first close above 150 (151, RSI 100); the fall takes RSI
	// below 68.6 at bar 55, re-arming it; on the second rise close passes 150
	// at bar 74 but RSI only passes 70 at bar 76 (70.7). The 14 bars above
	// both levels in between fire nothing.
	require.Equal(t, []int{42, 76}, fired)
}
