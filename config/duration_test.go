package config

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]time.Duration{
		"30":     30 * time.Second,
		" 30 ":   30 * time.Second,
		"0.5":    500 * time.Millisecond,
		"0":      0,
		"30s":    30 * time.Second,
		"5m":     5 * time.Minute,
		"1h30m":  90 * time.Minute,
		"-1":     -time.Second,
		"1500ms": 1500 * time.Millisecond,
	} {
		d, err := ParseDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, d.D(), in)
	}

	for _, in := range []string{"", "soon", "30 s", "NaN", "Inf", "1e300"} {
		_, err := ParseDuration(in)
		require.Error(t, err, in)
	}
}

func TestDurationJSON(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]time.Duration{
		`30`:     30 * time.Second,
		`0.25`:   250 * time.Millisecond,
		`"30"`:   30 * time.Second,
		`"2m"`:   2 * time.Minute,
		`1e2`:    100 * time.Second,
		`"10ms"`: 10 * time.Millisecond,
	} {
		var d Duration
		require.NoError(t, json.Unmarshal([]byte(in), &d), in)
		require.Equal(t, want, d.D(), in)
	}

	d := Duration(time.Minute)
	require.NoError(t, json.Unmarshal([]byte(`null`), &d))
	require.Equal(t, time.Minute, d.D(), "null leaves the value")

	for _, in := range []string{`true`, `"soon"`, `[]`, `1e300`} {
		require.Error(t, json.Unmarshal([]byte(in), &d), in)
	}

	b, err := json.Marshal(struct{ D Duration }{Duration(90 * time.Second)})
	require.NoError(t, err)
	require.JSONEq(t, `{"D": "1m30s"}`, string(b))
	require.Equal(t, "1m30s", Duration(90*time.Second).String())
}
