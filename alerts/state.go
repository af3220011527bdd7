package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// StateVersion is the version of the State JSON this package writes.
const StateVersion = 1

// Alert statuses.
const (
	// StatusArmed: the alert fires on the next evaluation that passes its
	// gates.
	StatusArmed = "ARMED"
	// StatusTriggered: the alert fired and waits for its re-arm rule (the
	// condition turning false, the hysteresis band, a side change), or, with
	// frequency once, stays here for good.
	StatusTriggered = "TRIGGERED"
	// StatusCooldown: re-armed, but the cooldown since the last trigger has
	// not passed.
	StatusCooldown = "COOLDOWN"
)

// Sides of the main condition's value relative to its level.
const (
	SideAbove = "above"
	SideBelow = "below"
)

// ErrInvalidState is wrapped by LoadState's errors for state JSON that does
// not describe a State.
var ErrInvalidState = errors.New("invalid alert state")

// State is an alert's memory between evaluations, stored as JSON in
// job_schedules.state_json. The zero State is a fresh, armed alert.
type State struct {
	// Version is StateVersion.
	Version int `json:"version"`
	// Status is ARMED, TRIGGERED or COOLDOWN.
	Status string `json:"status"`
	// LastValue is the main condition's value at the last evaluation that
	// had one.
	LastValue *float64 `json:"last_value,omitempty"`
	// Side is where LastValue was relative to the level: above, below, or
	// "" before the first evaluation with both.
	Side string `json:"side,omitempty"`
	// LastTriggeredAt is when the alert last fired.
	LastTriggeredAt *time.Time `json:"last_triggered_at,omitempty"`
	// LastTriggerBar is the open time of the bar it last fired on.
	LastTriggerBar *time.Time `json:"last_trigger_bar,omitempty"`
	// LastTriggerValue is the main condition's value when it last fired.
	LastTriggerValue *float64 `json:"last_trigger_value,omitempty"`
	// TriggerCount counts the times the alert fired.
	TriggerCount int `json:"trigger_count"`
	// EvaluationCount counts the evaluations Step took into account.
	EvaluationCount int `json:"evaluation_count"`
	// ConsecutiveTrue counts the consecutive evaluated bars, up to and
	// including LastBar, on which the condition held (persistence).
	ConsecutiveTrue int `json:"consecutive_true"`
	// StreakBeforeBar is ConsecutiveTrue as of the bar before LastBar, so
	// that several evaluations of one bar count it once.
	StreakBeforeBar int `json:"streak_before_bar"`
	// LastMatched is the outcome of the last evaluation.
	LastMatched bool `json:"last_matched"`
	// LastBar is the open time of the last evaluated bar.
	LastBar *time.Time `json:"last_bar,omitempty"`
	// LastEvaluatedAt is the now of the last evaluation.
	LastEvaluatedAt *time.Time `json:"last_evaluated_at,omitempty"`
	// ArmedAt is when the alert last became armed.
	ArmedAt *time.Time `json:"armed_at,omitempty"`
}

// NewState returns a fresh, armed state.
func NewState() State { return State{Version: StateVersion, Status: StatusArmed} }

// LoadState decodes job_schedules.state_json. Empty input, null and {} give
// a fresh armed state; unknown keys are ignored. Malformed JSON, or a status,
// side or version this package does not know, is an error wrapping
// ErrInvalidState, returned with a fresh state that a caller may store to
// reset the alert.
func LoadState(stateJSON []byte) (State, error) {
	data := bytes.TrimSpace(stateJSON)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return NewState(), nil
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return NewState(), fmt.Errorf("load alert state: %w: %w", ErrInvalidState, err)
	}
	if err := s.check(); err != nil {
		return NewState(), fmt.Errorf("load alert state: %w: %w", ErrInvalidState, err)
	}
	return s.normalised(), nil
}

func (s *State) check() error {
	switch {
	case s.Version < 0 || s.Version > StateVersion:
		return fmt.Errorf("version %d: this build reads versions up to %d", s.Version, StateVersion)
	case s.Status != "" && s.Status != StatusArmed && s.Status != StatusTriggered && s.Status != StatusCooldown:
		return fmt.Errorf("status %q: must be ARMED, TRIGGERED or COOLDOWN", s.Status)
	case s.Side != "" && s.Side != SideAbove && s.Side != SideBelow:
		return fmt.Errorf("side %q: must be above, below or empty", s.Side)
	case s.TriggerCount < 0 || s.EvaluationCount < 0 || s.ConsecutiveTrue < 0 || s.StreakBeforeBar < 0:
		return errors.New("counts must not be negative")
	}
	return nil
}

// normalised fills the defaults of a zero or older state.
func (s State) normalised() State {
	s.Version = StateVersion
	if s.Status == "" {
		s.Status = StatusArmed
	}
	return s
}
