package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
)

// openDB connects to the configured database. With none configured it uses the
// dev default (postgres://localhost:5432/vigil) and, when create is set,
// creates that database if the server allows.
func openDB(ctx context.Context, cfg config.Config, log *slog.Logger, create bool) (*pgxpool.Pool, error) {
	return openDBConns(ctx, cfg, log, create, 0)
}

// openDBConns is openDB with a pool of maxConns connections (0: pgxpool's
// default, max(4, cores)), unless the URL sets pool_max_conns itself.
func openDBConns(ctx context.Context, cfg config.Config, log *slog.Logger, create bool, maxConns int32) (*pgxpool.Pool, error) {
	url := cfg.DatabaseURL
	if url == "" {
		url = db.DevURL
		log.Info("no database configured (SCHEDULER_DATABASE_URL / DATABASE_URL); using the dev default", "url", url)
		if create {
			created, err := db.EnsureDatabase(ctx, url)
			if err != nil {
				return nil, fmt.Errorf("dev database %s: %w", url, err)
			}
			if created {
				log.Info("created the dev database", "url", url)
			}
		}
	}
	if strings.Contains(url, "pool_max_conns") {
		maxConns = 0
	}
	pool, err := db.Open(ctx, url, maxConns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", db.Redact(url), err)
	}
	return pool, nil
}

// requireMigrated fails with a clear message when migrations are not current.
func requireMigrated(ctx context.Context, pool *pgxpool.Pool) error {
	st, err := db.Status(ctx, pool)
	if err != nil {
		return err
	}
	if !st.Current() {
		return fmt.Errorf("database schema is not current (vigil %d/%d, river %d/%d): run `vigil migrate up`",
			st.VigilCurrent, st.VigilLatest, st.RiverCurrent, st.RiverLatest)
	}
	return nil
}
