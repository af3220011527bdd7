package main

import (
	"context"
	"fmt"

	"github.com/vigilhq/vigil/db"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "migrate", "up|down|status [flags]",
		"up applies River's and Vigil's migrations (idempotent; creates the dev database when none is configured).\n"+
			"down rolls back the newest Vigil migration; down --all rolls back every Vigil and River migration.\n"+
			"status prints the applied and latest versions.")
	c.register(fs)
	all := fs.Bool("all", false, "with down: roll back everything, River's tables included")
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("missing action: up, down or status")
	}
	action := args[0]
	if action == "-h" || action == "--help" {
		fs.Usage()
		return errHelp
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg, "vigil").With("component", "migrate")
	switch action {
	case "up", "down", "status":
	default:
		return fmt.Errorf("unknown action %q: use up, down or status", action)
	}
	pool, err := openDB(ctx, cfg, log, action == "up")
	if err != nil {
		return err
	}
	defer pool.Close()
	switch action {
	case "up":
		if err := db.MigrateUp(ctx, pool, log); err != nil {
			return err
		}
	case "down":
		if err := db.MigrateDown(ctx, pool, *all, log); err != nil {
			return err
		}
	}
	st, err := db.Status(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "vigil migrations: %d of %d applied\nriver migrations: %d of %d applied\n",
		st.VigilCurrent, st.VigilLatest, st.RiverCurrent, st.RiverLatest)
	if action == "status" && !st.Current() {
		return fmt.Errorf("migrations pending: run `vigil migrate up`")
	}
	return nil
}
