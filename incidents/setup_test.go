package incidents_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/incidents"
	"github.com/vigilhq/vigil/jobs"
)

func testLogger() *slog.Logger { return dbtest.Logger() }

// bundle is a database with users, a real (insert-only) River client and a
// monitor whose checks run at times the test picks.
type bundle struct {
	t      *testing.T
	ctx    context.Context
	db     *dbtest.DB
	pool   *pgxpool.Pool
	cfg    config.Config
	client *jobs.Client
	mon    *incidents.Monitor
	// admins get incident messages; others do not.
	admins           []int64
	user, pendingAdm int64
	// t0 is the test's start, the base of the times it checks at.
	t0 time.Time
}

func testConfig() config.Config {
	cfg := config.Default()
	cfg.StartupDelay = 0
	cfg.HealthCheckInterval = config.Duration(30 * time.Second)
	cfg.IncidentResolveAfter = config.Duration(15 * time.Minute)
	cfg.IncidentCooldown = config.Duration(30 * time.Minute)
	// The monitor's own messages wait in the notification queue (no worker
	// here): only the backlog test looks at queues.
	cfg.IncidentQueueBacklogAge = config.Duration(1000 * time.Hour)
	return cfg
}

func setup(t *testing.T, modify ...func(*config.Config)) *bundle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := dbtest.New(t)
	cfg := testConfig()
	for _, f := range modify {
		f(&cfg)
	}
	require.NoError(t, cfg.Validate())
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: cfg, Logger: testLogger()})
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { _ = client.Shutdown(context.Background(), time.Second) })
	b := &bundle{t: t, ctx: ctx, db: d, pool: d.Pool, cfg: cfg, client: client, t0: time.Now().UTC().Truncate(time.Second)}
	b.mon = b.monitor(d.Pool)
	q := dbsqlc.New()
	for _, u := range []struct {
		name, status string
		admin        bool
		id           *int64
	}{
		{"ann", "verified", true, nil}, {"ada", "verified", true, nil},
		{"bob", "verified", false, &b.user}, {"pat", "pending", true, &b.pendingAdm},
	} {
		row, err := q.UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: u.name, IsAdmin: u.admin, Status: u.status})
		require.NoError(t, err)
		if u.id != nil {
			*u.id = row.ID
		} else {
			b.admins = append(b.admins, row.ID)
		}
	}
	return b
}

func (b *bundle) monitor(pool *pgxpool.Pool) *incidents.Monitor {
	return incidents.New(incidents.Options{Pool: pool, Client: b.client.Client, Config: b.cfg, Logger: testLogger()})
}

// at is t0 plus d.
func (b *bundle) at(d time.Duration) time.Time { return b.t0.Add(d) }

// check runs the monitor at t0+d.
func (b *bundle) check(d time.Duration) incidents.Result {
	b.t.Helper()
	res, err := b.mon.Check(b.ctx, b.at(d))
	require.NoError(b.t, err)
	require.False(b.t, res.Skipped)
	require.Empty(b.t, res.Failed)
	return res
}

func (b *bundle) exec(sql string, args ...any) {
	b.t.Helper()
	_, err := b.pool.Exec(b.ctx, sql, args...)
	require.NoError(b.t, err)
}

func (b *bundle) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	require.NoError(b.t, b.pool.QueryRow(b.ctx, sql, args...).Scan(&n))
	return n
}

// incidents lists the incidents of kind, oldest first.
func (b *bundle) incidents(kind string) []dbsqlc.Incident {
	b.t.Helper()
	rows, err := b.pool.Query(b.ctx, `SELECT id, kind, subject, opened_at, resolved_at, last_seen, count, reopened,
		details, notified_open_at, notified_resolve_at FROM incidents WHERE kind = $1 ORDER BY id`, kind)
	require.NoError(b.t, err)
	defer rows.Close()
	var out []dbsqlc.Incident
	for rows.Next() {
		var in dbsqlc.Incident
		require.NoError(b.t, rows.Scan(&in.ID, &in.Kind, &in.Subject, &in.OpenedAt, &in.ResolvedAt, &in.LastSeen,
			&in.Count, &in.Reopened, &in.Details, &in.NotifiedOpenAt, &in.NotifiedResolveAt))
		out = append(out, in)
	}
	require.NoError(b.t, rows.Err())
	return out
}

// message is a queued notification job.
type message struct {
	UserID           int64  `json:"user_id"`
	MessageID        string `json:"message_id"`
	Message          string `json:"message"`
	Priority         string `json:"priority"`
	NotificationType string `json:"notification_type"`
	riverPriority    int
	queue            string
}

// messages lists the notification jobs queued, oldest first.
func (b *bundle) messages() []message {
	b.t.Helper()
	rows, err := b.pool.Query(b.ctx, `SELECT args, priority, queue FROM river_job WHERE kind = 'notification' ORDER BY id`)
	require.NoError(b.t, err)
	defer rows.Close()
	var out []message
	for rows.Next() {
		var raw []byte
		var m message
		require.NoError(b.t, rows.Scan(&raw, &m.riverPriority, &m.queue))
		require.NoError(b.t, json.Unmarshal(raw, &m))
		out = append(out, m)
	}
	require.NoError(b.t, rows.Err())
	return out
}

// requireMessages asserts that every admin, and no one else, got exactly
// the open and resolve messages of each incident in ids (resolved says which
// have resolved), all urgent system notifications.
func (b *bundle) requireMessages(ids []int64, resolved map[int64]bool) {
	b.t.Helper()
	want := map[string]int64{} // message id -> admin
	for _, id := range ids {
		for _, a := range b.admins {
			want[incidents.MessageID(id, "open", a)] = a
			if resolved[id] {
				want[incidents.MessageID(id, "resolve", a)] = a
			}
		}
	}
	got := map[string]int64{}
	for _, m := range b.messages() {
		require.NotContains(b.t, got, m.MessageID, "message %s queued twice", m.MessageID)
		got[m.MessageID] = m.UserID
		require.Equal(b.t, "urgent", m.Priority)
		require.Equal(b.t, "system", m.NotificationType)
		require.Equal(b.t, 1, m.riverPriority, "urgent goes first")
		require.Equal(b.t, "notification", m.queue)
		require.NotEqual(b.t, b.user, m.UserID, "a non-admin got an incident message")
		require.NotEqual(b.t, b.pendingAdm, m.UserID, "an unverified admin got an incident message")
	}
	require.Equal(b.t, want, got)
}
