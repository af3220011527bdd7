package main

import (
	"context"
	"fmt"

	"github.com/vigilhq/vigil/db"
)

func cmdTestDB(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "test-db", "[flags]",
		"Connects to the database, prints the server version and checks that Vigil's and River's migrations are current.")
	c.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg, "vigil").With("component", "test-db")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	var version, dbName, user string
	if err := pool.QueryRow(ctx, "SELECT version(), current_database(), current_user").Scan(&version, &dbName, &user); err != nil {
		return fmt.Errorf("query server version: %w", err)
	}
	fmt.Fprintf(e.stdout, "connected: database %q as %q\nserver: %s\n", dbName, user, version)
	st, err := db.Status(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "vigil migrations: %d of %d applied\nriver migrations: %d of %d applied\n",
		st.VigilCurrent, st.VigilLatest, st.RiverCurrent, st.RiverLatest)
	var riverTables int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest(ARRAY['river_job','river_leader','river_queue']) t
		WHERE to_regclass(t) IS NOT NULL`).Scan(&riverTables); err != nil {
		return fmt.Errorf("check river tables: %w", err)
	}
	if riverTables != 3 {
		return fmt.Errorf("the river tables are missing (%d of 3 found): run `vigil migrate up`", riverTables)
	}
	if !st.Current() {
		return fmt.Errorf("migrations are not current: run `vigil migrate up`")
	}
	fmt.Fprintln(e.stdout, "ok: schema is current and River's tables exist")
	return nil
}
