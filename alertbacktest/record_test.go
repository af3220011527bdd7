package alertbacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
)

// createSchedule stores a schedule of user with the given job type and
// task_params.
func createSchedule(t *testing.T, d *dbtest.DB, user int64, jobType, params string) int64 {
	t.Helper()
	s, err := dbsqlc.New().ScheduleCreate(context.Background(), d.Pool, dbsqlc.ScheduleCreateParams{
		UserID: int32(user), Name: "s", JobType: jobType, Target: "AAPL", TaskParams: json.RawMessage(params),
		Cron: "0 * * * *", Enabled: true, Timezone: "UTC", DstGap: "shift", DstFold: "first"})
	require.NoError(t, err)
	return int64(s.ID)
}

func createUser(t *testing.T, d *dbtest.DB, name string) int64 {
	t.Helper()
	u, err := dbsqlc.New().UserCreate(context.Background(), d.Pool, dbsqlc.UserCreateParams{Name: name, Status: "verified"})
	require.NoError(t, err)
	return u.ID
}

// Record stores a finished ad-hoc alert run with the answer as its result,
// the chart as its artifact and an audit row.
func TestRecord(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	b := setup(t)
	user := createUser(t, d, "ann")
	cfg := mustParse(t, rsiAlert)
	res, err := Run(ctx, b.market, cfg, time.Time{}, time.Time{}, now)
	require.NoError(t, err)

	var runID int64
	var ans Answer
	err = pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		var err error
		runID, ans, err = Record(ctx, tx, cfg, res, Recording{UserID: user, Source: audit.SourceAPI, WorkerID: "api",
			Started: now, Finished: now.Add(time.Second)})
		return err
	})
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("/api/runs/%d/artifacts/AAPL-1h-backtest.png", runID), ans.Chart)
	require.Equal(t, res.BacktestResult, ans.BacktestResult)

	q := dbsqlc.New()
	run, err := q.RunGetByID(ctx, d.Pool, runID)
	require.NoError(t, err)
	require.Nil(t, run.JobID, "an ad-hoc run has no schedule")
	require.Equal(t, "adhoc", run.Trigger)
	require.Equal(t, "alert", run.JobType)
	require.Equal(t, "COMPLETED", run.Status)
	require.Equal(t, user, *run.UserID)
	var stored Answer
	require.NoError(t, json.Unmarshal(run.Result, &stored))
	require.Equal(t, ans.Chart, stored.Chart)
	require.Equal(t, res.Count, stored.Count)
	var snap struct {
		Config json.RawMessage `json:"config"`
		From   time.Time       `json:"from"`
		To     time.Time       `json:"to"`
	}
	require.NoError(t, json.Unmarshal(run.JobSnapshot, &snap))
	require.Equal(t, res.From, snap.From)
	again, err := alerts.Parse(snap.Config)
	require.NoError(t, err, "the snapshot's config is a valid alert config")
	require.Equal(t, cfg, again)

	art, err := q.ArtifactGet(ctx, d.Pool, dbsqlc.ArtifactGetParams{RunID: runID, Name: "AAPL-1h-backtest.png"})
	require.NoError(t, err)
	require.Equal(t, res.Chart, art.Data)
	require.Equal(t, "image/png", art.ContentType)

	var action, source, entity string
	var actor *int64
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT action, source, entity_id, actor_user_id FROM audit_log WHERE entity_type = 'run'`).
		Scan(&action, &source, &entity, &actor))
	require.Equal(t, "alert.backtest", action)
	require.Equal(t, "api", source)
	require.Equal(t, fmt.Sprint(runID), entity)
	require.Equal(t, user, *actor)
}

// LoadSchedule reads the user's own alert only.
func TestLoadSchedule(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	ann, bob := createUser(t, d, "ann"), createUser(t, d, "bob")
	alert := createSchedule(t, d, ann, "alert", rsiAlert)
	report := createSchedule(t, d, ann, "report", `{"report_type": "daily_summary"}`)

	cfg, err := LoadSchedule(ctx, d.Pool, alert, ann, false)
	require.NoError(t, err)
	require.Equal(t, "AAPL", cfg.Ticker)

	_, err = LoadSchedule(ctx, d.Pool, alert, bob, false)
	require.ErrorIs(t, err, ErrScheduleNotFound, "another user's alert is not found")
	_, err = LoadSchedule(ctx, d.Pool, alert, bob, true)
	require.NoError(t, err, "an operator reads any")
	_, err = LoadSchedule(ctx, d.Pool, alert+1000, ann, false)
	require.ErrorIs(t, err, ErrScheduleNotFound)
	_, err = LoadSchedule(ctx, d.Pool, 1<<40, ann, false)
	require.ErrorIs(t, err, ErrScheduleNotFound)
	_, err = LoadSchedule(ctx, d.Pool, report, ann, false)
	require.ErrorIs(t, err, ErrNotAlert)
}
