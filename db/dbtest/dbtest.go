// Package dbtest gives each test its own migrated PostgreSQL database, cloned
// from a template that is migrated once per migration set, so tests can run in
// parallel, commit, LISTEN/NOTIFY and run River clients without touching each
// other. TEST_DATABASE_URL names the server (any database on it); the default is
// the local server.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/migrations"
)

// DefaultServerURL is used when TEST_DATABASE_URL is not set.
const DefaultServerURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// ServerURL is the URL tests connect to for administration.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultServerURL
}

// WithDatabase returns url with its database name replaced.
func WithDatabase(url, name string) (string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", url, err)
	}
	user := cfg.User
	if user == "" {
		user = "postgres"
	}
	u := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", user, cfg.Host, cfg.Port, name)
	if cfg.Password != "" {
		u = fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", user, cfg.Password, cfg.Host, cfg.Port, name)
	}
	return u, nil
}

// migrationsHash identifies the migration set, so a changed migration gets a
// fresh template.
func migrationsHash() (string, error) {
	h := sha256.New()
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "river:%d", len(m.AllVersions()))
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func ensureTemplate(ctx context.Context) (string, error) {
	templateOnce.Do(func() {
		templateName, templateErr = buildTemplate(ctx)
	})
	return templateName, templateErr
}

func buildTemplate(ctx context.Context) (string, error) {
	hash, err := migrationsHash()
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	name := "vigil_tmpl_" + hash
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return "", fmt.Errorf("connect to test server %s (set TEST_DATABASE_URL): %w", db.Redact(ServerURL()), err)
	}
	defer admin.Close(ctx)
	// Test binaries of several packages run at once: one builds the template.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(7346215)"); err != nil {
		return "", fmt.Errorf("lock template: %w", err)
	}
	defer func() { _, _ = admin.Exec(ctx, "SELECT pg_advisory_unlock(7346215)") }()

	var ready bool
	err = admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&ready)
	if err != nil {
		return "", fmt.Errorf("look up template: %w", err)
	}
	if ready {
		return name, nil
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop stale template: %w", err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	url, err := WithDatabase(ServerURL(), name)
	if err != nil {
		return "", err
	}
	pool, err := db.Open(ctx, url, 2)
	if err != nil {
		return "", err
	}
	err = db.MigrateUp(ctx, pool, slog.New(slog.DiscardHandler))
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true"); err != nil {
		return "", fmt.Errorf("mark template: %w", err)
	}
	return name, nil
}

// DB is an isolated, migrated database for one test.
type DB struct {
	Name string
	URL  string
	Pool *pgxpool.Pool
}

// New creates a fresh migrated database for t, dropped when t ends.
func New(t testing.TB) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tmpl, err := ensureTemplate(ctx)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	d, err := create(ctx, tmpl)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		d.Pool.Close()
		if err := Drop(context.Background(), d.Name); err != nil {
			t.Logf("dbtest: %v", err)
		}
	})
	return d
}

// NewEmpty creates an empty (unmigrated) database for t, dropped when t ends.
func NewEmpty(t testing.TB) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := create(ctx, "template0")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		d.Pool.Close()
		if err := Drop(context.Background(), d.Name); err != nil {
			t.Logf("dbtest: %v", err)
		}
	})
	return d
}

// Create makes a migrated database outside of a test (benchmarks use it);
// the caller drops it with Drop.
func Create(ctx context.Context) (*DB, error) {
	tmpl, err := ensureTemplate(ctx)
	if err != nil {
		return nil, err
	}
	return create(ctx, tmpl)
}

func create(ctx context.Context, template string) (*DB, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "vigil_t_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return nil, fmt.Errorf("connect to test server: %w", err)
	}
	defer admin.Close(ctx)
	sql := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())
	if _, err := admin.Exec(ctx, sql); err != nil {
		return nil, fmt.Errorf("create test database: %w", err)
	}
	url, err := WithDatabase(ServerURL(), name)
	if err != nil {
		return nil, err
	}
	pool, err := db.Open(ctx, url, 10)
	if err != nil {
		return nil, err
	}
	if template != "template0" {
		// The template may be days old: its run partitions end a week after
		// the day it was built.
		if _, err := db.EnsureRunPartitionsAhead(ctx, pool, time.Now()); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return &DB{Name: name, URL: url, Pool: pool}, nil
}

// Drop removes a database made by this package.
func Drop(ctx context.Context, name string) error {
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop test database %s: %w", name, err)
	}
	return nil
}

// Logger is the logger tests hand to the code they run: silent, or debug
// text on stderr when VIGIL_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("VIGIL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
