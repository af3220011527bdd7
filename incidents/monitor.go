package incidents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/metrics"
)

// checkTimeout bounds one round of checks.
const checkTimeout = 30 * time.Second

// Options are what a Monitor needs.
type Options struct {
	Pool *pgxpool.Pool
	// Client inserts the admins' notification jobs (an insert-only client
	// is enough).
	Client *river.Client[pgx.Tx]
	// Config supplies the incident_* thresholds, health_check_interval and
	// the job types' max_runtime.
	Config config.Config
	// Logger logs incidents opening and resolving; nil discards.
	Logger *slog.Logger
	// Metrics, when set, gets each job type's max_runtime (for the
	// Prometheus slow-job rule).
	Metrics *metrics.Metrics
	// NowFunc is Run's clock; nil means time.Now.
	NowFunc func() time.Time
}

// Monitor runs the incident checks.
type Monitor struct {
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
	cfg    config.Config
	log    *slog.Logger
	q      *dbsqlc.Queries
	now    func() time.Time
}

// New builds a Monitor.
func New(o Options) *Monitor {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := o.NowFunc
	if now == nil {
		now = time.Now
	}
	for _, t := range config.AllJobTypes() {
		o.Metrics.SetJobMaxRuntime(t, o.Config.Job(t).MaxRuntime.D())
	}
	return &Monitor{pool: o.Pool, client: o.Client, cfg: o.Config, log: log.With("component", "incidents"),
		q: dbsqlc.New(), now: now}
}

// Result is what one Check did.
type Result struct {
	// Skipped is true when another monitor held the lock: nothing was checked.
	Skipped bool
	// Opened, Reopened, Seen and Resolved are the incidents the check
	// opened, reopened within the cooldown, saw again while open, and resolved.
	Opened, Reopened, Seen, Resolved []dbsqlc.Incident
	// Notified counts the notification jobs queued (one per admin and message).
	Notified int
	// Failed maps a kind whose check failed to its error; its open incidents
	// were left as they were.
	Failed map[string]error
}

// Run checks every incident_check_interval until ctx is done. The first
// check comes one interval after the start, so that a scheduler catching up
// after a restart and the roles' first heartbeats are not reported.
func (m *Monitor) Run(ctx context.Context) {
	interval := m.cfg.IncidentCheckInterval.D()
	if interval <= 0 {
		interval = m.cfg.HealthCheckInterval.D()
	}
	if interval <= 0 {
		interval = 30 * time.Second
	}
	m.log.Info("incident monitor started", "interval", interval, "kinds", Kinds())
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := m.Check(ctx, m.now()); err != nil && ctx.Err() == nil {
			m.log.Warn("incident check", "error", err)
		}
	}
}

// Check runs every check as of now and opens, counts, reopens and resolves
// incidents, queueing the admins' messages, in one transaction. It does
// nothing (Result.Skipped) while another monitor is checking.
func (m *Monitor) Check(ctx context.Context, now time.Time) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	var res Result
	err := pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		res = Result{}
		locked, err := m.q.IncidentTryLock(ctx, tx)
		if err != nil {
			return fmt.Errorf("incident lock: %w", err)
		}
		if !locked {
			res.Skipped = true
			return nil
		}
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '20s'"); err != nil {
			return fmt.Errorf("statement timeout: %w", err)
		}
		var obs []observation
		checked := map[string]bool{}
		checks := m.checks()
		for _, kind := range Kinds() {
			start := time.Now()
			got, err := m.runCheck(ctx, tx, checks[kind], now)
			m.log.Debug("incident check ran", "kind", kind, "took", time.Since(start), "problems", len(got))
			if err != nil {
				if res.Failed == nil {
					res.Failed = map[string]error{}
				}
				res.Failed[kind] = err
				m.log.Warn("incident check failed", "kind", kind, "error", err)
				continue
			}
			checked[kind] = true
			obs = append(obs, got...)
		}
		return m.apply(ctx, tx, now, obs, checked, &res)
	})
	if err != nil {
		return Result{}, fmt.Errorf("incident check: %w", err)
	}
	return res, nil
}

// runCheck runs one check in a savepoint, so that a failing query does not
// abort the other checks.
func (m *Monitor) runCheck(ctx context.Context, tx pgx.Tx, c check, now time.Time) ([]observation, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	obs, err := c(ctx, sp, now)
	if err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return nil, errors.Join(err, rbErr)
		}
		return nil, err
	}
	return obs, sp.Commit(ctx)
}
