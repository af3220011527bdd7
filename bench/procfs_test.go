package bench

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	// The command name holds a space and a parenthesis.
	stat := "4242 (vigil (b) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 123 45 0 0 20 0 12 0 100 2000000 500 18446744073709551615\n"
	ticks, err := parseStatCPU([]byte(stat))
	require.NoError(t, err)
	require.Equal(t, uint64(168), ticks)

	_, err = parseStatCPU([]byte("4242 vigil S 1"))
	require.Error(t, err)
	_, err = parseStatCPU([]byte("4242 (vigil) S 1 2 3"))
	require.Error(t, err)
}

func TestParseStatusRSS(t *testing.T) {
	t.Parallel()
	status := "Name:\tvigil\nVmPeak:\t  900000 kB\nVmRSS:\t   51200 kB\nThreads:\t12\n"
	kib, err := parseStatusRSS([]byte(status))
	require.NoError(t, err)
	require.Equal(t, int64(51200), kib)
	require.InDelta(t, 50.0, mib(kib), 0.001)

	_, err = parseStatusRSS([]byte("Name:\tvigil\n"))
	require.Error(t, err)
}

func TestProcSelf(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	_, err := procCPU(os.Getpid())
	require.NoError(t, err)
	kib, err := procRSS(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, kib)
}

func TestCPUPercent(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 50.0, cpuPercent(100, 600, 10), 1e-9) // 5 s of CPU in 10 s
	require.InDelta(t, 200.0, cpuPercent(0, 400, 2), 1e-9)   // two cores
	require.Zero(t, cpuPercent(10, 5, 1))
	require.Zero(t, cpuPercent(0, 5, 0))
}
