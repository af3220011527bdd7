package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

func testLogger() *slog.Logger { return dbtest.Logger() }

// runLines runs a scenario with in-process nodes and returns the output lines.
func runLines(t *testing.T, o Options) []map[string]any {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a scenario on PostgreSQL")
	}
	var out bytes.Buffer
	o.ServerURL = dbtest.ServerURL()
	if o.Exe == "" {
		o.StartNode = InProcessNodes(testLogger())
	} else if os.Getenv("VIGIL_TEST_LOG") == "" {
		o.NodeOutput = io.Discard
	}
	o.Out, o.Log = &out, testLogger()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, Run(ctx, o))

	var lines []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		lines = append(lines, m)
	}
	require.GreaterOrEqual(t, len(lines), 2)
	machine, ok := lines[0]["machine"].(map[string]any)
	require.True(t, ok, "first line is the machine line: %v", lines[0])
	require.NotEmpty(t, machine["postgres"])
	last := lines[len(lines)-1]
	for _, k := range contractKeys {
		require.Contains(t, last, k)
	}
	t.Logf("result: %v", last)
	return lines
}

func num(t *testing.T, m map[string]any, key string) float64 {
	t.Helper()
	v, ok := m[key].(float64)
	require.True(t, ok, "%s is a number: %v", key, m[key])
	return v
}

func TestRunS1Small(t *testing.T) {
	t.Parallel()
	lines := runLines(t, Options{Scenario: S1, N: 20, Duration: 3 * time.Second, Warmup: time.Second})
	r := lines[len(lines)-1]
	require.Equal(t, S1, r["scenario"])
	require.InDelta(t, 20, num(t, r, "n"), 0)
	require.InDelta(t, 60, num(t, r, "expected"), 0) // 20 schedules × 3 fires
	for _, k := range []string{"missed", "lost", "duplicates", "duplicate_jobs", "duplicate_results", "no_result"} {
		require.Zero(t, num(t, r, k), k)
	}
	require.Contains(t, r, "scheduler_cpu_pct")
	require.NotContains(t, r, "database") // dropped
}

func TestRunS4Small(t *testing.T) {
	t.Parallel()
	lines := runLines(t, Options{Scenario: S4, N: 5, Cron: cronEverySecond,
		Duration: 3 * time.Second, Down: 3 * time.Second})
	r := lines[len(lines)-1]
	require.Equal(t, S4, r["scenario"])
	require.Positive(t, num(t, r, "expected"))
	for _, k := range []string{"lost", "missed", "duplicates", "duplicate_jobs", "duplicate_results", "no_result"} {
		require.Zero(t, num(t, r, k), k)
	}
	require.Contains(t, r, "runs_late")
	require.Contains(t, r, "down_s")
	require.InDelta(t, num(t, r, "expected"), num(t, r, "recorded"), 0)
}

// testExe is this test binary, which runs `bench node` (see TestMain).
func testExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return exe
}

// TestRunS3Processes runs two scheduler processes and a worker process,
// SIGKILLs one scheduler midway and starts a replacement.
func TestRunS3Processes(t *testing.T) {
	t.Parallel()
	lines := runLines(t, Options{Scenario: S3, N: 50, Nodes: 2, Duration: 4 * time.Second, Warmup: time.Second,
		Exe: testExe(t)})
	r := lines[len(lines)-1]
	require.InDelta(t, 200, num(t, r, "expected"), 0)
	require.InDelta(t, 1, num(t, r, "killed"), 0)
	require.InDelta(t, 2, num(t, r, "nodes"), 0)
	for _, k := range []string{"missed", "lost", "duplicates", "duplicate_jobs", "duplicate_results", "no_result"} {
		require.Zero(t, num(t, r, k), k)
	}
}

// TestRunS4Processes SIGKILLs real scheduler and worker processes.
func TestRunS4Processes(t *testing.T) {
	t.Parallel()
	lines := runLines(t, Options{Scenario: S4, N: 5, Cron: cronEverySecond,
		Duration: 3 * time.Second, Down: 2 * time.Second, Exe: testExe(t)})
	r := lines[len(lines)-1]
	for _, k := range []string{"lost", "missed", "duplicates", "duplicate_jobs"} {
		require.Zero(t, num(t, r, k), k)
	}
}

// TestScenarioFromEnv runs a full scenario with node processes when
// VIGIL_BENCH_SCENARIO is set (e.g. S1), printing its output: `vigil bench`
// before cmd/ wires it. VIGIL_BENCH_N, _STORED, _NODES, _DURATION, _DOWN
// override; VIGIL_BENCH_KEEP keeps the database.
func TestScenarioFromEnv(t *testing.T) {
	scenario := os.Getenv("VIGIL_BENCH_SCENARIO")
	if scenario == "" {
		t.Skip("set VIGIL_BENCH_SCENARIO to run a full scenario")
	}
	o := Options{Scenario: scenario, Exe: testExe(t), ServerURL: dbtest.ServerURL(), Out: os.Stdout,
		Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	if v := os.Getenv("VIGIL_BENCH_N"); v != "" {
		_, err := fmt.Sscan(v, &o.N)
		require.NoError(t, err)
	}
	if v := os.Getenv("VIGIL_BENCH_STORED"); v != "" {
		_, err := fmt.Sscan(v, &o.Stored)
		require.NoError(t, err)
	}
	if v := os.Getenv("VIGIL_BENCH_NODES"); v != "" {
		_, err := fmt.Sscan(v, &o.Nodes)
		require.NoError(t, err)
	}
	for env, d := range map[string]*time.Duration{"VIGIL_BENCH_DURATION": &o.Duration, "VIGIL_BENCH_DOWN": &o.Down} {
		if v := os.Getenv(env); v != "" {
			var err error
			*d, err = time.ParseDuration(v)
			require.NoError(t, err)
		}
	}
	o.Keep = os.Getenv("VIGIL_BENCH_KEEP") != ""
	require.NoError(t, Run(context.Background(), o))
}
