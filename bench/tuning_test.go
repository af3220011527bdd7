package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

// The River settings the benchmarks compare reach the node's configuration,
// and a bad value is refused naming the variable.
func TestNodeTuningRiverSettings(t *testing.T) {
	t.Setenv(EnvFetchCooldown, "50ms")
	t.Setenv(EnvAlertWorkers, "48")
	cfg := nodeConfig()
	_, err := nodeTuning(&cfg)
	require.NoError(t, err)
	require.Equal(t, 50*time.Millisecond, cfg.FetchCooldown.D())
	require.Equal(t, 48, cfg.Jobs[config.JobAlert].Workers)

	for name, bad := range map[string]string{EnvAlertWorkers: "0", EnvFetchCooldown: "soon"} {
		t.Setenv(EnvAlertWorkers, "48")
		t.Setenv(EnvFetchCooldown, "50ms")
		t.Setenv(name, bad)
		cfg := nodeConfig()
		_, err := nodeTuning(&cfg)
		require.ErrorContains(t, err, name)
	}
}
