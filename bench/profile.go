package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// EnvProfileDir, when set, makes every bench node write a CPU profile of its
// whole life to DIR/ROLE-PID.cpu.pprof (go tool pprof reads it).
const EnvProfileDir = "VIGIL_BENCH_PROFILE_DIR"

// startProfile starts the node's CPU profile when EnvProfileDir is set and
// returns the function that stops and writes it.
func startProfile(role string) (func(), error) {
	dir := os.Getenv(EnvProfileDir)
	if dir == "" {
		return func() {}, nil
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.cpu.pprof", role, os.Getpid()))
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench node: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("bench node: cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
