package db_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
)

// pooledWorkload runs the kinds of statements Vigil sends (text[], jsonb and
// bytea parameters, in transactions and in autocommit) from 16 goroutines
// through p, and returns the first error.
func pooledWorkload(ctx context.Context, p *pgxpool.Pool, userID int64, runIDs []int64) error {
	q := dbsqlc.New()
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe} // not UTF-8: must travel as bytea
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for i := range 10 {
				err := pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
					name := fmt.Sprintf("s%d-%d", g, i)
					if _, err := q.ScreenerSetUpsert(ctx, tx, dbsqlc.ScreenerSetUpsertParams{UserID: userID, Name: name,
						Symbols: []string{"AAPL", "MSFT"}}); err != nil {
						return err
					}
					return audit.Write(ctx, tx, audit.Entry{Actor: userID, Owner: userID, Source: audit.SourceAPI,
						Action: "screener_set.put", EntityType: "screener_set", EntityID: name, Details: map[string]any{"g": g, "i": i}})
				})
				if err == nil {
					err = q.ArtifactInsert(ctx, p, dbsqlc.ArtifactInsertParams{RunID: runIDs[g], Name: fmt.Sprintf("c%d.png", i),
						ContentType: "image/png", SizeBytes: int32(len(png)), Sha256: "x", Data: png})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// Through PgBouncer in transaction pooling mode (two server connections, so
// consecutive transactions switch server connection), the pooled pool runs
// every kind of statement correctly; a pool with pgx's default named
// prepared statements does not, which is why OpenPooled exists.
func TestOpenPooledThroughPgBouncer(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	bouncer := dbtest.PgBouncer(t, d.URL)
	var userID int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('ann', 'verified') RETURNING id").Scan(&userID))
	runIDs := make([]int64, 16)
	for i := range runIDs {
		require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO job_schedule_runs (job_type, status) VALUES ('report', 'COMPLETED') RETURNING id").Scan(&runIDs[i]))
	}

	pooled, err := db.OpenPooled(ctx, bouncer, 16)
	require.NoError(t, err)
	defer pooled.Close()
	require.NoError(t, pooledWorkload(ctx, pooled, userID, runIDs))

	var sets, audits, artifacts int
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM screener_sets WHERE symbols = '{AAPL,MSFT}'),
		(SELECT count(*) FROM audit_log WHERE details ? 'g'), (SELECT count(*) FROM report_artifacts)`).Scan(&sets, &audits, &artifacts))
	require.Equal(t, []int{160, 160, 160}, []int{sets, audits, artifacts})
	var data []byte
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT data FROM report_artifacts LIMIT 1").Scan(&data))
	require.True(t, bytes.Equal([]byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe}, data), "bytea arrives byte-exact")

	// The default mode's named prepared statements break behind the pooler.
	_, err = d.Pool.Exec(ctx, "DELETE FROM screener_sets; DELETE FROM report_artifacts")
	require.NoError(t, err)
	direct, err := db.Open(ctx, bouncer, 16)
	require.NoError(t, err)
	defer direct.Close()
	err = pooledWorkload(ctx, direct, userID, runIDs)
	require.Error(t, err, "named prepared statements through transaction pooling")
	require.Contains(t, err.Error(), "prepared statement")
}
