// Package db owns Vigil's PostgreSQL connection pool, migrations (Vigil's goose
// migrations and River's own), error translation and the dev-database default.
// All SQL lives in db/queries and is compiled by sqlc into db/dbsqlc.
package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/config"
)

// DevURL is the database used when no URL is configured.
const DevURL = "postgres://localhost:5432/vigil"

// Open connects a pool to url and checks that the server answers.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	return open(ctx, url, maxConns, false)
}

// EnsureDatabase creates the database named in url when it does not exist,
// connecting to the server's maintenance database to do so. It reports whether
// it created the database.
func EnsureDatabase(ctx context.Context, dbURL string) (bool, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return false, fmt.Errorf("parse database url: %w", err)
	}
	name := cfg.Database
	if name == "" {
		return false, nil
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		conn.Close(ctx)
		return false, nil
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return false, Explain(err)
	}
	for _, maint := range []string{"postgres", "template1"} {
		mcfg := cfg.Copy()
		mcfg.Database = maint
		mconn, err := pgx.ConnectConfig(ctx, mcfg)
		if err != nil {
			continue
		}
		_, err = mconn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		mconn.Close(ctx)
		if err != nil && !IsDuplicateDatabase(err) {
			return false, fmt.Errorf("create database %q: %w", name, err)
		}
		return err == nil, nil
	}
	return false, fmt.Errorf("database %q does not exist and no maintenance database was reachable to create it", name)
}

// IsDuplicateDatabase reports whether err says the database already exists.
func IsDuplicateDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42P04"
}

// Explain turns a connection error into a message that says what is wrong and
// what to do about it.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return fmt.Errorf("authentication failed (%s): check the user and password in the database URL: %w", pgErr.Message, err)
		case "3D000":
			return fmt.Errorf("database does not exist (%s): create it or run `vigil migrate up` against the dev default, which creates it: %w", pgErr.Message, err)
		}
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "no such host") {
		return fmt.Errorf("database server unreachable: is PostgreSQL running at the address in the database URL? (%w)", err)
	}
	return fmt.Errorf("connect to database: %w", err)
}

// Redact hides the password in a database URL or DSN for logs and messages
// (config.RedactDatabaseURL).
func Redact(dbURL string) string { return config.RedactDatabaseURL(dbURL) }

// OpenPooled connects a pool to url through a connection pooler in
// transaction pooling mode (PgBouncer 1.18's pool_mode = transaction):
// statements must not outlive their transaction on the server, so pgx uses
// no named prepared statements. QueryExecModeCacheDescribe asks the server
// for a statement's parameter and result types once per connection and then
// executes it in one round trip with the unnamed statement, which survives
// the pooler switching server connections between transactions (and keeps
// binary encodings, so jsonb and bytea parameters work as in a direct pool).
// Session state (LISTEN, session advisory locks, SET) does not belong here.
func OpenPooled(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	return open(ctx, url, maxConns, true)
}

func open(ctx context.Context, url string, maxConns int32, pooled bool) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if pooled {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, Explain(err)
	}
	return pool, nil
}
