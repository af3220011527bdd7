package backup

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeTool writes an executable shell script named name that prints out.
func fakeTool(t *testing.T, name, out string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\necho '"+out+"'\n"), 0o700))
	return p
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		out     string
		version string
		major   int
	}{
		{"pg_dump (PostgreSQL) 13.1\n", "13.1", 13},
		{"pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n", "15.20 (Debian 15.20-0+deb12u1)", 15},
		{"pg_restore (PostgreSQL) 16beta1", "16beta1", 16},
		{"pg_dump (PostgreSQL) 17devel", "17devel", 17},
		{"pg_dump (PostgreSQL) 9.6.24\n", "9.6.24", 9},
	} {
		v, major, err := parseVersion(tc.out)
		require.NoError(t, err, tc.out)
		require.Equal(t, tc.version, v)
		require.Equal(t, tc.major, major)
	}
	for _, bad := range []string{"", "pg_dump", "something else 15", "pg_dump (PostgreSQL) x"} {
		_, _, err := parseVersion(bad)
		require.Error(t, err, bad)
	}
}

func TestServerMajor(t *testing.T) {
	t.Parallel()
	for num, want := range map[string]int{"150020": 15, "170000": 17, "90624": 9, "100001": 10} {
		got, err := serverMajor(num)
		require.NoError(t, err)
		require.Equal(t, want, got, num)
	}
	_, err := serverMajor("nope")
	require.Error(t, err)
}

func TestFindTool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("TooOld", func(t *testing.T) {
		t.Parallel()
		fake := fakeTool(t, "pg_dump", "pg_dump (PostgreSQL) 13.1")
		_, major, err := FindTool(ctx, fake, 15)
		require.ErrorIs(t, err, ErrToolTooOld)
		require.Equal(t, 13, major)
		require.Contains(t, err.Error(), "pg_dump 13 is older than the server (15): pg_dump refuses to dump a newer server; install postgresql-client-15")
		require.Contains(t, err.Error(), fake)
	})

	t.Run("NewEnough", func(t *testing.T) {
		t.Parallel()
		fake := fakeTool(t, "pg_dump", "pg_dump (PostgreSQL) 16.2")
		for _, server := range []int{0, 13, 16} {
			p, major, err := FindTool(ctx, fake, server)
			require.NoError(t, err)
			require.Equal(t, fake, p)
			require.Equal(t, 16, major)
		}
	})

	t.Run("MissingPath", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "nope", "pg_dump")
		_, _, err := FindTool(ctx, missing, 15)
		require.ErrorIs(t, err, ErrToolMissing)
		require.Contains(t, err.Error(), "pg_dump not found at "+missing+": install the PostgreSQL client (e.g. apt-get install postgresql-client-15)")
	})

	t.Run("MissingName", func(t *testing.T) {
		t.Parallel()
		_, _, err := FindTool(ctx, "vigil_no_such_pg_tool", 15)
		require.ErrorIs(t, err, ErrToolMissing)
		require.Contains(t, err.Error(), "vigil_no_such_pg_tool not found: install the PostgreSQL client (e.g. apt-get install postgresql-client-15) or set")
		require.Contains(t, err.Error(), "/usr/lib/postgresql/15/bin")
	})

	t.Run("Unparseable", func(t *testing.T) {
		t.Parallel()
		fake := fakeTool(t, "pg_dump", "not a version")
		_, _, err := FindTool(ctx, fake, 15)
		require.ErrorIs(t, err, ErrToolMissing)
		require.Contains(t, err.Error(), "unrecognised version output")
	})

	t.Run("Installed", func(t *testing.T) {
		t.Parallel()
		// The real client found by name, as Dump does by default.
		p, major, err := FindTool(ctx, "pg_dump", 10)
		if err != nil {
			t.Skipf("no pg_dump installed: %v", err)
		}
		require.NotEmpty(t, p)
		require.GreaterOrEqual(t, major, 10)
	})
}
