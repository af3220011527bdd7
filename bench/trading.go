package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingbot"
)

// T2: live trading bots.
const T2 = "T2"

// t2LatencyBound is the decision latency p99 T2 aims under (issue 12).
const t2LatencyBound = 250 * time.Millisecond

// TradingResult is T2's result line: Result (lag_* are the decision
// latencies, duplicates the duplicate orders) plus the trading figures.
type TradingResult struct {
	Result
	// Bots trade 2 symbols each out of Symbols, on 1m bars.
	Bots int `json:"bots"`
	// Closes are the bar closes measured; Decisions the decisions on them
	// (want Bots × Closes).
	Closes    int   `json:"closes"`
	Decisions int64 `json:"decisions"`
	// DecisionP99Ms is the latency from a bar's close to its decision's
	// commit, p99, ms (also lag_p99_ms).
	DecisionP99Ms  float64 `json:"decision_p99_ms"`
	LatencyBoundMs float64 `json:"latency_bound_ms"`
	// Orders and fills the bots made over the whole run; DuplicateOrders
	// are orders recorded more than once for one (bot, engine order) or one
	// idempotency key (must be 0).
	Orders          int64 `json:"orders"`
	Fills           int64 `json:"fills"`
	DuplicateOrders int64 `json:"duplicate_orders"`
	// DecisionErrors are decisions that failed (must be 0).
	DecisionErrors int64 `json:"decision_errors"`
	// Workers is the runner's concurrent decisions. rss_mib and
	// worker_cpu_pct are the bench process's (it runs the bots).
	Workers int `json:"workers"`
}

// tradingBots runs T2: N sma_cross bots (2 symbols each out of Symbols, 1m
// bars, synthetic data over market_bars as in `vigil tradingbot`) run by
// one runner in this process on the real clock; it measures every decision
// on the bar closes of the window, from the close to the commit, and counts
// the duplicate orders. It writes its result line itself.
func (h *harness) tradingBots(ctx context.Context) error {
	o := h.o
	res := TradingResult{Result: Result{Scenario: T2, N: o.N, WorkerNodes: 1, Symbols: o.Symbols}, Bots: o.N,
		Workers: tradingbot.DefaultWorkers, LatencyBoundMs: float64(t2LatencyBound.Milliseconds())}
	pool, err := db.Open(ctx, h.db.url, tradingbot.DefaultWorkers+4)
	if err != nil {
		return err
	}
	defer pool.Close()
	v, err := schemas.New()
	if err != nil {
		return err
	}
	svc, err := tradingbot.NewService(v, h.log)
	if err != nil {
		return err
	}
	var uid int64
	if err := pool.QueryRow(ctx, `SELECT id FROM users ORDER BY id LIMIT 1`).Scan(&uid); err != nil {
		return fmt.Errorf("bench user: %w", err)
	}
	t0 := time.Now()
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		sym := func(i int) string { return fmt.Sprintf("T%03d", i%o.Symbols) }
		for i := range o.N {
			d := tradingbot.Definition{Name: fmt.Sprintf("t2-%d", i), Strategy: "sma_cross",
				Params: json.RawMessage(`{"fast": 5, "slow": 20}`), Symbols: []string{sym(i), sym(i + 1)}, Timeframe: "1m",
				Cash: decimal.NewFromInt(10000), TakerFeeBps: 5, SlippageBps: 2}
			if _, err := svc.Create(ctx, tx, tradingbot.Operator(audit.SourceCLI), uid, d); err != nil {
				return fmt.Errorf("create bot %d: %w", i, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	create := round(time.Since(t0).Seconds(), 3)
	res.CreateS = &create

	client, err := jobs.NewClient(jobs.Deps{Pool: pool, Config: config.Default(), Logger: h.log})
	if err != nil {
		return err
	}
	market := marketdata.NewManager(&marketdata.Synthetic{}, store.NewBarStore(pool), config.Default().DataCacheTTL.D(), h.log)
	var mu sync.Mutex
	var latencies []time.Duration // of the decisions on the window's closes
	var windowStart, windowEnd time.Time
	r, err := tradingbot.NewRunner(tradingbot.Options{Pool: pool, Market: market, Validator: v, Logger: h.log,
		Notifier: jobs.TradeNotifier{Client: client.Client},
		Committed: func(_ int64, _, closed, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if !closed.Before(windowStart) && !closed.After(windowEnd) {
				latencies = append(latencies, at.Sub(closed))
			}
		}})
	if err != nil {
		return err
	}
	// The window: the closes from the first minute at least Warmup after
	// the start (every bot's first decision, its warm-up, is not measured).
	started := time.Now()
	cpu0, _ := procCPU(os.Getpid())
	closes := max(int(o.Duration/time.Minute), 1)
	mu.Lock()
	windowStart = started.Add(o.Warmup).Truncate(time.Minute).Add(time.Minute)
	windowEnd = windowStart.Add(time.Duration(closes-1) * time.Minute)
	mu.Unlock()
	res.Closes, res.WindowStart, res.WindowEnd = closes, windowStart, windowEnd
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	h.log.Info("T2: bots running", "bots", o.N, "window_start", windowStart, "window_end", windowEnd)
	if err := sleepUntil(ctx, windowEnd.Add(o.Settle)); err != nil {
		stop()
		<-done
		return err
	}
	if kib, err := procRSS(os.Getpid()); err == nil {
		res.RSSMiB = mib(kib)
	}
	if cpu1, err := procCPU(os.Getpid()); err == nil {
		pct := round(cpuPercent(cpu0, cpu1, time.Since(started).Seconds()), 1)
		res.WorkerCPUPct = &pct
	}
	stop()
	if err := <-done; err != nil {
		return err
	}

	mu.Lock()
	lat := slices.Clone(latencies)
	mu.Unlock()
	slices.Sort(lat)
	res.Decisions = int64(len(lat))
	res.Expected, res.Recorded = int64(o.N*closes), int64(len(lat))
	res.Missed = max(res.Expected-res.Recorded, 0)
	if len(lat) > 0 {
		p := func(q float64) *float64 {
			return ptrF(round(float64(lat[int(q*float64(len(lat)-1))].Microseconds())/1000, 1))
		}
		res.LagP50Ms, res.LagP99Ms, res.LagMaxMs = p(0.5), p(0.99), p(1)
		res.DecisionP99Ms = *res.LagP99Ms
	}
	res.DurationS = float64(closes * 60)
	res.FiresPerS = round(float64(res.Recorded)/res.DurationS, 1)
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM bot_orders), (SELECT count(*) FROM bot_fills),
		(SELECT count(*) - count(DISTINCT (bot_id, engine_order_id)) FROM bot_orders WHERE engine_order_id IS NOT NULL)
		+ (SELECT count(*) - count(DISTINCT idempotency_key) FROM bot_orders),
		(SELECT COALESCE(sum(bars_skipped), 0) FROM trading_bots)`).Scan(&res.Orders, &res.Fills, &res.DuplicateOrders,
		&res.Skipped); err != nil {
		return fmt.Errorf("count orders: %w", err)
	}
	res.Duplicates = res.DuplicateOrders
	res.DecisionErrors = r.Stats().Errors
	var why []string
	if res.LagP99Ms != nil && *res.LagP99Ms > res.LatencyBoundMs {
		why = append(why, fmt.Sprintf("decision p99 %.1f ms > %.0f ms", *res.LagP99Ms, res.LatencyBoundMs))
	}
	if res.Missed > 0 {
		why = append(why, fmt.Sprintf("%d decisions missed", res.Missed))
	}
	if res.DuplicateOrders > 0 {
		why = append(why, fmt.Sprintf("%d duplicate orders", res.DuplicateOrders))
	}
	if res.DecisionErrors > 0 {
		why = append(why, fmt.Sprintf("%d decisions failed", res.DecisionErrors))
	}
	res.SaturatedBecause, res.Saturated = why, len(why) > 0
	h.log.Info("bench done", "scenario", T2, "saturated", res.Saturated)
	return writeLine(o.Out, res)
}
