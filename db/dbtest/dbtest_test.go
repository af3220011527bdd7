package dbtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

func TestIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := dbtest.New(t), dbtest.New(t)
	require.NotEqual(t, a.Name, b.Name)

	_, err := a.Pool.Exec(ctx, "INSERT INTO users (name) VALUES ('only-in-a')")
	require.NoError(t, err)

	var inA, inB int
	require.NoError(t, a.Pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&inA))
	require.NoError(t, b.Pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&inB))
	require.Equal(t, 1, inA)
	require.Equal(t, 0, inB, "a write in one test database must not be visible in another")

	// Both are migrated: River's tables exist too.
	var riverJob bool
	require.NoError(t, b.Pool.QueryRow(ctx, "SELECT to_regclass('river_job') IS NOT NULL").Scan(&riverJob))
	require.True(t, riverJob)
}

func TestDropOnCleanup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		name = dbtest.New(t).Name
	})
	d := dbtest.New(t)
	var exists bool
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists))
	require.False(t, exists, "the inner test's database is dropped when it ends")
}
