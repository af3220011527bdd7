package bench

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"testing"
)

// TestMain lets the test binary stand in for `vigil bench node` (cmd/ is
// wired elsewhere), so that tests can run nodes as real OS processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "bench" && os.Args[2] == "node" {
		os.Exit(nodeMain(os.Args[3:]))
	}
	os.Exit(m.Run())
}

func nodeMain(args []string) int {
	fs := flag.NewFlagSet("bench node", flag.ContinueOnError)
	role := fs.String("role", RoleAll, "scheduler, worker or all")
	url := fs.String("database-url", "", "bench database")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	level := slog.LevelWarn
	if os.Getenv("VIGIL_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := RunNode(context.Background(), *role, *url, log); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
