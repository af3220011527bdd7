package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingbot"
)

// TestMain lets the test binary stand in for vigil (VIGIL_TEST_BE_VIGIL=1),
// so that tests can run `vigil tradingbot` as a real process and SIGKILL it.
func TestMain(m *testing.M) {
	if os.Getenv("VIGIL_TEST_BE_VIGIL") == "1" {
		main()
	}
	os.Exit(m.Run())
}

const processBotDef = `{"name": "proc", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL", "MSFT"],
	"timeframe": "1m", "cash": 10000, "taker_fee_bps": 10, "slippage_bps": 5, "risk": {"max_position_pct": 50, "stoploss_pct": 0.3}}`

// vigilProcess is `vigil tradingbot` running as an OS process.
type vigilProcess struct {
	cmd *exec.Cmd
	out *bytes.Buffer
	mu  *sync.Mutex
}

type lockedBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func startTradingBotProcess(t *testing.T, url, clockFile string, env ...string) *vigilProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "tradingbot", "--database-url", url, "--status-addr", "off", "--lease-ttl", "2s")
	cmd.Env = append(os.Environ(), append([]string{"VIGIL_TEST_BE_VIGIL=1", "VIGIL_TEST_CLOCK_FILE=" + clockFile,
		"SCHEDULER_STARTUP_DELAY=0", "VIGIL_LOG_LEVEL=debug"}, env...)...)
	p := &vigilProcess{cmd: cmd, out: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd.Stdout, cmd.Stderr = lockedBuffer{p.mu, p.out}, lockedBuffer{p.mu, p.out}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("vigil tradingbot (pid %d) output:\n%s", cmd.Process.Pid, p.out.String())
			p.mu.Unlock()
		}
	})
	return p
}

func (p *vigilProcess) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()
}

func (p *vigilProcess) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "a SIGTERM shuts down cleanly")
}

// setClock writes the processes' clock (atomically: they read it on every pass).
func setClock(t *testing.T, file string, at time.Time) {
	t.Helper()
	tmp := file + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(at.Format(time.RFC3339Nano)), 0o600))
	require.NoError(t, os.Rename(tmp, file))
}

// botRows is what a bot's run leaves in the database, comparable across
// databases.
type botRows struct {
	Cash, Decided, Skipped string
	Orders, Fills          []string
	Positions, Equity      []string
}

func readBotRows(t *testing.T, pool *pgxpool.Pool) botRows {
	t.Helper()
	ctx := context.Background()
	var r botRows
	require.NoError(t, pool.QueryRow(ctx, `SELECT cash::text, bars_decided::text, bars_skipped::text FROM trading_bots`).Scan(
		&r.Cash, &r.Decided, &r.Skipped))
	list := func(sql string) []string {
		rows, err := pool.Query(ctx, sql)
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return out
	}
	// The key without the bot id: bar and signal index.
	r.Orders = list(`SELECT concat_ws(' ', split_part(idempotency_key, ':', 2), split_part(idempotency_key, ':', 3), engine_order_id,
		bar_time, symbol, side, type, status, quantity, reason, refusal) FROM bot_orders ORDER BY id`)
	r.Fills = list(`SELECT concat_ws(' ', f.bar_time, f.symbol, f.side, f.price, f.quantity, f.fee, f.reason, f.trade_pnl, o.engine_order_id)
		FROM bot_fills f JOIN bot_orders o ON o.id = f.order_id ORDER BY f.id`)
	r.Positions = list(`SELECT concat_ws(' ', symbol, quantity, avg_cost, last_close) FROM bot_positions ORDER BY symbol`)
	r.Equity = list(`SELECT concat_ws(' ', bar_time, equity, cash) FROM bot_equity_snapshots ORDER BY bar_time`)
	return r
}

// waitDecided waits until the bot's last decided bar is bar.
func waitDecided(t *testing.T, pool *pgxpool.Pool, bar time.Time) {
	t.Helper()
	require.Eventually(t, func() bool {
		var last *time.Time
		err := pool.QueryRow(context.Background(), `SELECT last_bar_time FROM trading_bots`).Scan(&last)
		return err == nil && last != nil && last.Equal(bar)
	}, time.Minute, 10*time.Millisecond, "the bar %s is decided", bar)
}

// Integration through `vigil tradingbot` on real PostgreSQL: a bot trades on
// synthetic bars; the process is SIGKILLed between two decisions and, later,
// in the middle of one (after its writes, before its commit) and restarted
// each time: no order is placed twice and the bot ends with the orders,
// fills, positions, cash and equity curve of an uninterrupted run over the
// same bars.
func TestTradingBotProcessSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs vigil tradingbot processes")
	}
	t.Parallel()
	ctx := context.Background()
	const bars = 40
	// A fixed past minute: the synthetic provider's bars there are final and
	// the same on every run (a time relative to now traded on some days only).
	t0 := time.Date(2026, 11, 2, 14, 0, 30, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	barOf := func(i int) time.Time { return at(i).Truncate(time.Minute).Add(-time.Minute) }

	// The uninterrupted run, in this process.
	ref := dbtest.New(t)
	refUser := seedBotOwner(t, ref.Pool)
	v, err := schemas.New()
	require.NoError(t, err)
	applyBot(t, ref.Pool, v, refUser)
	refClock := t0
	client, err := jobs.NewClient(jobs.Deps{Pool: ref.Pool, Config: config.Default()})
	require.NoError(t, err)
	r, err := tradingbot.NewRunner(tradingbot.Options{Pool: ref.Pool, Validator: v, Owner: "ref",
		Market:   marketdata.NewManager(&marketdata.Synthetic{}, nil, time.Minute, nil),
		Notifier: jobs.TradeNotifier{Client: client.Client}, RenewEvery: time.Nanosecond,
		Now: func() time.Time { return refClock }})
	require.NoError(t, err)
	for i := 0; i <= bars; i++ {
		refClock = at(i)
		require.NoError(t, r.Tick(ctx))
	}
	want := readBotRows(t, ref.Pool)
	require.Equal(t, strconv.Itoa(bars+1), want.Decided)
	require.GreaterOrEqual(t, len(want.Fills), 4, "the run must trade for the comparison to mean something")

	// The same bot run by vigil tradingbot processes.
	d := dbtest.New(t)
	user := seedBotOwner(t, d.Pool)
	file := filepath.Join(t.TempDir(), "bots", "proc.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
	require.NoError(t, os.WriteFile(file, []byte(processBotDef), 0o600))
	out, errOut, code := vigil(ctx, t, nil, "tradingbot", "--config", file, "--user", strconv.FormatInt(user, 10), "--database-url", d.URL)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"proc" created for user`)

	// Kill between decisions after bar 12; mid-decision on the first later
	// bar on which the reference run placed or filled an order.
	const killBetween = 12
	killMid := -1
	for i := killBetween + 2; i <= bars && killMid < 0; i++ {
		if countRows(t, ref.Pool, fmt.Sprintf(`SELECT (SELECT count(*) FROM bot_orders WHERE bar_time = '%s')
			+ (SELECT count(*) FROM bot_fills WHERE bar_time = '%s')`, barOf(i).Format(time.RFC3339), barOf(i).Format(time.RFC3339))) > 0 {
			killMid = i
		}
	}
	require.Positive(t, killMid, "a later bar places an order")

	clockFile := filepath.Join(t.TempDir(), "clock")
	setClock(t, clockFile, at(0))
	p := startTradingBotProcess(t, d.URL, clockFile)
	for i := 0; i <= killBetween; i++ {
		setClock(t, clockFile, at(i))
		waitDecided(t, d.Pool, barOf(i))
	}
	p.kill(t) // between two decisions

	pauseFile := filepath.Join(t.TempDir(), "paused")
	p = startTradingBotProcess(t, d.URL, clockFile,
		fmt.Sprintf("VIGIL_TEST_PAUSE_IN_DECISION=%s=%s", barOf(killMid).Format(time.RFC3339), pauseFile))
	for i := killBetween + 1; i < killMid; i++ {
		setClock(t, clockFile, at(i))
		waitDecided(t, d.Pool, barOf(i))
	}
	setClock(t, clockFile, at(killMid))
	require.Eventually(t, func() bool { _, err := os.Stat(pauseFile); return err == nil }, time.Minute, 10*time.Millisecond,
		"the decision on bar %d pauses before its commit", killMid)
	p.kill(t) // mid-decision: its transaction never commits
	var last time.Time
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT last_bar_time FROM trading_bots`).Scan(&last))
	require.True(t, last.Equal(barOf(killMid-1)), "the killed decision left nothing")

	p = startTradingBotProcess(t, d.URL, clockFile)
	for i := killMid; i <= bars; i++ {
		setClock(t, clockFile, at(i))
		waitDecided(t, d.Pool, barOf(i))
	}
	p.stop(t)
	var owner *string
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT lease_owner FROM trading_bots`).Scan(&owner))
	require.Nil(t, owner, "a stopped process releases its lease")

	got := readBotRows(t, d.Pool)
	require.Equal(t, want.Orders, got.Orders, "the same orders, none twice")
	require.Equal(t, want.Fills, got.Fills)
	require.Equal(t, want.Positions, got.Positions)
	require.Equal(t, want.Cash, got.Cash)
	require.Equal(t, want.Equity, got.Equity)
	require.Equal(t, want.Decided, got.Decided)
	require.Equal(t, "0", got.Skipped)
	require.Equal(t, len(got.Orders), countRows(t, d.Pool, "SELECT count(DISTINCT idempotency_key) FROM bot_orders"))
}

func seedBotOwner(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	u, err := dbsqlc.New().UserCreate(context.Background(), pool, dbsqlc.UserCreateParams{Name: "trader", Status: "verified"})
	require.NoError(t, err)
	return u.ID
}

func applyBot(t *testing.T, pool *pgxpool.Pool, v *schemas.Validator, user int64) {
	t.Helper()
	ctx := context.Background()
	d, err := tradingbot.ParseDefinition(v, []byte(processBotDef))
	require.NoError(t, err)
	svc, err := tradingbot.NewService(v, nil)
	require.NoError(t, err)
	require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := svc.Create(ctx, tx, tradingbot.Actor{UserID: user, Source: audit.SourceCLI}, user, d)
		return err
	}))
}

func countRows(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}
