package backup

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db"
)

// DefaultRetention is how many backups Dump keeps when Options.Retention is 0.
const DefaultRetention = 7

// ErrPrune means the dump succeeded but deleting old backups failed; Dump
// returns it with a complete Result.
var ErrPrune = errors.New("delete old backups")

// fileTimeFormat is the UTC time in a backup's name: vigil-20260102T030405Z.dump.
const fileTimeFormat = "20060102T150405Z"

// backupName matches the files Dump writes, and so the only files retention
// deletes.
var backupName = regexp.MustCompile(`^vigil-\d{8}T\d{6}Z\.dump$`)

// Options configure Dump.
type Options struct {
	DatabaseURL string   // what to dump
	Directory   string   // where files go (created 0700 if missing)
	Retention   int      // keep the newest N vigil-*.dump files in Directory (0: DefaultRetention); older ones are deleted after a successful dump
	Tables      []string // only these tables, optionally schema-qualified (default: the whole database: Vigil's, River's and goose's tables, so a restore is complete)
	PgDump      string   // pg_dump to run (default: found by FindTool for the server's major version)
	Now         func() time.Time
}

// Result describes a finished dump; it is the run result of a backup job.
type Result struct {
	File          string        `json:"file"`       // path of the new backup
	SizeBytes     int64         `json:"size_bytes"` // its size
	SHA256        string        `json:"sha256"`     // hex SHA-256 of its content
	Tables        int           `json:"tables"`     // tables in the dump
	Duration      time.Duration `json:"-"`          // JSON: duration_seconds
	ServerVersion string        `json:"server_version"`
	PgDumpVersion string        `json:"pg_dump_version"`
	Deleted       []string      `json:"deleted"` // backups removed by retention (paths)
}

type resultJSON struct {
	result
	DurationSeconds float64 `json:"duration_seconds"`
}

type result Result

// MarshalJSON writes Duration as duration_seconds.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{result: result(r), DurationSeconds: r.Duration.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Result(j.result)
	r.Duration = time.Duration(j.DurationSeconds * float64(time.Second))
	return nil
}

// Dump writes a pg_dump custom-format archive of the database to
// Directory/vigil-<UTC yyyymmddThhmmssZ>.dump (through a temporary file,
// fsynced, then renamed), then deletes the oldest backups beyond Retention.
// If only the deletion fails, it returns the Result with an error wrapping
// ErrPrune. Errors never contain the database password.
func Dump(ctx context.Context, o Options) (Result, error) {
	c, err := splitPassword(o.DatabaseURL)
	if err != nil {
		return Result{}, err
	}
	res, err := dump(ctx, o, c)
	return res, c.scrub(err)
}

func dump(ctx context.Context, o Options, c conn) (Result, error) {
	if o.Directory == "" {
		return Result{}, errors.New("backup: no directory configured")
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	keep := o.Retention
	if keep <= 0 {
		keep = DefaultRetention
	}
	start := now()

	info, err := inspect(ctx, o.DatabaseURL, c, o.Tables)
	if err != nil {
		return Result{}, err
	}
	pgDump, _, err := FindTool(ctx, cmp.Or(o.PgDump, "pg_dump"), info.major)
	if err != nil {
		return Result{}, err
	}
	pgDumpVersion, _, err := toolVersion(ctx, pgDump)
	if err != nil {
		return Result{}, err
	}

	if err := os.MkdirAll(o.Directory, 0o700); err != nil {
		return Result{}, fmt.Errorf("create backup directory: %w", err)
	}
	final := filepath.Join(o.Directory, "vigil-"+start.UTC().Format(fileTimeFormat)+".dump")
	if _, err := os.Lstat(final); err == nil {
		return Result{}, fmt.Errorf("backup %s already exists: one backup per second at most", final)
	}
	// CreateTemp makes the file 0600; pg_dump truncates and writes it, keeping
	// the mode. The name does not match backupName, so retention never sees it.
	tmp, err := os.CreateTemp(o.Directory, ".vigil-*.dump.tmp")
	if err != nil {
		return Result{}, fmt.Errorf("create temporary backup file: %w", err)
	}
	tmpName := tmp.Name()
	_ = tmp.Close()
	renamed := false
	defer func() {
		if !renamed {
			_ = os.Remove(tmpName)
		}
	}()

	args := []string{"--format=custom", "--no-owner", "--file=" + tmpName}
	if len(o.Tables) > 0 {
		args = append(args, "--strict-names")
		for _, t := range o.Tables {
			args = append(args, "--table="+t)
		}
	}
	if c.Conninfo != "" {
		args = append(args, "--dbname="+c.Conninfo)
	}
	if err := run(ctx, pgDump, args, c); err != nil {
		return Result{}, fmt.Errorf("pg_dump of %s: %w", c.Conninfo, err)
	}

	size, sum, err := syncAndHash(tmpName)
	if err != nil {
		return Result{}, err
	}
	if err := os.Rename(tmpName, final); err != nil {
		return Result{}, fmt.Errorf("rename backup into place: %w", err)
	}
	renamed = true
	if err := syncDir(o.Directory); err != nil {
		return Result{}, err
	}

	res := Result{
		File:          final,
		SizeBytes:     size,
		SHA256:        sum,
		Tables:        info.tables,
		ServerVersion: info.version,
		PgDumpVersion: pgDumpVersion,
		Deleted:       []string{},
	}
	deleted, pruneErr := prune(o.Directory, keep)
	res.Deleted = append(res.Deleted, deleted...)
	res.Duration = now().Sub(start)
	if pruneErr != nil {
		return res, fmt.Errorf("%w in %s: %w", ErrPrune, o.Directory, pruneErr)
	}
	return res, nil
}

// serverInfo is what Dump learns from the server before running pg_dump.
type serverInfo struct {
	version string // server_version, e.g. "15.20 (Debian 15.20-0+deb12u1)"
	major   int
	tables  int // tables pg_dump will dump
}

func inspect(ctx context.Context, dbURL string, c conn, tables []string) (serverInfo, error) {
	var info serverInfo
	pg, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return info, fmt.Errorf("connect to %s: %w", c.Conninfo, db.Explain(err))
	}
	defer pg.Close(context.WithoutCancel(ctx))
	var num string
	if err := pg.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('server_version_num')").Scan(&info.version, &num); err != nil {
		return info, fmt.Errorf("read server version: %w", err)
	}
	if info.major, err = serverMajor(num); err != nil {
		return info, err
	}
	if tables == nil {
		tables = []string{}
	}
	// pg_dump --table matches unqualified names in every schema.
	err = pg.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p')
		  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
		  AND (cardinality($1::text[]) = 0 OR c.relname = ANY($1) OR n.nspname || '.' || c.relname = ANY($1))`,
		tables).Scan(&info.tables)
	if err != nil {
		return info, fmt.Errorf("count tables: %w", err)
	}
	return info, nil
}

// run runs a client program with the password in its environment and returns
// its stderr in the error.
func run(ctx context.Context, path string, args []string, c conn) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = c.env(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w%s", ctx.Err(), stderrSuffix(stderr.Bytes()))
		}
		return fmt.Errorf("%w%s", err, stderrSuffix(stderr.Bytes()))
	}
	return nil
}

// syncAndHash fsyncs a file and returns its size and hex SHA-256.
func syncAndHash(name string) (int64, string, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, "", fmt.Errorf("open backup file: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return 0, "", fmt.Errorf("sync backup file: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("read backup file: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open backup directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync backup directory: %w", err)
	}
	return nil
}

// prune deletes the regular files named like backups in dir beyond the
// newest keep (by the time in the name) and returns their paths. Other files,
// directories and symlinks are left alone.
func prune(dir string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && backupName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) <= keep {
		return nil, nil
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names))) // newest first
	var deleted []string
	var errs []error
	for _, n := range names[keep:] {
		p := filepath.Join(dir, n)
		if err := os.Remove(p); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, p)
	}
	if len(deleted) > 0 {
		if err := syncDir(dir); err != nil {
			errs = append(errs, err)
		}
	}
	return deleted, errors.Join(errs...)
}
