package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// RunPartitionsAhead is how many UTC days ahead of today job_schedule_runs
// has day partitions: created at every migrate and by the hourly retention
// job, so that a week without maintenance still finds today's partition.
const RunPartitionsAhead = 7

// ErrNoRunPartition is returned when a run's scheduled_for falls on a day
// with no partition of job_schedule_runs: before the oldest kept day (older
// than the retention) or more than RunPartitionsAhead days ahead.
var ErrNoRunPartition = errors.New("job_schedule_runs has no partition for the run's scheduled_for")

// IsNoRunPartition reports whether err is PostgreSQL's "no partition of
// relation job_schedule_runs found for row".
func IsNoRunPartition(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" &&
		strings.Contains(pgErr.Message, "no partition of relation") &&
		strings.Contains(pgErr.Message, "job_schedule_runs")
}

// EnsureRunPartitions creates the missing day partitions of
// job_schedule_runs for every UTC day from from to to (inclusive) and
// returns how many it created.
func EnsureRunPartitions(ctx context.Context, q dbsqlc.DBTX, from, to time.Time) (int, error) {
	day := func(t time.Time) pgtype.Date {
		u := t.UTC()
		return pgtype.Date{Time: time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC), Valid: true}
	}
	n, err := dbsqlc.New().RunPartitionsCreate(ctx, q, dbsqlc.RunPartitionsCreateParams{FromDay: day(from), ToDay: day(to)})
	if err != nil {
		return 0, fmt.Errorf("create run partitions %s to %s: %w", from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly), err)
	}
	return int(n), nil
}

// EnsureRunPartitionsAhead creates the partitions of yesterday, today and
// RunPartitionsAhead days ahead that are missing.
func EnsureRunPartitionsAhead(ctx context.Context, q dbsqlc.DBTX, now time.Time) (int, error) {
	return EnsureRunPartitions(ctx, q, now.AddDate(0, 0, -1), now.AddDate(0, 0, RunPartitionsAhead))
}
