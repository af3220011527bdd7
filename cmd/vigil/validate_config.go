package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/vigilhq/vigil/config"
)

func cmdValidateConfig(_ context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "validate-config", "[flags]",
		"Loads the configuration (defaults < JSON file < environment) and lists every problem with its key.\nExits non-zero when there is any.")
	c.register(fs)
	list := fs.Bool("list", false, "print every setting: key, environment variable, default, description")
	show := fs.Bool("show", false, "print the effective configuration (secrets redacted)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *list {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KEY\tENV\tDEFAULT\tDESCRIPTION")
		for _, s := range config.Table() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Key, s.Env, s.Default, s.Description)
		}
		return tw.Flush()
	}
	cfg, err := config.Load(c.configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	if c.databaseURL != "" {
		cfg.DatabaseURL = c.databaseURL
	}
	if err := cfg.Validate(); err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			fmt.Fprintf(e.stderr, "%d configuration problem(s):\n", len(ve.Problems))
			for _, p := range ve.Problems {
				fmt.Fprintf(e.stderr, "  %s: %s\n", p.Key, p.Message)
			}
			return errors.New("configuration is invalid")
		}
		return err
	}
	if *show {
		fmt.Fprintln(e.stdout, cfg.String())
	}
	fmt.Fprintln(e.stdout, "configuration is valid")
	return nil
}
