package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/vigilhq/vigil/config"
)

// errHelp means --help was printed.
var errHelp = errors.New("help requested")

// common holds the flags every command that reads config accepts.
type common struct {
	configPath  string
	databaseURL string
}

func newFlags(e *env, name, usageLine, help string) *flag.FlagSet {
	fs := flag.NewFlagSet("vigil "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: vigil %s %s\n\n%s\n\nFlags:\n", name, usageLine, help)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configPath, "config", "", "JSON config file (default "+config.DefaultPath+" if present)")
	fs.StringVar(&c.databaseURL, "database-url", "", "PostgreSQL URL (overrides SCHEDULER_DATABASE_URL / DATABASE_URL)")
}

// parse parses flags, mapping -h/--help to errHelp, and refuses values
// that cannot be stored as text (checkFlagText).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return err
	}
	return checkFlagText(fs)
}

// parseMixed parses flags that may come before or after positional
// arguments ("trigger 12 --force" or "trigger --force 12") and returns the
// positional ones.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	return append(pos, fs.Args()...), nil
}

// load reads config (defaults < file < env < flags) and validates it.
func (c *common) load() (config.Config, error) {
	cfg, err := config.Load(c.configPath, os.LookupEnv)
	if err != nil {
		return cfg, err
	}
	if c.databaseURL != "" {
		cfg.DatabaseURL = c.databaseURL
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration (run `vigil validate-config`):\n%w", err)
	}
	return cfg, nil
}

// newLogger builds the process's one logger from config.
func newLogger(w io.Writer, cfg config.Config, service string) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("service", service)
}
