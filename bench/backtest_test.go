package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// T1 runs in process without a server: a machine line, then the result
// line with the year of bars, the trades and the speed (not asserted: a
// benchmark, not a timed test).
func TestBacktestBench(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), Options{Scenario: "t1", N: 2, Out: &out,
		ServerURL: "postgres://nowhere.invalid/none"})) // never dialled
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	var machine map[string]Machine
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &machine))
	require.Positive(t, machine["machine"].Cores)

	var res BacktestResult
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &res))
	require.Equal(t, T1, res.Scenario)
	require.Equal(t, 525_600, res.Bars)
	require.Equal(t, 2, res.Runs)
	require.Greater(t, res.Trades, 1000, "sma_cross 10/30 crosses often on minute bars")
	require.Positive(t, res.FinalEquity)
	require.Positive(t, res.BarsPerS)
	require.GreaterOrEqual(t, res.BestBarsPerS, res.BarsPerS)
	require.Equal(t, 5e6, res.TargetBarsPerS)
	require.Equal(t, res.BarsPerS < 5e6, res.Saturated)
}
