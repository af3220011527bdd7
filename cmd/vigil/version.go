package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Prints the version, commit and Go version.")
	if err := parse(fs, args); err != nil {
		return err
	}
	commit := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "vigil %s", version)
	if commit != "" {
		fmt.Fprintf(e.stdout, " (%s)", commit)
	}
	fmt.Fprintf(e.stdout, " %s\n", runtime.Version())
	return nil
}
