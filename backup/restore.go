package backup

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db"
)

// ErrNotEmpty means the restore target already has tables.
var ErrNotEmpty = errors.New("restore target database is not empty")

// ErrChecksum means a backup's content does not match its recorded SHA-256.
var ErrChecksum = errors.New("backup checksum mismatch")

// RestoreOptions configure Restore.
type RestoreOptions struct {
	PgRestore string // pg_restore to run (default: found by FindTool for the target server's major version)
	SHA256    string // when set, Verify the file against it before restoring
}

// Verify checks that file's SHA-256 is sum (hex, any case). A mismatch wraps
// ErrChecksum.
func Verify(file, sum string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read backup %s: %w", file, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if !strings.EqualFold(got, strings.TrimSpace(sum)) {
		return fmt.Errorf("%w: %s has sha256 %s, expected %s", ErrChecksum, file, got, sum)
	}
	return nil
}

// Restore loads a backup written by Dump into the database at targetURL,
// which must be empty (no tables, views or sequences outside the system
// schemas; otherwise the error wraps ErrNotEmpty). It runs
// pg_restore --no-owner --no-privileges --exit-on-error --single-transaction,
// so a failed restore leaves the database as empty as it was. Objects are
// owned by the connecting user. Errors never contain the database password.
func Restore(ctx context.Context, file, targetURL string, o RestoreOptions) error {
	c, err := splitPassword(targetURL)
	if err != nil {
		return err
	}
	return c.scrub(restore(ctx, file, targetURL, c, o))
}

func restore(ctx context.Context, file, targetURL string, c conn, o RestoreOptions) error {
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("backup file %s is not a regular file", file)
	}
	if o.SHA256 != "" {
		if err := Verify(file, o.SHA256); err != nil {
			return err
		}
	}
	major, err := checkEmpty(ctx, targetURL, c)
	if err != nil {
		return err
	}
	pgRestore, _, err := FindTool(ctx, cmp.Or(o.PgRestore, "pg_restore"), major)
	if err != nil {
		return err
	}
	args := []string{"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"}
	if c.Conninfo != "" {
		args = append(args, "--dbname="+c.Conninfo)
	} else {
		// Without --dbname pg_restore writes SQL to stdout instead of restoring.
		args = append(args, "--dbname=")
	}
	args = append(args, file)
	if err := run(ctx, pgRestore, args, c); err != nil {
		return fmt.Errorf("pg_restore of %s into %s (rolled back, the database is unchanged): %w", file, c.Conninfo, err)
	}
	return nil
}

// checkEmpty returns the target server's major version, or an error wrapping
// ErrNotEmpty when the database has relations outside the system schemas.
func checkEmpty(ctx context.Context, targetURL string, c conn) (int, error) {
	pg, err := pgx.Connect(ctx, targetURL)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", c.Conninfo, db.Explain(err))
	}
	defer pg.Close(context.WithoutCancel(ctx))
	var (
		num, dbName string
		count       int
		examples    []string
	)
	err = pg.QueryRow(ctx, `SELECT current_setting('server_version_num'), current_database(),
			count(c.oid),
			coalesce((array_agg(n.nspname || '.' || c.relname ORDER BY c.relkind NOT IN ('r', 'p'), n.nspname, c.relname))[1:3], '{}')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
		  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'`).Scan(&num, &dbName, &count, &examples)
	if err != nil {
		return 0, fmt.Errorf("check restore target: %w", err)
	}
	if count > 0 {
		return 0, fmt.Errorf("%w: database %q has %d tables, views or sequences (e.g. %s); restore into a new empty database (createdb NEW_NAME) and point Vigil at it",
			ErrNotEmpty, dbName, count, strings.Join(examples, ", "))
	}
	return serverMajor(num)
}
