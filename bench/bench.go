package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/schedule"
)

// Scenarios.
const (
	S1 = "S1" // fan-out: N per-second schedules
	S2 = "S2" // table scale: N per-minute schedules
	S3 = "S3" // many scheduler processes
	S4 = "S4" // downtime: kill every node, restart
	A1 = "A1" // alert pipeline: N alerts on M symbols
)

// Options configure Run. Zero values take the scenario's defaults.
type Options struct {
	// Scenario is S1, S2, S3 or S4.
	Scenario string
	// N is the number of firing schedules (S1 1000, S2 10000, S3 1000, S4 100).
	N int
	// Duration is the measured window (S1 30s, S2 120s, S3 30s; S4 each of
	// its two phases, 2m).
	Duration time.Duration
	// Warmup is the least time between the nodes being ready and the
	// window (5s); the window starts at the next fire after it (for S2 the
	// next full minute). S4 has no warm-up: it counts every fire.
	Warmup time.Duration
	// Settle is the longest wait after the window's last fire for runs to
	// start (5s; S2 60s); the wait ends as soon as all have. A run not
	// started by then counts as not_started, its lag as now − fire time.
	Settle time.Duration
	// Nodes is the number of scheduler processes of S3 (2).
	Nodes int
	// Pooler, HOST:PORT of a PgBouncer in transaction pooling mode in front
	// of the server, routes the schedulers' transactions through it (nodes
	// keep River's client and LISTEN on the direct connection), as
	// pooled_database_url does for vigil.
	Pooler string
	// Down is S4's downtime (3m).
	Down time.Duration
	// Cron overrides the scenario's cron (S1, S3 "* * * * * *"; S2, S4
	// "* * * * *"); tests use per-second crons for S4.
	Cron string
	// Stored is S2's total number of stored schedules: Stored − N hourly
	// schedules are added (WORKLOAD's "1M stored, 100k firing": N 100000,
	// Stored 1000000). Without Spread they all fire half an hour away from
	// the window and are not measured; with Spread each fires at its own
	// minute and second of the hour ("S M * * * *"), so about (Stored − N)/60
	// fire in every minute of the window, and they are measured with the
	// per-minute ones. 0 or ≤ N adds none. create_s covers all of them.
	Stored int
	// NoKill keeps S3 from SIGKILLing one scheduler midway (it starts a
	// replacement at once).
	NoKill bool
	// Spread (S2) gives each per-minute schedule its own second of the
	// minute instead of all firing at second 0.
	Spread bool
	// Days is S5's number of simulated days of runs (30); N is then the
	// runs per day (200,000).
	Days int
	// Symbols is A1's number of distinct symbols (default 500), and the
	// number of symbols T2's bots trade (default 20).
	Symbols int
	// ServerURL is a PostgreSQL URL on the server to use (db.DevURL); the
	// bench creates and drops its own database vigil_bench_<random> there.
	ServerURL string
	// Keep keeps the bench database (its name is in the result).
	Keep bool
	// Exe is the vigil binary that runs `vigil bench node` (os.Executable).
	Exe string
	// StartNode starts nodes; default ExecNodes(Exe, NodeOutput).
	StartNode StartNodeFunc
	// NodeOutput receives the nodes' output, each line prefixed with the
	// node's name (os.Stderr).
	NodeOutput io.Writer
	// Out receives the JSON lines (os.Stdout).
	Out io.Writer
	// Log receives progress (discarded when nil).
	Log *slog.Logger
}

const (
	cronEverySecond = "* * * * * *"
	cronEveryMinute = "* * * * *"
	// graceSeconds is S4's misfire grace (schedule column misfire_grace_time).
	graceSeconds  = 30
	readyTimeout  = 2 * time.Minute
	stopTimeout   = 2 * nodeShutdown
	measureBudget = 5 * time.Minute
)

// withDefaults fills zero values and checks the rest.
func (o Options) withDefaults() (Options, error) {
	o.Scenario = strings.ToUpper(strings.TrimSpace(o.Scenario))
	var n int
	var dur time.Duration
	cron := cronEverySecond
	switch o.Scenario {
	case S1:
		n, dur = 1000, 30*time.Second
	case S2:
		n, dur, cron = 10000, 120*time.Second, cronEveryMinute
	case S3:
		n, dur = 1000, 30*time.Second
	case S4:
		n, dur, cron = 100, 2*time.Minute, cronEveryMinute
	case A1:
		n, dur, cron = 10000, time.Minute, cronEveryMinute
		if o.Symbols == 0 {
			o.Symbols = 500
		}
	case N1:
		n, dur = 3000, 5*time.Minute // dur: the bound on draining
	case S5:
		n, dur = 200000, time.Hour // dur: the bound on loading and measuring
		if o.Days == 0 {
			o.Days = 30
		}
	case T2:
		n, dur = 200, 3*time.Minute // dur: the bar closes measured, one a minute
		if o.Symbols == 0 {
			o.Symbols = 20
		}
	default:
		return o, fmt.Errorf("bench: unknown scenario %q (want S1, S2, S3, S4, S5, A1, N1, T1 or T2)", o.Scenario)
	}
	if o.N == 0 {
		o.N = n
	}
	if o.Duration == 0 {
		o.Duration = dur
	}
	if o.Cron == "" {
		o.Cron = cron
	}
	if o.Warmup == 0 {
		o.Warmup = 5 * time.Second
	}
	if o.Settle == 0 {
		o.Settle = 5 * time.Second
		if o.Scenario == S2 {
			o.Settle = time.Minute
		}
	}
	if o.Nodes == 0 {
		o.Nodes = 2
	}
	if o.Down == 0 {
		o.Down = 3 * time.Minute
	}
	if o.ServerURL == "" {
		o.ServerURL = db.DevURL
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.NodeOutput == nil {
		o.NodeOutput = os.Stderr
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.StartNode == nil {
		if o.Exe == "" {
			exe, err := os.Executable()
			if err != nil {
				return o, fmt.Errorf("bench: find the vigil binary: %w", err)
			}
			o.Exe = exe
		}
		o.StartNode = ExecNodes(o.Exe, o.NodeOutput)
	}
	switch {
	case o.N < 1:
		return o, fmt.Errorf("bench: n must be at least 1, got %d", o.N)
	case o.Duration < time.Second:
		return o, fmt.Errorf("bench: duration must be at least 1s, got %s", o.Duration)
	case o.Warmup < 0 || o.Settle < 0 || o.Down < 0:
		return o, errors.New("bench: warmup, settle and down must not be negative")
	case o.Nodes < 1:
		return o, fmt.Errorf("bench: nodes must be at least 1, got %d", o.Nodes)
	case o.Scenario == S5 && (o.Days < 2 || o.Days > 400):
		return o, fmt.Errorf("bench: days must be between 2 and 400, got %d", o.Days)
	case o.Scenario == S5 && o.N > 10_000_000:
		return o, fmt.Errorf("bench: n (runs per day) must be at most 10000000 for S5, got %d", o.N)
	}
	if _, err := cronEvery(o.Cron); err != nil {
		return o, err
	}
	return o, nil
}

// bound is the scenario's hard time bound: its planned length plus room for
// setup, a slow start and measurement.
func (o Options) bound() time.Duration {
	planned := o.Warmup + o.Duration + o.Settle + 2*time.Minute // a minute cron's first boundary
	if o.Scenario == S4 {
		planned += o.Duration + o.Down
	}
	return planned + 2*readyTimeout + 10*time.Minute
}

// Run runs one scenario on a database of its own and writes the machine
// line, progress lines and, last, the result line to o.Out. A scenario that
// cannot keep up reports "saturated": true; Run returns an error only when
// the bench itself fails.
func Run(ctx context.Context, o Options) (err error) {
	if strings.EqualFold(strings.TrimSpace(o.Scenario), T1) {
		return backtestBench(ctx, o) // in process, no database
	}
	o, err = o.withDefaults()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.bound())
	defer cancel()
	cron, err := cronEvery(o.Cron)
	if err != nil {
		return err
	}

	o.Log.Info("creating bench database", "server", db.Redact(o.ServerURL))
	d, err := createDB(ctx, o.ServerURL, o.Log)
	h := &harness{o: o, log: o.Log, db: d, cron: cron}
	defer func() {
		cancel()
		h.bg.Wait()
		if stopErr := h.stopNodes(); stopErr != nil {
			o.Log.Warn("stop bench nodes", "error", stopErr)
		}
		if d == nil || o.Keep {
			return
		}
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if dropErr := d.drop(dropCtx); dropErr != nil {
			err = errors.Join(err, dropErr)
		}
	}()
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := writeLine(o.Out, machine(d.pgVersion)); err != nil {
		return err
	}

	if o.Pooler != "" {
		defer setEnv(map[string]string{EnvPooler: o.Pooler})()
	}
	var res Result
	switch o.Scenario {
	case S1, S2:
		res, err = h.fanOut(ctx, 1)
	case S3:
		res, err = h.fanOut(ctx, o.Nodes)
	case S4:
		res, err = h.downtime(ctx)
	case A1:
		res, err = h.alertPipeline(ctx)
	case N1:
		return h.notifyFanout(ctx) // writes its own result line
	case T2:
		return h.tradingBots(ctx) // writes its own result line
	case S5:
		return h.ledgerScale(ctx) // writes its own result line
	}
	if err != nil {
		return fmt.Errorf("bench %s: %w", o.Scenario, err)
	}
	if o.Keep {
		res.Database = db.Redact(d.url)
	}
	res.Pooler = o.Pooler
	o.Log.Info("bench done", "scenario", res.Scenario, "saturated", res.Saturated)
	return writeLine(o.Out, res)
}

// harness holds a running scenario's database and nodes.
type harness struct {
	o    Options
	log  *slog.Logger
	db   *benchDB
	cron *schedule.Schedule
	// hourly is S2's number of measured hourly schedules (Stored − N with
	// Spread), 0 otherwise.
	hourly int

	bg    sync.WaitGroup // background work, done before the database goes
	mu    sync.Mutex
	nodes []roleNode
}

type roleNode struct {
	role string
	Node
}

// startNodes starts nodes of roles and waits until they are ready.
func (h *harness) startNodes(ctx context.Context, roles ...string) (time.Time, error) {
	after, err := lastNodeID(ctx, h.db.pool)
	if err != nil {
		return time.Time{}, err
	}
	var started []Node
	for _, role := range roles {
		n, err := h.o.StartNode(ctx, role, h.db.url)
		if err != nil {
			return time.Time{}, err
		}
		h.mu.Lock()
		h.nodes = append(h.nodes, roleNode{role: role, Node: n})
		h.mu.Unlock()
		started = append(started, n)
	}
	ready, err := waitReady(ctx, h.db.pool, after, len(roles), readyTimeout, started)
	if err != nil {
		return time.Time{}, err
	}
	h.log.Info("bench nodes ready", "roles", roles)
	return ready, nil
}

// current lists the running nodes.
func (h *harness) current() []roleNode {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]roleNode(nil), h.nodes...)
}

// remove forgets nodes that have exited.
func (h *harness) remove(gone ...Node) {
	h.mu.Lock()
	defer h.mu.Unlock()
	kept := h.nodes[:0]
	for _, n := range h.nodes {
		if !containsNode(gone, n.Node) {
			kept = append(kept, n)
		}
	}
	h.nodes = kept
}

func containsNode(list []Node, n Node) bool {
	for _, m := range list {
		if m == n {
			return true
		}
	}
	return false
}

// killNodes SIGKILLs nodes.
func (h *harness) killNodes(nodes ...Node) error {
	var errs []error
	for _, n := range nodes {
		errs = append(errs, n.Kill())
	}
	h.remove(nodes...)
	return errors.Join(errs...)
}

// stopNodes stops every node gracefully.
func (h *harness) stopNodes() error {
	var nodes []Node
	for _, n := range h.current() {
		nodes = append(nodes, n.Node)
	}
	err := stopAll(nodes, stopTimeout)
	h.remove(nodes...)
	return err
}

// sleepUntil waits until t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// settle waits after the window's last fire until every fire of sp has
// started (or was skipped), at most until deadline.
func (h *harness) settle(ctx context.Context, sp span, expected int64, lastFire, deadline time.Time) error {
	if err := sleepUntil(ctx, lastFire); err != nil {
		return err
	}
	for time.Now().Before(deadline) {
		n, err := startedCount(ctx, h.db.pool, sp)
		if err == nil && n >= expected {
			return nil
		}
		if err := sleepUntil(ctx, time.Now().Add(200*time.Millisecond)); err != nil {
			return err
		}
	}
	return nil
}
