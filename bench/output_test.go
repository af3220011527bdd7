package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// contractKeys are the keys WORKLOAD.md requires on every result line.
var contractKeys = []string{"scenario", "n", "duration_s", "fires_per_s", "lag_p50_ms", "lag_p99_ms", "lag_max_ms",
	"missed", "duplicates", "lost", "skipped", "rss_mib", "saturated"}

func TestResultJSONShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, writeLine(&buf, Result{Scenario: S1, N: 10}))
	require.True(t, strings.HasSuffix(buf.String(), "}\n"))
	require.Equal(t, 1, strings.Count(buf.String(), "\n"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
	for _, k := range contractKeys {
		require.Contains(t, m, k)
	}
	require.Nil(t, m["lag_p99_ms"]) // unknown, not 0
	require.NotContains(t, m, "create_s")
	require.NotContains(t, m, "runs_late")

	buf.Reset()
	late := int64(2)
	require.NoError(t, writeLine(&buf, Result{Scenario: S4, RunsLate: &late, SkippedByReason: map[string]int64{"misfire": 3}}))
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
	require.InDelta(t, 2.0, m["runs_late"], 0)
	require.Equal(t, map[string]any{"misfire": 3.0}, m["skipped_by_reason"])
}

func TestMachineLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, writeLine(&buf, machine("17.2")))
	var m struct {
		Machine map[string]any `json:"machine"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
	require.Equal(t, "17.2", m.Machine["postgres"])
	require.Contains(t, m.Machine, "cores")
	require.Contains(t, m.Machine, "go")
}

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario string
		n        int
		dur      time.Duration
		cron     string
		settle   time.Duration
	}{
		{"S1", 1000, 30 * time.Second, cronEverySecond, 5 * time.Second},
		{"s2", 10000, 120 * time.Second, cronEveryMinute, time.Minute},
		{"S3", 1000, 30 * time.Second, cronEverySecond, 5 * time.Second},
		{"S4", 100, 2 * time.Minute, cronEveryMinute, 5 * time.Second},
	}
	for _, tt := range tests {
		o, err := Options{Scenario: tt.scenario, StartNode: InProcessNodes(nil)}.withDefaults()
		require.NoError(t, err)
		require.Equal(t, strings.ToUpper(tt.scenario), o.Scenario)
		require.Equal(t, tt.n, o.N)
		require.Equal(t, tt.dur, o.Duration)
		require.Equal(t, tt.cron, o.Cron)
		require.Equal(t, tt.settle, o.Settle)
		require.Equal(t, 5*time.Second, o.Warmup)
		require.Equal(t, 2, o.Nodes)
		require.Equal(t, 3*time.Minute, o.Down)
	}
	_, err := Options{Scenario: "S9"}.withDefaults()
	require.Error(t, err)
	_, err = Options{Scenario: S1, N: -1, StartNode: InProcessNodes(nil)}.withDefaults()
	require.Error(t, err)
	_, err = Options{Scenario: S1, Cron: "not a cron", StartNode: InProcessNodes(nil)}.withDefaults()
	require.Error(t, err)
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	u, err := withDatabase("postgres://bob:s3cret@db.example:5433/vigil?sslmode=require&application_name=x", "vigil_bench_1")
	require.NoError(t, err)
	require.Equal(t, "postgres://bob:s3cret@db.example:5433/vigil_bench_1?sslmode=require&application_name=x", u)

	u, err = withDatabase("host=127.0.0.1 user=postgres dbname=vigil", "vigil_bench_1")
	require.NoError(t, err)
	require.Equal(t, "host=127.0.0.1 user=postgres dbname=vigil dbname=vigil_bench_1", u)
}

func TestPrefixWriter(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := &prefixWriter{prefix: []byte("[worker-1] "), w: &buf}
	_, _ = w.Write([]byte("one\ntw"))
	_, _ = w.Write([]byte("o\nthree"))
	w.Flush()
	require.Equal(t, "[worker-1] one\n[worker-1] two\n[worker-1] three\n", buf.String())
}
