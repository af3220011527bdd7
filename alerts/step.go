package alerts

import (
	"fmt"
	"math"
	"time"
)

// Decision is the outcome of Step.
type Decision struct {
	// Fire reports whether to send the alert now.
	Fire bool
	// State is the state to store, whether or not the alert fired.
	State State
	// Reason says why it fired or did not: "fired", "condition false",
	// "cooldown until 2027-01-02T15:09:00Z", "waiting for hysteresis
	// re-arm: ...", "persistence 2/3", "already fired this bar", "expired",
	// ...
	Reason string

	// code is Reason as the state machine decided it, for Explain.
	code reason
}

// reason is why step fired or did not, without the details Reason spells
// out (a backtest needs only the code, and builds no string).
type reason uint8

const (
	reasonFired        reason = iota
	reasonExpired             // ExpiresAt passed
	reasonStale               // an older bar than the last one seen
	reasonBarOpen             // once_per_bar_close and the bar is open
	reasonOnce                // frequency once, already fired
	reasonFalse               // the condition is false
	reasonWaitRearm           // TRIGGERED: the re-arm rule has not let go
	reasonCooldown            // re-armed but within the cooldown
	reasonNoSideChange        // crossing rearm, no side change
	reasonPersistence         // not yet held for rearm.bars bars
	reasonThisBar             // already fired on this bar
)

// short is the reason without details, as Backtest's state machine keeps it.
var short = [...]string{
	reasonFired:        "fired",
	reasonExpired:      "expired",
	reasonStale:        "stale bar",
	reasonBarOpen:      "bar still open",
	reasonOnce:         "already fired (frequency once)",
	reasonFalse:        "condition false",
	reasonWaitRearm:    "waiting for re-arm",
	reasonCooldown:     "cooldown",
	reasonNoSideChange: "no side change",
	reasonPersistence:  "persistence",
	reasonThisBar:      "already fired this bar",
}

// Step runs the re-arm state machine: given the stored state, a fresh
// evaluation and the current time, it decides whether the alert fires and
// returns the state to store. It is pure. Call it only with an Evaluation
// that Evaluate returned without error; on an error keep the stored state,
// so that missing data neither fires nor re-arms the alert.
//
// See the package documentation for the rules.
func (c *Config) Step(prev State, ev Evaluation, now time.Time) Decision {
	prev = prev.normalised()
	s := prev
	code := c.step(&s, &ev, now, false)
	return Decision{Fire: code == reasonFired, State: s, Reason: c.reasonText(code, &prev, &s, &ev, now), code: code}
}

// reasonText spells out a step's reason from the states before and after it.
func (c *Config) reasonText(code reason, prev, s *State, ev *Evaluation, now time.Time) string {
	bar := ev.Bar.Time.UTC()
	switch code {
	case reasonStale:
		return fmt.Sprintf("stale bar %s: already evaluated the bar of %s", formatTime(bar), formatTime(*prev.LastBar))
	case reasonBarOpen:
		return "bar still open until " + formatTime(bar.Add(c.Timeframe.Duration()))
	case reasonWaitRearm:
		return c.waitReason(ev)
	case reasonCooldown:
		until, _ := c.cooldownUntil(s, now.UTC())
		return "cooldown until " + formatTime(until)
	case reasonNoSideChange:
		if prev.Side == "" {
			return "waiting for a side change (first side seen: " + sideName(s.Side) + ")"
		}
		return "no side change (still " + sideName(s.Side) + ")"
	case reasonPersistence:
		return fmt.Sprintf("persistence %d/%d", s.ConsecutiveTrue, c.persistenceBars())
	}
	return short[code]
}

// step is Step on *s, changed in place. Step and Backtest share it, so a
// backtest replays exactly the worker's state machine.
//
// With replay false (Step), s's pointer fields are pointed at new values and
// never written through, because s shares them with the caller's state. With
// replay true (Backtest), s owns its pointers: they are written through once
// allocated, so that a step allocates nothing.
func (c *Config) step(s *State, ev *Evaluation, now time.Time, replay bool) reason {
	if s.Status != StatusTriggered && s.Status != StatusCooldown {
		s.Status = StatusArmed
	}
	now = now.UTC()
	bar := ev.Bar.Time.UTC()

	if c.ExpiresAt != nil && !now.Before(*c.ExpiresAt) {
		return reasonExpired
	}
	if s.LastBar != nil && bar.Before(*s.LastBar) {
		return reasonStale
	}
	if c.Frequency == FrequencyOncePerBarClose && !c.barClosed(bar, now) {
		return reasonBarOpen
	}

	// Bookkeeping: streak per bar, value and side.
	if s.LastBar == nil || bar.After(*s.LastBar) {
		s.StreakBeforeBar = s.ConsecutiveTrue
	}
	if ev.Matched {
		s.ConsecutiveTrue = s.StreakBeforeBar + 1
	} else {
		s.ConsecutiveTrue = 0
	}
	setTime(&s.LastBar, bar, replay)
	setTime(&s.LastEvaluatedAt, now, replay)
	s.EvaluationCount++
	s.LastMatched = ev.Matched
	if finite(ev.Value) {
		setFloat(&s.LastValue, ev.Value, replay)
	}
	prevSide := s.Side
	if side := sideOf(ev.Value, ev.Level); side != "" {
		s.Side = side
	}
	crossed := prevSide != "" && s.Side != prevSide
	if s.ArmedAt == nil && s.Status == StatusArmed {
		setTime(&s.ArmedAt, now, replay)
	}

	if c.Frequency == FrequencyOnce && s.TriggerCount > 0 {
		s.Status = StatusTriggered
		return reasonOnce
	}

	// Re-arm, then the cooldown gate.
	if s.Status == StatusTriggered && c.rearmed(ev, crossed) {
		s.Status = StatusArmed
		setTime(&s.ArmedAt, now, replay)
	}
	_, cooling := c.cooldownUntil(s, now)
	if s.Status != StatusTriggered {
		if cooling {
			s.Status = StatusCooldown
		} else if s.Status == StatusCooldown {
			s.Status = StatusArmed
			setTime(&s.ArmedAt, now, replay)
		}
	}

	switch {
	case !ev.Matched:
		return reasonFalse
	case s.Status == StatusTriggered:
		return reasonWaitRearm
	case s.Status == StatusCooldown:
		return reasonCooldown
	case c.rearmType() == RearmCrossing && !crossed:
		return reasonNoSideChange
	case s.ConsecutiveTrue < c.persistenceBars():
		return reasonPersistence
	case c.Frequency != FrequencyEveryTime && s.LastTriggerBar != nil && s.LastTriggerBar.Equal(bar):
		return reasonThisBar
	}

	s.TriggerCount++
	setTime(&s.LastTriggeredAt, now, replay)
	setTime(&s.LastTriggerBar, bar, replay)
	if finite(ev.Value) {
		setFloat(&s.LastTriggerValue, ev.Value, replay)
	}
	s.Status = c.statusAfterFire()
	if s.Status == StatusArmed {
		setTime(&s.ArmedAt, now, replay)
	}
	return reasonFired
}

// setTime sets *p to t: through the pointer when the state owns it
// (inPlace, once allocated), else by pointing *p at a new copy.
func setTime(p **time.Time, t time.Time, inPlace bool) {
	if inPlace && *p != nil {
		**p = t
		return
	}
	v := new(time.Time)
	*v = t
	*p = v
}

// setFloat is setTime for a float.
func setFloat(p **float64, f float64, inPlace bool) {
	if inPlace && *p != nil {
		**p = f
		return
	}
	v := new(float64)
	*v = f
	*p = v
}

// rearmType is the configured rearm type, "" for none.
func (c *Config) rearmType() string {
	if c.Rearm == nil {
		return ""
	}
	return c.Rearm.Type
}

func (c *Config) persistenceBars() int {
	if c.Rearm == nil {
		return 0
	}
	return c.Rearm.Bars
}

// rearmed reports whether a TRIGGERED alert re-arms on this evaluation.
func (c *Config) rearmed(ev *Evaluation, crossed bool) bool {
	switch c.rearmType() {
	case "":
		return c.Frequency == FrequencyEveryTime || !ev.Matched
	case RearmSimple, RearmCooldown:
		return true
	case RearmHysteresis:
		up, ok := c.hysteresisUp()
		if !ok {
			return !ev.Matched
		}
		bound := c.hysteresisBound(ev.Level, up)
		if math.IsNaN(ev.Value) || math.IsNaN(bound) {
			return false
		}
		if up {
			return compare(ev.Value, bound) <= 0
		}
		return compare(ev.Value, bound) >= 0
	case RearmCrossing:
		return crossed
	}
	return !ev.Matched // persistence: edge
}

// hysteresisUp reports whether the main condition fires above its level
// (so re-arming needs the value to fall), taking not into account.
func (c *Config) hysteresisUp() (up, ok bool) {
	main, negated := c.Rule.main()
	if main == nil {
		return false, false
	}
	up, ok = main.upward()
	return up != negated, ok
}

// hysteresisBound is the value the main condition must move back to:
// level - |level|·threshold for an upward condition, level + |level|·threshold
// for a downward one.
func (c *Config) hysteresisBound(level float64, up bool) float64 {
	band := math.Abs(level) * c.Rearm.Threshold
	if up {
		return level - band
	}
	return level + band
}

func (c *Config) waitReason(ev *Evaluation) string {
	switch c.rearmType() {
	case RearmHysteresis:
		up, ok := c.hysteresisUp()
		if !ok {
			break
		}
		main, _ := c.Rule.main()
		bound := c.hysteresisBound(ev.Level, up)
		if up {
			return fmt.Sprintf("waiting for hysteresis re-arm: %s (%s) must fall to <= %s", main.Left.Label(), formatValue(ev.Value), formatValue(bound))
		}
		return fmt.Sprintf("waiting for hysteresis re-arm: %s (%s) must rise to >= %s", main.Left.Label(), formatValue(ev.Value), formatValue(bound))
	case RearmCrossing:
		return "waiting for the value to cross back (still " + sideName(sideOf(ev.Value, ev.Level)) + ")"
	}
	return "waiting for the condition to turn false before re-arming"
}

// cooldownUntil returns the end of the cooldown after the last trigger and
// whether now is before it.
func (c *Config) cooldownUntil(s *State, now time.Time) (time.Time, bool) {
	cd := c.CooldownDuration()
	if cd <= 0 || s.LastTriggeredAt == nil {
		return time.Time{}, false
	}
	until := s.LastTriggeredAt.Add(cd)
	return until, now.Before(until)
}

// statusAfterFire is the status right after a trigger.
func (c *Config) statusAfterFire() string {
	switch t := c.rearmType(); {
	case c.Frequency == FrequencyOnce:
		return StatusTriggered
	case t == RearmSimple, t == "" && c.Frequency == FrequencyEveryTime:
		if c.CooldownDuration() > 0 {
			return StatusCooldown
		}
		return StatusArmed
	case t == RearmCooldown:
		return StatusCooldown
	}
	return StatusTriggered
}

// sideOf places value relative to level; "" when either is NaN or they are
// equal (a value exactly at the level keeps the previous side).
func sideOf(value, level float64) string {
	if math.IsNaN(value) || math.IsNaN(level) {
		return ""
	}
	switch compare(value, level) {
	case 1:
		return SideAbove
	case -1:
		return SideBelow
	}
	return ""
}

func sideName(side string) string {
	if side == "" {
		return "at the level"
	}
	return side + " the level"
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
