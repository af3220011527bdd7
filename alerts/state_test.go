package alerts

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadState_Fresh(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "  ", "null", "{}", " {} ", `{"future_key": 1}`} {
		s, err := LoadState([]byte(in))
		require.NoError(t, err, in)
		require.Equal(t, NewState(), s, in)
	}
	require.Equal(t, StatusArmed, NewState().Status)
}

func TestLoadState_Invalid(t *testing.T) {
	t.Parallel()
	for in, msg := range map[string]string{
		`{`:                         "load alert state: invalid alert state: unexpected end of JSON input",
		`[]`:                        "load alert state: invalid alert state: json: cannot unmarshal array into Go value of type alerts.State",
		`{"status": "FIRING"}`:      `load alert state: invalid alert state: status "FIRING": must be ARMED, TRIGGERED or COOLDOWN`,
		`{"side": "left"}`:          `load alert state: invalid alert state: side "left": must be above, below or empty`,
		`{"version": 2}`:            "load alert state: invalid alert state: version 2: this build reads versions up to 1",
		`{"trigger_count": -1}`:     "load alert state: invalid alert state: counts must not be negative",
		`{"last_value": "high"}`:    "load alert state: invalid alert state: json: cannot unmarshal string into Go struct field State.last_value of type float64",
		`{"last_bar": "monday"}`:    `load alert state: invalid alert state: parsing time "monday" as "2006-01-02T15:04:05Z07:00": cannot parse "monday" as "2006"`,
		`{"status": "TRIGGERED"`:    "load alert state: invalid alert state: unexpected end of JSON input",
		`{"consecutive_true": 1.5}`: "load alert state: invalid alert state: json: cannot unmarshal number 1.5 into Go struct field State.consecutive_true of type int",
	} {
		s, err := LoadState([]byte(in))
		require.ErrorIs(t, err, ErrInvalidState, in)
		require.EqualError(t, err, msg, in)
		require.Equal(t, NewState(), s)
	}
}

func TestState_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	v, trig := 151.2, 150.5
	at := time.Date(2027, 1, 2, 15, 4, 5, 123456789, time.UTC)
	bar := time.Date(2027, 1, 2, 15, 0, 0, 0, time.UTC)
	s := State{
		Version: StateVersion, Status: StatusCooldown, LastValue: &v, Side: SideAbove,
		LastTriggeredAt: &at, LastTriggerBar: &bar, LastTriggerValue: &trig,
		TriggerCount: 4, EvaluationCount: 40, ConsecutiveTrue: 3, StreakBeforeBar: 2, LastMatched: true,
		LastBar: &bar, LastEvaluatedAt: &at, ArmedAt: &at,
	}
	data, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, `{
		"version": 1, "status": "COOLDOWN", "last_value": 151.2, "side": "above",
		"last_triggered_at": "2027-01-02T15:04:05.123456789Z", "last_trigger_bar": "2027-01-02T15:00:00Z",
		"last_trigger_value": 150.5, "trigger_count": 4, "evaluation_count": 40,
		"consecutive_true": 3, "streak_before_bar": 2, "last_matched": true,
		"last_bar": "2027-01-02T15:00:00Z", "last_evaluated_at": "2027-01-02T15:04:05.123456789Z",
		"armed_at": "2027-01-02T15:04:05.123456789Z"
	}`, string(data))
	got, err := LoadState(data)
	require.NoError(t, err)
	require.Equal(t, s, got)

	// A fresh state is small.
	data, err = json.Marshal(NewState())
	require.NoError(t, err)
	require.JSONEq(t, `{"version": 1, "status": "ARMED", "trigger_count": 0, "evaluation_count": 0,
		"consecutive_true": 0, "streak_before_bar": 0, "last_matched": false}`, string(data))

	// A state written from a non-UTC clock loads as the same instants.
	cfg := mustParse(t, withRule(closeVs(">", 1)))
	local := time.Date(2027, 1, 4, 9, 0, 0, 0, time.FixedZone("EST", -5*3600))
	d := cfg.Step(NewState(), Evaluation{Matched: true, Value: 2, Level: 1, Bar: flat(2)[0]}, local)
	data, err = json.Marshal(d.State)
	require.NoError(t, err)
	got, err = LoadState(data)
	require.NoError(t, err)
	require.Equal(t, d.State, got)
	require.True(t, got.LastTriggeredAt.Equal(local))
}
