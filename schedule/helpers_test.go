package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mustParse parses or fails the test.
func mustParse(t testing.TB, expr, tz string, opts Options) *Schedule {
	t.Helper()
	s, err := Parse(expr, tz, opts)
	require.NoError(t, err, "parse %q in %q", expr, tz)
	return s
}

// utc parses an RFC 3339 instant.
func utc(t testing.TB, value string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, value)
	require.NoError(t, err)
	return v.UTC()
}

// fmtUTC renders instants for readable failure messages.
func fmtUTC(times []time.Time) []string {
	out := make([]string, len(times))
	for i, v := range times {
		out[i] = v.UTC().Format(time.RFC3339)
	}
	return out
}
