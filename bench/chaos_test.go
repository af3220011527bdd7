package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/db/dbtest"
)

// EnvChaosTest runs every chaos scenario at a tiny scale in `go test`
// (they spawn processes and take a minute or two each); pg_restart also
// needs EnvChaosPGRestart, since it restarts the machine's PostgreSQL.
const (
	EnvChaosTest      = "VIGIL_CHAOS_TEST"
	EnvChaosPGRestart = "VIGIL_CHAOS_PG_RESTART"
)

// runChaos runs scenarios with node processes (this test binary) and
// returns their result lines and RunChaos's error.
func runChaos(t *testing.T, o ChaosOptions) ([]map[string]any, error) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs chaos scenarios on PostgreSQL")
	}
	var out bytes.Buffer
	o.ServerURL = dbtest.ServerURL()
	o.Exe = testExe(t)
	o.Out, o.Log = &out, testLogger()
	if os.Getenv("VIGIL_TEST_LOG") == "" {
		o.NodeOutput, o.Progress = io.Discard, io.Discard
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	err := RunChaos(ctx, o)
	var lines []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		t.Logf("%s", sc.Text())
		lines = append(lines, m)
	}
	return lines, err
}

// requireOK checks a scenario's line: ok, no failure, and counts that must
// be zero.
func requireOK(t *testing.T, line map[string]any, zero ...string) {
	t.Helper()
	require.Equal(t, true, line["ok"], "failures: %v, error: %v", line["failures"], line["error"])
	require.Empty(t, line["failures"])
	for _, k := range append([]string{"missing", "duplicates"}, zero...) {
		require.Contains(t, line, k)
		require.Zero(t, num(t, line, k), k)
	}
	require.Positive(t, num(t, line, "expected"))
	require.InDelta(t, num(t, line, "expected"), num(t, line, "recorded"), 0)
}

// TestChaosFailoverSmoke is the suite's smoke test, run by `make test`:
// two scheduler processes and a worker process, a scheduler SIGKILLed and
// replaced every 2 s under 20 per-second schedules; every fire has one row
// and one River job. (Workers are not killed here: the jobs a killed worker
// holds wait for River's rescuer, 30 s at least.)
func TestChaosFailoverSmoke(t *testing.T) {
	lines, err := runChaos(t, ChaosOptions{Scenario: ChaosFailover, N: 20, Duration: 6 * time.Second,
		Schedulers: 2, Workers: 1, KillSchedulersOnly: true})
	require.NoError(t, err)
	require.Len(t, lines, 1, "one line per scenario")
	r := lines[0]
	require.Equal(t, ChaosFailover, r["scenario"])
	requireOK(t, r, "duplicate_jobs")
	require.GreaterOrEqual(t, num(t, r, "kills"), 2.0)
	require.Equal(t, map[string]any{RoleScheduler: float64(num(t, r, "kills"))}, r["kills_by_role"])
	require.InDelta(t, 2, num(t, r, "scheduler_nodes"), 0)
}

// TestChaosPGRestartNeedsFlag: without AllowPGRestart the scenario does not
// run, says why, and the suite fails.
func TestChaosPGRestartNeedsFlag(t *testing.T) {
	var out bytes.Buffer
	err := RunChaos(context.Background(), ChaosOptions{Scenario: ChaosPGRestart, ServerURL: dbtest.ServerURL(),
		Out: &out, StartNode: InProcessNodes(nil)})
	require.ErrorIs(t, err, ErrChaosFailed)
	var r ChaosResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	require.Equal(t, ChaosPGRestart, r.Scenario)
	require.False(t, r.OK)
	require.Contains(t, r.NotRun, "--allow-pg-restart")
}

func TestChaosOptionsRejected(t *testing.T) {
	for _, o := range []ChaosOptions{
		{Scenario: "kill10"},
		{Scale: -1},
		{RescueAfter: time.Second},
		{ServerURL: "postgres://root@db.example.com:5432/test"},
		{Cron: "every minute"},
	} {
		o.StartNode = InProcessNodes(nil)
		if o.ServerURL == "" {
			o.ServerURL = dbtest.ServerURL()
		}
		err := RunChaos(context.Background(), o)
		require.Error(t, err, "%+v", o)
		require.NotErrorIs(t, err, ErrChaosFailed)
	}
}

// The alert every chaos alert scenario creates is valid, on its symbol, and
// has no per-bar limit (every evaluation may trigger).
func TestChaosAlertParams(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t).Pool
	var params []byte
	require.NoError(t, pool.QueryRow(ctx, `SELECT `+chaosAlertParamsSQL+` FROM (SELECT 'S001' AS sym) s`).Scan(&params))
	cfg, err := alerts.Parse(params)
	require.NoError(t, err, "%s", params)
	require.Equal(t, "S001", cfg.Ticker)
	require.Equal(t, alerts.FrequencyEveryTime, cfg.Frequency)
}

func TestStopBetweenFires(t *testing.T) {
	s, err := cronEvery(cronEveryMinute)
	require.NoError(t, err)
	first := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	require.Equal(t, first.Add(30*time.Second), stopBetweenFires(s, first, first.Add(10*time.Second)))
	require.Equal(t, first.Add(2*time.Minute+30*time.Second), stopBetweenFires(s, first, first.Add(2*time.Minute)))
	require.Equal(t, first.Add(45*time.Second), stopBetweenFires(s, first, first.Add(45*time.Second)))
	// Too close to the next fire: after it.
	require.Equal(t, first.Add(90*time.Second), stopBetweenFires(s, first, first.Add(59*time.Second)))
}

func TestTCPProxyDownAndUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }() // echo
		}
	}()
	p, err := newTCPProxy(ln.Addr().String())
	require.NoError(t, err)
	defer p.Close()
	echo := func() error {
		c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		buf := make([]byte, 4)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if string(buf) != "ping" {
			return errors.New("bad echo " + string(buf))
		}
		return nil
	}
	require.NoError(t, echo())
	open, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	require.NoError(t, echo())
	p.down()
	require.ErrorIs(t, p.dialable(), errProxyDown, "refused while down")
	_ = open.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = open.Read(make([]byte, 1))
	require.Error(t, err, "open connections are cut")
	require.NoError(t, p.up())
	require.NoError(t, echo())
}

func chaosTest(t *testing.T) {
	t.Helper()
	if os.Getenv(EnvChaosTest) == "" {
		t.Skipf("set %s=1 to run the chaos scenarios at a tiny scale (a few minutes)", EnvChaosTest)
	}
}

// TestChaosKill9Tiny: 20 alerts every 2 s, processes SIGKILLed every ~2 s
// and all at once midway, for 20 s; no trigger lost or notified twice.
func TestChaosKill9Tiny(t *testing.T) {
	chaosTest(t)
	lines, err := runChaos(t, ChaosOptions{Scenario: ChaosKill9, N: 20, Cron: "*/2 * * * * *",
		Duration: 20 * time.Second, RescueAfter: 8 * time.Second})
	require.NoError(t, err)
	r := lines[0]
	requireOK(t, r, "lost_triggers", "duplicate_notification_jobs", "failed_runs")
	require.Contains(t, r, "limit_violations")
	require.Positive(t, num(t, r, "kills"))
	require.InDelta(t, 1, num(t, r, "kill_all"), 0)
	require.Positive(t, num(t, r, "triggers_expected"))
	require.Contains(t, r, "duplicate_deliveries")
}

// TestChaosTelegramOutageTiny: 10 alerts every 2 s; the stand-in answers
// 502 then 500 then refuses connections for 20 s, then a 10 s 429 storm.
func TestChaosTelegramOutageTiny(t *testing.T) {
	chaosTest(t)
	lines, err := runChaos(t, ChaosOptions{Scenario: ChaosTelegramOutage, N: 10, Cron: "*/2 * * * * *",
		Duration: 20 * time.Second, NotifyMaxBackoff: 5 * time.Second})
	require.NoError(t, err)
	r := lines[0]
	requireOK(t, r, "lost_triggers", "duplicate_notification_jobs", "limit_violations", "violations_after_storm",
		"duplicate_deliveries", "delivered_during_outage")
	require.Positive(t, num(t, r, "sent_before_outage"))
	require.Greater(t, num(t, r, "notification_attempts"), num(t, r, "sent"), "the outage made deliveries retry")
}

// TestChaosFailoverTiny kills schedulers and workers.
func TestChaosFailoverTiny(t *testing.T) {
	chaosTest(t)
	lines, err := runChaos(t, ChaosOptions{Scenario: ChaosFailover, N: 50, Duration: 20 * time.Second,
		RescueAfter: 8 * time.Second})
	require.NoError(t, err)
	r := lines[0]
	requireOK(t, r, "duplicate_jobs")
	require.Positive(t, r["kills_by_role"].(map[string]any)[RoleWorker])
}

// TestChaosSoakTiny runs a 30 s soak. Its verdicts are not asserted: six
// windows of 5 s (250 fires each) make p99 the third-worst lag, noise on a
// shared machine; TestSoakVerdicts checks the rules.
func TestChaosSoakTiny(t *testing.T) {
	chaosTest(t)
	lines, err := runChaos(t, ChaosOptions{Scenario: ChaosSoak, N: 50, Duration: 30 * time.Second})
	if err != nil {
		require.ErrorIs(t, err, ErrChaosFailed)
	}
	r := lines[0]
	require.Empty(t, r["error"])
	for _, k := range []string{"missing", "duplicates", "duplicate_jobs", "unfinished"} {
		require.Zero(t, num(t, r, k), k)
	}
	require.Len(t, r["windows"], soakWindows)
	require.Len(t, r["rss"], 2)
	for _, p := range r["rss"].([]any) {
		m := p.(map[string]any)
		require.Positive(t, num(t, m, "start_mib"))
		require.Positive(t, num(t, m, "end_mib"))
		require.Len(t, m["window_max_mib"], soakWindows)
	}
	require.Contains(t, r, "lag_p99_stable")
	require.Contains(t, r, "rss_flat")
}

func TestSoakVerdicts(t *testing.T) {
	windows := func(p99 ...float64) []lagWindow {
		var out []lagWindow
		for _, v := range p99 {
			out = append(out, lagWindow{LagP99Ms: &v})
		}
		return out
	}
	rss := func(maxes ...float64) []processRSS {
		return []processRSS{{Role: RoleWorker, PID: 1, WindowMaxMiB: maxes}}
	}
	flatRSS := rss(60, 50, 52, 55, 51, 58)
	for _, tc := range []struct {
		name           string
		windows        []lagWindow
		rss            []processRSS
		stable, flat   bool
		failureMatches string
	}{
		{"steady", windows(300, 900, 400, 1100, 350, 500), flatRSS, true, true, ""},
		{"drifts up", windows(300, 320, 310, 700, 800, 900), flatRSS, false, true, "drifts up"},
		{"one window collapses", windows(300, 300, 300, 300, 2500, 300), flatRSS, false, true, "beyond 2s"},
		{"too few windows", windows(300, 300), flatRSS, false, true, "2 lag windows"},
		{"leaks", windows(300, 300, 300, 300, 300, 300), rss(40, 40, 45, 50, 55, 60), true, false, "grew from 40.0 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &ChaosResult{Windows: tc.windows, RSS: tc.rss}
			(&chaos{res: r}).verdicts()
			require.Equal(t, tc.stable, *r.LagP99Stable, "%v", r.Failures)
			require.Equal(t, tc.flat, *r.RSSFlat, "%v", r.Failures)
			if tc.failureMatches == "" {
				require.Empty(t, r.Failures)
			} else {
				require.NotEmpty(t, r.Failures)
				require.Contains(t, strings.Join(r.Failures, "; "), tc.failureMatches)
			}
		})
	}
}

// TestChaosPGRestartTiny restarts the local PostgreSQL cluster: it
// disconnects every other test on the machine.
func TestChaosPGRestartTiny(t *testing.T) {
	chaosTest(t)
	if os.Getenv(EnvChaosPGRestart) == "" {
		t.Skipf("set %s=1 as well: this restarts the machine's PostgreSQL", EnvChaosPGRestart)
	}
	lines, err := runChaos(t, ChaosOptions{Scenario: ChaosPGRestart, N: 100, Duration: 30 * time.Second, AllowPGRestart: true})
	require.NoError(t, err)
	r := lines[0]
	requireOK(t, r, "duplicate_jobs", "node_exits")
	require.LessOrEqual(t, num(t, r, "recovery_s"), recoveryBound.Seconds())
	require.Positive(t, num(t, r, "pg_down_s"))
}
