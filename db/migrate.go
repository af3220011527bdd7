package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/vigilhq/vigil/db/migrations"
)

// migrateLockID serialises concurrent `migrate up` runs (several processes
// starting at once) with a session advisory lock.
const migrateLockID = 0x76696769 // "vigi"

// MigrationStatus is the state of Vigil's and River's migrations.
type MigrationStatus struct {
	VigilCurrent int64 // applied goose version
	VigilLatest  int64 // newest embedded goose version
	RiverCurrent int   // applied River migration version (0 = none)
	RiverLatest  int   // newest River migration this build knows
}

// Current reports whether both Vigil's and River's schemas are up to date.
func (s MigrationStatus) Current() bool {
	return s.VigilCurrent == s.VigilLatest && s.RiverCurrent == s.RiverLatest
}

func newGoose(pool *pgxpool.Pool) (*goose.Provider, func(), error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		_ = sqlDB.Close()
		return nil, nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, func() { _ = sqlDB.Close() }, nil
}

func newRiverMigrator(pool *pgxpool.Pool) (*rivermigrate.Migrator[pgx.Tx], error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	return m, nil
}

func withMigrateLock(ctx context.Context, pool *pgxpool.Pool, fn func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockID); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockID) }()
	return fn()
}

// MigrateUp applies River's migrations and then Vigil's. It is idempotent and
// safe to run from several processes at once.
func MigrateUp(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	return withMigrateLock(ctx, pool, func() error {
		rm, err := newRiverMigrator(pool)
		if err != nil {
			return err
		}
		res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("river migrations up: %w", err)
		}
		for _, v := range res.Versions {
			log.Info("applied river migration", "version", v.Version, "name", v.Name)
		}
		p, closeFn, err := newGoose(pool)
		if err != nil {
			return err
		}
		defer closeFn()
		results, err := p.Up(ctx)
		if err != nil {
			return fmt.Errorf("vigil migrations up: %w", err)
		}
		for _, r := range results {
			log.Info("applied vigil migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
		// The day partitions of job_schedule_runs up to a week ahead, also
		// when no migration was pending (a database migrated long ago).
		n, err := EnsureRunPartitionsAhead(ctx, pool, time.Now())
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("created run partitions", "partitions", n)
		}
		return nil
	})
}

// MigrateDown rolls back the newest Vigil migration. With all, it rolls back
// every Vigil migration and then River's, leaving an empty schema.
func MigrateDown(ctx context.Context, pool *pgxpool.Pool, all bool, log *slog.Logger) error {
	return withMigrateLock(ctx, pool, func() error {
		p, closeFn, err := newGoose(pool)
		if err != nil {
			return err
		}
		defer closeFn()
		if !all {
			r, err := p.Down(ctx)
			if err != nil {
				if errors.Is(err, goose.ErrNoNextVersion) {
					log.Info("no vigil migration to roll back")
					return nil
				}
				return fmt.Errorf("vigil migration down: %w", err)
			}
			log.Info("rolled back vigil migration", "version", r.Source.Version, "file", r.Source.Path)
			return nil
		}
		results, err := p.DownTo(ctx, 0)
		if err != nil {
			return fmt.Errorf("vigil migrations down: %w", err)
		}
		for _, r := range results {
			log.Info("rolled back vigil migration", "version", r.Source.Version, "file", r.Source.Path)
		}
		rm, err := newRiverMigrator(pool)
		if err != nil {
			return err
		}
		res, err := rm.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1})
		if err != nil {
			return fmt.Errorf("river migrations down: %w", err)
		}
		for _, v := range res.Versions {
			log.Info("rolled back river migration", "version", v.Version)
		}
		return nil
	})
}

// Status reports which migrations are applied.
func Status(ctx context.Context, pool *pgxpool.Pool) (MigrationStatus, error) {
	var st MigrationStatus
	p, closeFn, err := newGoose(pool)
	if err != nil {
		return st, err
	}
	defer closeFn()
	for _, s := range p.ListSources() {
		st.VigilLatest = max(st.VigilLatest, s.Version)
	}
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('goose_db_version') IS NOT NULL").Scan(&exists); err != nil {
		return st, fmt.Errorf("check goose table: %w", err)
	}
	if exists {
		if st.VigilCurrent, err = p.GetDBVersion(ctx); err != nil {
			return st, fmt.Errorf("read vigil migration version: %w", err)
		}
	}
	rm, err := newRiverMigrator(pool)
	if err != nil {
		return st, err
	}
	for _, m := range rm.AllVersions() {
		st.RiverLatest = max(st.RiverLatest, m.Version)
	}
	existing, err := rm.ExistingVersions(ctx)
	if err != nil {
		return st, fmt.Errorf("read river migration versions: %w", err)
	}
	for _, m := range existing {
		st.RiverCurrent = max(st.RiverCurrent, m.Version)
	}
	return st, nil
}
