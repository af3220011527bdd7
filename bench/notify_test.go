package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// N1 in small: 60 notifications to 6 chats through the stand-in, two
// in-process workers. Every notification arrives exactly once; the limits
// may be broken (two limiters), which the result reports.
func TestN1NotificationsThroughStandIn(t *testing.T) {
	lines := runLines(t, Options{Scenario: N1, N: 60, Duration: 90 * time.Second})
	last := lines[len(lines)-1]
	require.Equal(t, N1, last["scenario"])
	require.EqualValues(t, 6, last["chats"])
	require.EqualValues(t, 60, last["sent"], "every notification is sent: %v", last)
	require.EqualValues(t, 0, last["lost"])
	require.EqualValues(t, 0, last["duplicates"])
	require.EqualValues(t, 60, last["deliveries"])
	require.Contains(t, last, "rate_limited")
	require.Contains(t, last, "limit_violations")
	if last["limit_violations"].(float64) > 0 {
		require.Equal(t, true, last["saturated"])
		require.Contains(t, last["saturated_because"], "limits are per bot: some sender did not reserve its sends in the shared gate")
	}
}
