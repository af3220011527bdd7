package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// recoveryBound is the longest pg_restart allows each role to take to work
// again after PostgreSQL is back.
const recoveryBound = 15 * time.Second

// pgCluster is a Debian PostgreSQL cluster (pg_lsclusters).
type pgCluster struct {
	Version, Name string
}

func (p pgCluster) String() string { return p.Version + "/" + p.Name }

// localCluster finds the Debian cluster that serves the bench database: the
// one of pg_lsclusters with the server's port and data directory. It fails
// when there is none (a remote server, a container, another packaging).
func (c *chaos) localCluster(ctx context.Context) (pgCluster, error) {
	var dataDir, port string
	if err := c.db.pool.QueryRow(ctx, `SELECT current_setting('data_directory'), current_setting('port')`).Scan(&dataDir, &port); err != nil {
		return pgCluster{}, fmt.Errorf("read the server's data directory: %w", err)
	}
	out, err := exec.CommandContext(ctx, "pg_lsclusters", "--no-header").Output()
	if err != nil {
		return pgCluster{}, fmt.Errorf("pg_restart needs the server to be a local Debian cluster (pg_lsclusters): %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		// Ver Cluster Port Status Owner Data-directory Log-file
		f := strings.Fields(sc.Text())
		if len(f) >= 6 && f[2] == port && f[5] == dataDir {
			return pgCluster{Version: f[0], Name: f[1]}, nil
		}
	}
	return pgCluster{}, fmt.Errorf("pg_restart: no cluster of pg_lsclusters serves port %s from %s: the bench database must be on the local cluster", port, dataDir)
}

// restartCluster runs pg_ctlcluster restart and returns its duration.
func restartCluster(ctx context.Context, cl pgCluster) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	out, err := exec.CommandContext(ctx, "pg_ctlcluster", "--skip-systemctl-redirect", cl.Version, cl.Name, "restart").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pg_ctlcluster %s restart: %w: %s", cl, err, strings.TrimSpace(string(out)))
	}
	return time.Since(t0), nil
}

// waitServer polls until a new connection to url answers, and returns when.
func waitServer(ctx context.Context, url string, timeout time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, url)
		if err == nil {
			_, err = conn.Exec(cctx, "SELECT 1")
			_ = conn.Close(context.WithoutCancel(ctx))
		}
		ccancel()
		if err == nil {
			return time.Now(), nil
		}
		if ctx.Err() != nil {
			return time.Time{}, fmt.Errorf("PostgreSQL not back within %s: %w", timeout, errors.Join(err, ctx.Err()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probeSchedules creates n per-second data_processing schedules (the probe,
// as S1), first due at first.
func (c *chaos) probeSchedules(ctx context.Context, n int, first time.Time) (span, error) {
	var sp span
	var err error
	sp.FirstID, sp.LastID, err = insertSchedules(ctx, c.db.pool, scheduleSet{N: n, Cron: cronEverySecond, NextRunAt: first})
	if err != nil {
		return sp, err
	}
	return sp, analyze(ctx, c.db.pool)
}

// pgRestart runs pg_restart: S1 (N per-second schedules, one scheduler and
// one worker process), PostgreSQL restarted a third of the way in. Each role
// must work again within 15 s of PostgreSQL being back without being
// restarted itself (scheduler: the first run row written after it; worker:
// the first probe execution), and every fire since the start must have a
// row, none two.
func (c *chaos) pgRestart(ctx context.Context) error {
	cl, err := c.localCluster(ctx)
	if err != nil {
		return err
	}
	c.res.PGCluster = cl.String()
	n := c.res.N
	total := c.scaled(90*time.Second, 30*time.Second)
	before := max(total/3, 10*time.Second)
	after := max(total-before, recoveryBound+5*time.Second)
	c.cron, _ = cronEvery(cronEverySecond)
	first := fireAtOrAfter(c.cron, time.Now().Add(time.Second))
	sp, err := c.probeSchedules(ctx, n, first)
	if err != nil {
		return err
	}
	c.res.SchedulerNodes, c.res.WorkerNodes = 1, 1
	ready, err := c.startNodes(ctx, RoleScheduler, RoleWorker)
	if err != nil {
		return err
	}
	c.bg.Go(func() { c.analyzeAt(ctx, later(ready, first).Add(2*time.Second)) })
	nodes := c.current()
	mon := c.watch(ctx, "before")
	defer mon.stop()
	if err := sleepUntil(ctx, ready.Add(before)); err != nil {
		return err
	}

	c.log.Info("chaos: restarting PostgreSQL", "cluster", cl.String())
	c.progress("restart", "cluster", cl.String())
	t0 := time.Now()
	took, err := restartCluster(ctx, cl)
	if err != nil {
		return err
	}
	back, err := waitServer(ctx, c.db.url, time.Minute)
	if err != nil {
		return err
	}
	restartS, downS := round(took.Seconds(), 2), round(back.Sub(t0).Seconds(), 2)
	c.res.PGRestartS, c.res.PGDownS = &restartS, &downS
	mon.setPhase("after")
	c.progress("back", "pg_down_s", downS)
	end := back.Add(after)
	if err := sleepUntil(ctx, end); err != nil {
		return err
	}
	exits := 0
	for _, nd := range nodes {
		select {
		case <-nd.Done():
			exits++
		default:
		}
	}
	c.res.NodeExits = &exits
	if exits > 0 {
		c.res.fail("%d node processes exited: a role did not survive the restart", exits)
	}
	mon.stop()

	c.res.RecoveryBoundS = recoveryBound.Seconds()
	var firstRun, firstProbe *time.Time
	if err := c.db.pool.QueryRow(ctx, `SELECT (SELECT min(enqueued_at) FROM job_schedule_runs WHERE enqueued_at >= $1),
		(SELECT min(started_at) FROM bench_results WHERE started_at >= $1)`, back).Scan(&firstRun, &firstProbe); err != nil {
		return fmt.Errorf("read the first fire after the restart: %w", err)
	}
	recovery := 0.0
	for _, p := range []struct {
		at   *time.Time
		dst  **float64
		role string
	}{{firstRun, &c.res.SchedulerRecoveryS, RoleScheduler}, {firstProbe, &c.res.WorkerRecoveryS, RoleWorker}} {
		if p.at == nil {
			c.res.fail("the %s did not work again within %s of PostgreSQL being back", p.role, after.Round(time.Second))
			continue
		}
		v := round(max(p.at.Sub(back).Seconds(), 0), 3)
		*p.dst = &v
		recovery = max(recovery, v)
		if v > recoveryBound.Seconds() {
			c.res.fail("the %s took %.1f s to work again, bound %s", p.role, v, recoveryBound)
		}
	}
	c.res.RecoveryS = &recovery

	sp.From, sp.To = first, end.Truncate(time.Second)
	c.res.DurationS = round(sp.To.Sub(sp.From).Seconds(), 1)
	expected := int64(n) * firesIn(c.cron, sp.From, sp.To)
	last := lastFireBefore(c.cron, sp.From, sp.To)
	// The ledger's writes lost with the connections are repaired by the
	// reconciler (every 30 s, for runs settled 10 s).
	if err := c.settleFinished(ctx, sp, expected, last.Add(50*time.Second)); err != nil {
		return err
	}
	st, err := c.finish(ctx, sp, time.Second)
	if err != nil {
		return err
	}
	c.fillRuns(st, expected)
	c.fillProbe(st)
	return nil
}
