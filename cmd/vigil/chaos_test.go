package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Bad input to vigil chaos is refused with a message naming what is wrong,
// before anything runs.
func TestChaosRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"chaos", "--scenario", "kill10"}, `unknown scenario "kill10"`},
		{nil, []string{"chaos", "--scale", "-1"}, "scale must be in (0, 10]"},
		{nil, []string{"chaos", "--rescue-after", "1s"}, "rescue-after must be at least 4s"},
		{nil, []string{"chaos", "--database-url", "postgres://root@db.example.com/test"}, "not loopback"},
		{nil, []string{"chaos", "kill9"}, `unexpected argument "kill9"`},
		{map[string]string{EnvChaosScale: "fast"}, []string{"chaos"}, `CHAOS_SCALE="fast"`},
	} {
		out, errOut, code := vigil(ctx, t, tc.env, tc.args...)
		require.Equal(t, 1, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, "%v", tc.args)
		require.Empty(t, out)
	}
}

// pg_restart without --allow-pg-restart prints its one line, not_run, and
// fails; nothing is restarted.
func TestChaosPGRestartIsOptIn(t *testing.T) {
	out, errOut, code := vigil(context.Background(), t, nil, "chaos", "--scenario", "pg_restart")
	require.Equal(t, 1, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 1)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &r))
	require.Equal(t, "pg_restart", r["scenario"])
	require.Equal(t, false, r["ok"])
	require.Contains(t, r["not_run"], "--allow-pg-restart")
	require.Contains(t, errOut, "a scenario failed")
}
