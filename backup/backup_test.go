package backup

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbtest"
)

type testBundle struct {
	ctx context.Context
	src *dbtest.DB
	dir string
	now time.Time
}

// setup gives a migrated database holding two users and two schedules, and an
// empty backup directory.
func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	src := dbtest.New(t)
	_, err := src.Pool.Exec(ctx, `
		WITH u AS (INSERT INTO users (name, status) VALUES ('ada', 'verified'), ('bob', 'pending') RETURNING id, name)
		INSERT INTO job_schedules (user_id, name, job_type, target, cron, task_params)
		SELECT id, name || ' nightly backup', 'backup', 'db', '0 3 * * *', '{"retention": 3}' FROM u`)
	require.NoError(t, err)
	return &testBundle{
		ctx: ctx,
		src: src,
		dir: filepath.Join(t.TempDir(), "backups"),
		now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
	}
}

func (b *testBundle) options() Options {
	return Options{DatabaseURL: b.src.URL, Directory: b.dir, Now: func() time.Time { return b.now }}
}

func TestDumpAndRestore(t *testing.T) {
	t.Parallel()
	b := setup(t)

	res, err := Dump(b.ctx, b.options())
	require.NoError(t, err)
	require.Equal(t, filepath.Join(b.dir, "vigil-20260102T020405Z.dump"), res.File)
	st, err := os.Stat(res.File)
	require.NoError(t, err)
	require.Positive(t, res.SizeBytes)
	require.Equal(t, st.Size(), res.SizeBytes)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	dirSt, err := os.Stat(b.dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), dirSt.Mode().Perm())
	require.NoError(t, Verify(res.File, res.SHA256))
	require.NoError(t, Verify(res.File, strings.ToUpper(res.SHA256)))
	require.ErrorIs(t, Verify(res.File, strings.Repeat("0", 64)), ErrChecksum)
	require.GreaterOrEqual(t, res.Tables, 10, "vigil, river and goose tables")
	require.NotEmpty(t, res.ServerVersion)
	require.NotEmpty(t, res.PgDumpVersion)
	require.Empty(t, res.Deleted)
	leftovers, err := filepath.Glob(filepath.Join(b.dir, ".vigil-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers, "no temporary file left behind")

	dst := dbtest.NewEmpty(t)
	require.NoError(t, Restore(b.ctx, res.File, dst.URL, RestoreOptions{SHA256: res.SHA256}))

	var users, schedules int
	require.NoError(t, dst.Pool.QueryRow(b.ctx, "SELECT count(*) FROM users").Scan(&users))
	require.NoError(t, dst.Pool.QueryRow(b.ctx, "SELECT count(*) FROM job_schedules WHERE job_type = 'backup'").Scan(&schedules))
	require.Equal(t, 2, users)
	require.Equal(t, 2, schedules)
	var gooseTable, riverJob bool
	require.NoError(t, dst.Pool.QueryRow(b.ctx,
		"SELECT to_regclass('goose_db_version') IS NOT NULL, to_regclass('river_job') IS NOT NULL").Scan(&gooseTable, &riverJob))
	require.True(t, gooseTable)
	require.True(t, riverJob)
	status, err := db.Status(b.ctx, dst.Pool)
	require.NoError(t, err)
	require.True(t, status.Current(), "%+v", status)
	// Sequences come back too: a new row does not collide with restored ids.
	_, err = dst.Pool.Exec(b.ctx, "INSERT INTO users (name) VALUES ('carol')")
	require.NoError(t, err)

	t.Run("IntoNonEmptyRefused", func(t *testing.T) {
		t.Parallel()
		err := Restore(b.ctx, res.File, dbtest.New(t).URL, RestoreOptions{})
		require.ErrorIs(t, err, ErrNotEmpty)
		require.Contains(t, err.Error(), "restore into a new empty database")
	})

	t.Run("ChecksumMismatchRefused", func(t *testing.T) {
		t.Parallel()
		empty := dbtest.NewEmpty(t)
		err := Restore(b.ctx, res.File, empty.URL, RestoreOptions{SHA256: strings.Repeat("ab", 32)})
		require.ErrorIs(t, err, ErrChecksum)
	})

	t.Run("BrokenFileRolledBack", func(t *testing.T) {
		t.Parallel()
		data, err := os.ReadFile(res.File)
		require.NoError(t, err)
		broken := filepath.Join(t.TempDir(), "vigil-20260102T020405Z.dump")
		require.NoError(t, os.WriteFile(broken, data[:len(data)/2], 0o600))
		empty := dbtest.NewEmpty(t)
		err = Restore(b.ctx, broken, empty.URL, RestoreOptions{})
		require.Error(t, err)
		require.Contains(t, err.Error(), "pg_restore")
		var n int
		require.NoError(t, empty.Pool.QueryRow(b.ctx,
			"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'").Scan(&n))
		require.Zero(t, n, "single transaction: nothing restored")
	})
}

func TestDumpRetention(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, os.MkdirAll(b.dir, 0o700))
	old := []string{"vigil-20250101T000000Z.dump", "vigil-20251231T235959Z.dump", "vigil-20240615T120000Z.dump"}
	survivors := []string{"notes.txt", "vigil-manual.dump", "vigil-20250101T000000Z.dump.bak", "other-20200101T000000Z.dump"}
	for _, n := range append(append([]string{}, old...), survivors...) {
		require.NoError(t, os.WriteFile(filepath.Join(b.dir, n), []byte("x"), 0o600))
	}
	// A directory named like a backup is not a backup.
	require.NoError(t, os.Mkdir(filepath.Join(b.dir, "vigil-20200101T000000Z.dump"), 0o700))

	o := b.options()
	o.Retention = 2
	res, err := Dump(b.ctx, o)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{
		filepath.Join(b.dir, "vigil-20250101T000000Z.dump"),
		filepath.Join(b.dir, "vigil-20240615T120000Z.dump"),
	}, res.Deleted)

	entries, err := os.ReadDir(b.dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.ElementsMatch(t, append([]string{
		"vigil-20260102T020405Z.dump", // the new one
		"vigil-20251231T235959Z.dump", // the newest old one
		"vigil-20200101T000000Z.dump", // the directory
	}, survivors...), names)

	// Same second again: refused rather than overwriting the backup.
	_, err = Dump(b.ctx, o)
	require.ErrorContains(t, err, "already exists")

	// Default retention keeps 7.
	for i := range 8 {
		require.NoError(t, os.WriteFile(filepath.Join(b.dir, "vigil-2019010"+string(rune('1'+i))+"T000000Z.dump"), []byte("x"), 0o600))
	}
	o.Retention = 0
	b.now = b.now.Add(time.Second)
	res, err = Dump(b.ctx, o)
	require.NoError(t, err)
	require.Len(t, res.Deleted, 4, "7 kept: the new one, the two previous ones and the 4 newest fakes")
}

func TestDumpTables(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.options()
	o.Tables = []string{"users", "public.job_schedules"}
	res, err := Dump(b.ctx, o)
	require.NoError(t, err)
	require.Equal(t, 2, res.Tables)

	// --strict-names: a table that does not exist fails the dump, and the
	// password of the URL is in no error.
	url, err := dbtest.WithDatabase(b.src.URL, b.src.Name)
	require.NoError(t, err)
	url = strings.Replace(url, "postgres://postgres@", "postgres://postgres:Tr0ub4dor-secret@", 1)
	o.DatabaseURL = url
	o.Tables = []string{"no_such_table"}
	b.now = b.now.Add(time.Second)
	_, err = Dump(b.ctx, o)
	require.ErrorContains(t, err, "no_such_table")
	require.NotContains(t, err.Error(), "Tr0ub4dor-secret")
	leftovers, err := filepath.Glob(filepath.Join(b.dir, ".vigil-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers)
}

func TestDumpToolErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)

	t.Run("Missing", func(t *testing.T) {
		t.Parallel()
		o := b.options()
		o.PgDump = filepath.Join(t.TempDir(), "bin", "pg_dump")
		_, err := Dump(b.ctx, o)
		require.ErrorIs(t, err, ErrToolMissing)
		require.Contains(t, err.Error(), "pg_dump not found")
		require.Contains(t, err.Error(), "apt-get install postgresql-client-")
		_, statErr := os.Stat(b.dir)
		require.ErrorIs(t, statErr, os.ErrNotExist, "nothing written")
	})

	t.Run("TooOld", func(t *testing.T) {
		t.Parallel()
		o := b.options()
		o.PgDump = fakeTool(t, "pg_dump", "pg_dump (PostgreSQL) 9.6.24")
		_, err := Dump(b.ctx, o)
		require.ErrorIs(t, err, ErrToolTooOld)
		require.Contains(t, err.Error(), "pg_dump 9 is older than the server")
	})

	t.Run("NoDirectory", func(t *testing.T) {
		t.Parallel()
		o := b.options()
		o.Directory = ""
		_, err := Dump(b.ctx, o)
		require.ErrorContains(t, err, "no directory")
	})
}

func TestResultJSON(t *testing.T) {
	t.Parallel()
	r := Result{File: "/b/vigil-20260102T030405Z.dump", SizeBytes: 42, SHA256: "ab", Tables: 3,
		Duration: 1500 * time.Millisecond, ServerVersion: "15.20", PgDumpVersion: "15.20", Deleted: []string{}}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	require.JSONEq(t, `{"file":"/b/vigil-20260102T030405Z.dump","size_bytes":42,"sha256":"ab","tables":3,
		"duration_seconds":1.5,"server_version":"15.20","pg_dump_version":"15.20","deleted":[]}`, string(b))
	var back Result
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, r, back)
}
