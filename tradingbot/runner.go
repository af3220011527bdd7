package tradingbot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schemas"
)

// BarSource serves the newest bars of a symbol up to now, the bar containing
// now (still open) last: *marketdata.Manager, the one the alert worker uses.
type BarSource interface {
	Bars(ctx context.Context, symbol string, tf bars.Timeframe, n int, now time.Time) (bars.Series, error)
}

// Defaults of Options.
const (
	DefaultLeaseTTL = 30 * time.Second
	DefaultPoll     = time.Second
	DefaultWorkers  = 16
)

// Options configure a Runner.
type Options struct {
	Pool      *pgxpool.Pool
	Market    BarSource
	Validator *schemas.Validator
	// Notifier enqueues the owners' notifications in each decision's
	// transaction; nil sends none.
	Notifier Notifier
	// Owner names this runner in trading_bots.lease_owner; it must be unique
	// among the running processes (default host-pid-random).
	Owner string
	// LeaseTTL is how long a lease lasts without renewal: how soon another
	// process takes over the bots of one that died (DefaultLeaseTTL).
	LeaseTTL time.Duration
	// RenewEvery is how often leases are renewed and new bots picked up
	// (LeaseTTL/3).
	RenewEvery time.Duration
	// Poll bounds the wait between passes (DefaultPoll); passes also wake
	// at every bar close of the bots held.
	Poll time.Duration
	// Workers bounds the decisions made at once (DefaultWorkers).
	Workers int
	// Now is the clock bars are closed by (nil: time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// BeforeCommit is a test hook called in each decision's transaction
	// after its writes, before the commit; an error rolls the decision back.
	BeforeCommit func(ctx context.Context, botID int64, bar time.Time) error
	// Brokers opens the broker clients of bots whose broker is not paper
	// (alpaca); nil: such bots' decisions fail with the reason.
	Brokers Brokers
	// BrokerPoll is how often a broker bot's unsubmitted orders are retried
	// between decisions (DefaultBrokerPoll); its connectivity is checked
	// after 6 of them without a broker call.
	BrokerPoll time.Duration
	// AfterCommit is a test hook called after a broker bot's decision
	// commits, before its orders are submitted; an error skips the
	// submission, as a crash between the record and the submission would.
	AfterCommit func(ctx context.Context, botID int64, bar time.Time) error
	// Committed, when set, is called after each decision commits with the
	// bot, its bar's open time and close time (the bar's end) and the
	// commit's time by the runner's clock (benchmarks measure the latency).
	Committed func(botID int64, bar, closed, at time.Time)
}

// Runner runs every running bot it holds the lease of: on each newly closed
// bar of a bot's symbols it restores the bot's engine from engine_state,
// steps it and stores the decision in one transaction (see the package
// doc). Any number of runners may share a database; each bot is decided by
// one of them at a time.
type Runner struct {
	o Options
	q *dbsqlc.Queries

	mu        sync.Mutex
	held      map[int64]*heldBot
	renewedAt time.Time // real time of the last lease pass
	leaseErr  error
	// lastFailed says the newest decision failed (the heartbeat is DEGRADED).
	lastFailed bool
	stats      Stats
}

// heldBot is a bot this runner holds the lease of.
type heldBot struct {
	row dbsqlc.TradingBotAcquireLeasesRow
	// quietUntil (runner clock) holds back a bot whose bars had nothing new
	// (a closed market, a late provider).
	quietUntil time.Time
	// last is the bot's row after this runner's last decision (nil: read
	// it before the next).
	last *dbsqlc.TradingBot
	// broker is the newest broker call of a broker bot (nil: none yet);
	// brokerPassAt (runner clock) its last pass over unsubmitted orders.
	broker       *brokerHealth
	brokerPassAt time.Time
}

// Stats are a runner's counters since it started.
type Stats struct {
	// Held is how many bots the runner holds the lease of.
	Held int `json:"held"`
	// Decisions committed, decisions that failed, bars skipped.
	Decisions int64 `json:"decisions"`
	Errors    int64 `json:"errors"`
	Skipped   int64 `json:"skipped"`
	// Halts is how many bots a kill switch halted.
	Halts int64 `json:"halts"`
	// LastError is the newest failure ("" none).
	LastError string `json:"last_error,omitempty"`
}

// NewRunner returns a Runner; Pool, Market and Validator are required.
func NewRunner(o Options) (*Runner, error) {
	if o.Pool == nil || o.Market == nil || o.Validator == nil {
		return nil, errors.New("tradingbot: a runner needs Pool, Market and Validator")
	}
	if o.Owner == "" {
		o.Owner = DefaultOwner()
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.RenewEvery <= 0 {
		o.RenewEvery = o.LeaseTTL / 3
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.BrokerPoll <= 0 {
		o.BrokerPoll = DefaultBrokerPoll
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{o: o, q: dbsqlc.New(), held: map[int64]*heldBot{}}, nil
}

// DefaultOwner is a lease owner unique to this process: host-pid-random.
func DefaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Owner is the runner's lease owner name.
func (r *Runner) Owner() string { return r.o.Owner }

// Stats returns the runner's counters.
func (r *Runner) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Held = len(r.held)
	return s
}

// Run passes over the bots until ctx ends, then releases its leases so that
// another runner takes the bots over at once. A pass that fails is logged
// and retried; Run returns nil when ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	r.o.Logger.Info("trading bot runner started", "owner", r.o.Owner, "lease_ttl", r.o.LeaseTTL)
	defer r.release()
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.o.Logger.Warn("trading bot pass", "error", err)
		}
		timer := time.NewTimer(r.nextWake())
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// release drops every lease this runner holds.
func (r *Runner) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	owner := r.o.Owner
	n, err := r.q.TradingBotReleaseLeases(ctx, r.o.Pool, &owner)
	if err != nil {
		r.o.Logger.Warn("release trading bot leases", "owner", owner, "error", err)
		return
	}
	r.mu.Lock()
	r.held = map[int64]*heldBot{}
	r.mu.Unlock()
	r.o.Logger.Info("trading bot runner stopped; leases released", "owner", owner, "bots", n)
}

// nextWake is how long Run waits before the next pass: until the next bar
// closes for a bot held, the next lease renewal or Poll, whichever is first.
func (r *Runner) nextWake() time.Duration {
	wait := r.o.Poll
	now := r.o.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.o.RenewEvery - time.Since(r.renewedAt); d < wait {
		wait = d
	}
	for _, h := range r.held {
		tf := bars.Timeframe(h.row.Timeframe)
		next := tf.Open(now).Add(tf.Duration())
		if d := next.Sub(now) + 5*time.Millisecond; d < wait {
			wait = d
		}
	}
	return max(wait, time.Millisecond)
}

// Tick is one pass: renew the leases when due (taking new and orphaned
// bots), then decide every held bot that has a newly closed bar, up to
// Workers at once. It returns the first failure; the others are logged.
func (r *Runner) Tick(ctx context.Context) error {
	r.mu.Lock()
	due := time.Since(r.renewedAt) >= r.o.RenewEvery
	r.mu.Unlock()
	var first error
	if due {
		if err := r.renew(ctx); err != nil {
			first = err
		}
	}
	now := r.o.Now()
	var todo, passes []int64
	r.mu.Lock()
	for id, h := range r.held {
		if now.Before(h.quietUntil) || !hasNewBar(h.row, now) {
			if usesBroker(h.row.Broker) && now.Sub(h.brokerPassAt) >= r.o.BrokerPoll {
				passes = append(passes, id)
			}
			continue
		}
		todo = append(todo, id)
	}
	r.mu.Unlock()

	sem := make(chan struct{}, r.o.Workers)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	for _, id := range todo {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := r.decideBot(ctx, id, now); err != nil {
				errMu.Lock()
				if first == nil {
					first = err
				}
				errMu.Unlock()
			}
		})
	}
	for _, id := range passes {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := r.brokerPass(ctx, id); err != nil && ctx.Err() == nil {
				r.o.Logger.Warn("trading bot broker pass", "bot_id", id, "error", err)
			}
		})
	}
	wg.Wait()
	return first
}

// hasNewBar reports whether a bar of the bot's timeframe closed after its
// last decided bar, by the clock.
func hasNewBar(row dbsqlc.TradingBotAcquireLeasesRow, now time.Time) bool {
	tf := bars.Timeframe(row.Timeframe)
	latest := tf.Open(now).Add(-tf.Duration())
	return row.LastBarTime == nil || latest.After(*row.LastBarTime)
}

// renew takes or renews the leases and replaces the set of bots held.
func (r *Runner) renew(ctx context.Context) error {
	owner := r.o.Owner
	rows, err := r.q.TradingBotAcquireLeases(ctx, r.o.Pool, dbsqlc.TradingBotAcquireLeasesParams{Owner: &owner,
		TtlSeconds: r.o.LeaseTTL.Seconds()})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.renewedAt = time.Now()
	if err != nil {
		r.leaseErr = err
		return fmt.Errorf("renew trading bot leases: %w", err)
	}
	r.leaseErr = nil
	held := make(map[int64]*heldBot, len(rows))
	var taken, dropped []int64
	for _, row := range rows {
		h := &heldBot{row: row}
		if old := r.held[row.ID]; old != nil {
			h.quietUntil, h.last, h.broker, h.brokerPassAt = old.quietUntil, old.last, old.broker, old.brokerPassAt
		} else {
			taken = append(taken, row.ID)
		}
		held[row.ID] = h
	}
	for id := range r.held {
		if held[id] == nil {
			dropped = append(dropped, id)
		}
	}
	if len(taken) > 0 {
		r.o.Logger.Info("trading bot leases taken", "owner", owner, "bots", len(taken), "ids", firstIDs(taken))
	}
	if len(dropped) > 0 {
		r.o.Logger.Info("trading bot leases dropped (another runner holds them, or the bots stopped)", "owner", owner,
			"bots", len(dropped), "ids", firstIDs(dropped))
	}
	r.held = held
	return nil
}

// firstIDs lists up to 20 ids, for a log line.
func firstIDs(ids []int64) []int64 {
	slices.Sort(ids)
	return ids[:min(len(ids), 20)]
}

// decideBot runs one bot's decision and books its outcome.
func (r *Runner) decideBot(ctx context.Context, id int64, now time.Time) error {
	out, err := r.decide(ctx, id, now)
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.held[id]
	r.lastFailed = err != nil
	switch {
	case err != nil:
		r.stats.Errors++
		r.stats.LastError = err.Error()
		if h != nil {
			h.quietUntil = now.Add(quietAfterError)
		}
		r.o.Logger.Error("trading bot decision failed", "bot_id", id, "error", err)
		return err
	case out.lost:
		delete(r.held, id)
	case out.retry: // changed while its bars were fetched: the next pass tries again
	case out.bar.IsZero():
		if h != nil {
			h.quietUntil = now.Add(quietFor(bars.Timeframe(h.row.Timeframe)))
		}
	default:
		r.stats.Decisions++
		r.stats.Skipped += out.skipped
		if out.halted {
			r.stats.Halts++
		}
		if h != nil {
			bar := out.bar
			h.row.LastBarTime = &bar
			h.row.State = out.state
			h.quietUntil = time.Time{}
		}
	}
	return nil
}

// quietAfterError is how long a bot whose decision failed waits before the
// next attempt (runner clock).
const quietAfterError = 5 * time.Second

// quietFor is how long a bot with nothing new waits: a tenth of its bar, at
// most 15 s.
func quietFor(tf bars.Timeframe) time.Duration { return min(tf.Duration()/10, 15*time.Second) }
