package fundamentals

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigilhq/vigil/market"
)

// Manager defaults.
const (
	// DefaultTTL is how long fetched figures are served from memory: they
	// change daily at most.
	DefaultTTL = 6 * time.Hour
	// DefaultBatchSize is how many symbols one provider call asks for
	// (Yahoo's quote API takes about 50).
	DefaultBatchSize = 50
	// DefaultConcurrency is how many provider calls may be in flight.
	DefaultConcurrency = 4
)

// fetchTimeout bounds one provider call plus its write-through. A fetch runs
// detached from the Get that started it, so that one caller giving up does
// not fail the others waiting for the same symbols.
const fetchTimeout = 2 * time.Minute

// Store keeps figures beyond the process: Manager writes every fetch through
// to it and reads it back when the provider fails. The database
// implementation keeps them in the fundamentals table (NaN as NULL).
type Store interface {
	// Load returns the stored figures of provider for the symbols it has,
	// whatever their age, keyed by symbol.
	Load(ctx context.Context, provider string, symbols []string) (map[string]market.Fundamentals, error)
	// Save upserts figures of provider, one row per symbol.
	Save(ctx context.Context, provider string, fs []market.Fundamentals) error
}

// FreshStore is a Store that can return only the figures it saved since a
// time. A Manager with one starts warm: after a restart, figures saved less
// than ttl ago are served from the store instead of asking the provider
// again (which matters for Yahoo with sectors: one request per symbol).
type FreshStore interface {
	Store
	// LoadSince returns the stored figures of provider for the symbols
	// saved at or after since, keyed by symbol.
	LoadSince(ctx context.Context, provider string, symbols []string, since time.Time) (map[string]market.Fundamentals, error)
}

// Limiter paces provider calls; *rate.Limiter is one.
type Limiter interface {
	// Wait blocks until a call may be made, or ctx is done.
	Wait(ctx context.Context) error
}

// Option configures a Manager.
type Option func(*Manager)

// WithBatchSize sets how many symbols one provider call asks for (default
// DefaultBatchSize; n < 1 is ignored).
func WithBatchSize(n int) Option {
	return func(m *Manager) {
		if n >= 1 {
			m.batchSize = n
		}
	}
}

// WithConcurrency sets how many provider calls may be in flight at once,
// across all Get calls (default DefaultConcurrency; n < 1 is ignored).
func WithConcurrency(n int) Option {
	return func(m *Manager) {
		if n >= 1 {
			m.concurrency = n
		}
	}
}

// WithRatePerSecond allows at most r provider calls per second, without
// bursts (a golang.org/x/time/rate limiter); r <= 0 means no limit, the
// default. HTTP providers also pace their own requests (see Yahoo.Limiter).
func WithRatePerSecond(r float64) Option {
	return func(m *Manager) {
		m.limiter = nil
		if r > 0 {
			m.limiter = rate.NewLimiter(rate.Limit(r), 1)
		}
	}
}

// WithLimiter paces provider calls with l (nil: no limit); it replaces
// WithRatePerSecond.
func WithLimiter(l Limiter) Option {
	return func(m *Manager) { m.limiter = l }
}

// WithNow sets the clock the TTL is measured with (default time.Now).
func WithNow(now func() time.Time) Option {
	return func(m *Manager) {
		if now != nil {
			m.now = now
		}
	}
}

// Manager serves figures to many callers, like marketdata.Manager does bars:
//
//   - in-process cache: figures fetched less than ttl ago are served from
//     memory, and so is a provider's "unknown symbol" (absent); ttl 0 turns
//     the cache off;
//   - batching: the other symbols are fetched in provider calls of at most
//     BatchSize symbols, at most Concurrency calls in flight and at most
//     RatePerSecond calls a second, for the whole Manager;
//   - coalescing: a symbol being fetched is not fetched again by an
//     overlapping Get, which waits for the same call;
//   - write-through: fetched figures are saved to the Store (when there is
//     one); a failed save is logged, not returned;
//   - fallback: when a provider call fails, its symbols are served from
//     memory (any age), else from the Store (any age), with the warning
//     "Fundamentals unavailable from the provider, using cached figures".
//     A symbol neither has is missing from the result. When the provider
//     failed and nothing at all could be served, Get fails with an error
//     wrapping ErrUnavailable and the provider's error.
//
// A Manager is safe for concurrent use. Memory holds one entry per symbol
// ever asked for.
type Manager struct {
	provider    Provider
	store       Store
	ttl         time.Duration
	log         *slog.Logger
	batchSize   int
	concurrency int
	limiter     Limiter
	now         func() time.Time
	sem         chan struct{} // one slot per provider call in flight

	fetches        atomic.Int64
	fetchedSymbols atomic.Int64
	storeHits      atomic.Int64

	mu       sync.Mutex
	cache    map[string]entry
	inflight map[string]*batch
}

// entry is a symbol's last provider answer.
type entry struct {
	f       market.Fundamentals
	known   bool // the provider knew the symbol
	fetched time.Time
}

// batch is one provider call; its results are set before done is closed.
type batch struct {
	symbols []string
	done    chan struct{}

	got      map[string]market.Fundamentals // the provider's answer (err == nil)
	err      error
	fallback map[string]market.Fundamentals // served instead when err != nil
}

// NewManager returns a Manager in front of p. store may be nil (no
// write-through, no fallback beyond memory); ttl is how long figures are
// fresh (DefaultTTL is the usual value; 0 turns the cache off); log may be
// nil.
func NewManager(p Provider, store Store, ttl time.Duration, log *slog.Logger, opts ...Option) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{
		provider:    p,
		store:       store,
		ttl:         ttl,
		log:         log,
		batchSize:   DefaultBatchSize,
		concurrency: DefaultConcurrency,
		now:         time.Now,
		cache:       map[string]entry{},
		inflight:    map[string]*batch{},
	}
	for _, o := range opts {
		o(m)
	}
	m.sem = make(chan struct{}, m.concurrency)
	return m
}

// Provider returns the provider behind the Manager.
func (m *Manager) Provider() Provider { return m.provider }

// Fetches is the number of provider calls made so far.
func (m *Manager) Fetches() int64 { return m.fetches.Load() }

// FetchedSymbols is the number of symbols asked of the provider so far.
func (m *Manager) FetchedSymbols() int64 { return m.fetchedSymbols.Load() }

// Get returns the figures of symbols, keyed by symbol trimmed and upper-cased.
// A symbol that is not one, that the provider does not know, or that failed
// with nothing cached is absent. The error is ErrUnavailable (wrapped) when
// the provider failed and nothing at all was available, or ctx's.
func (m *Manager) Get(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fundamentals: %w", context.Cause(ctx))
	}
	var syms []string
	seen := make(map[string]bool, len(symbols))
	for _, s := range symbols {
		if sym, ok := normalizeSymbol(s); ok && !seen[sym] {
			seen[sym] = true
			syms = append(syms, sym)
		}
	}
	out := make(map[string]market.Fundamentals, len(syms))
	now := m.now()
	waitFor := map[string]*batch{} // symbol -> the call that answers it
	var mine []string

	m.mu.Lock()
	for _, s := range syms {
		if e, ok := m.cache[s]; ok && m.fresh(e, now) {
			if e.known {
				out[s] = e.f
			}
			continue
		}
		if b := m.inflight[s]; b != nil {
			waitFor[s] = b
			continue
		}
		mine = append(mine, s)
	}
	var started []*batch
	for chunk := range slices.Chunk(mine, m.batchSize) {
		b := &batch{symbols: chunk, done: make(chan struct{})}
		for _, s := range chunk {
			m.inflight[s] = b
			waitFor[s] = b
		}
		started = append(started, b)
	}
	m.mu.Unlock()

	for _, b := range started {
		go m.fetch(context.WithoutCancel(ctx), b)
	}

	var errs []error
	failed := map[*batch]bool{}
	for _, s := range syms {
		b := waitFor[s]
		if b == nil {
			continue
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("fundamentals: %w", context.Cause(ctx))
		}
		if b.err == nil {
			if f, ok := b.got[s]; ok {
				out[s] = f
			}
			continue
		}
		if f, ok := b.fallback[s]; ok {
			out[s] = f
		}
		if !failed[b] {
			failed[b] = true
			errs = append(errs, b.err)
		}
	}
	if len(errs) > 0 && len(out) == 0 {
		return nil, fmt.Errorf("fundamentals of %d symbols: %w: %w", len(syms), ErrUnavailable, errors.Join(errs...))
	}
	return out, nil
}

// fresh reports whether e may be served at now without a fetch.
func (m *Manager) fresh(e entry, now time.Time) bool {
	age := now.Sub(e.fetched)
	return age < m.ttl && age > -m.ttl
}

// fetch runs one batch: the provider call, then the write-through or, on
// failure, the fallback, so that every waiter reads the same answer.
func (m *Manager) fetch(ctx context.Context, b *batch) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	stored, ask := m.loadFresh(ctx, b.symbols)
	var got map[string]market.Fundamentals
	var err error
	if len(ask) > 0 {
		got, err = m.call(ctx, ask)
	}
	var fallback map[string]market.Fundamentals
	if err == nil {
		m.save(ctx, got)
		if got == nil {
			got = map[string]market.Fundamentals{}
		}
		maps.Copy(got, stored)
	} else {
		fallback = m.fallback(ctx, ask, err)
		maps.Copy(fallback, stored)
	}

	now := m.now()
	m.mu.Lock()
	if err == nil {
		for _, s := range b.symbols {
			f, ok := got[s]
			fetched := now
			if sf, fromStore := stored[s]; fromStore {
				fetched = sf.AsOf // fresh for what is left of its ttl
			}
			m.cache[s] = entry{f: f, known: ok, fetched: fetched}
		}
	}
	b.got, b.err, b.fallback = got, err, fallback
	for _, s := range b.symbols {
		if m.inflight[s] == b {
			delete(m.inflight, s)
		}
	}
	m.mu.Unlock()
	close(b.done)
}

// loadFresh returns the figures of syms a FreshStore saved less than ttl
// ago, and the symbols left to ask the provider for.
func (m *Manager) loadFresh(ctx context.Context, syms []string) (map[string]market.Fundamentals, []string) {
	fs, ok := m.store.(FreshStore)
	if !ok || m.ttl <= 0 {
		return nil, syms
	}
	rows, err := fs.LoadSince(ctx, m.provider.Name(), syms, m.now().Add(-m.ttl))
	if err != nil {
		m.log.Warn("fundamentals: reading the store failed", "provider", m.provider.Name(), "symbols", len(syms), "error", err)
		return nil, syms
	}
	stored := map[string]market.Fundamentals{}
	var ask []string
	for _, s := range syms {
		if f, ok := rows[s]; ok {
			f.Symbol = s
			stored[s] = f
		} else {
			ask = append(ask, s)
		}
	}
	m.storeHits.Add(int64(len(stored)))
	return stored, ask
}

// StoreHits is the number of symbols served fresh from the store instead of
// the provider (see FreshStore).
func (m *Manager) StoreHits() int64 { return m.storeHits.Load() }

// call makes one provider call within the concurrency and rate limits.
func (m *Manager) call(ctx context.Context, syms []string) (map[string]market.Fundamentals, error) {
	select {
	case m.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: wait for a fetch slot: %w", m.provider.Name(), context.Cause(ctx))
	}
	defer func() { <-m.sem }()
	if m.limiter != nil {
		if err := m.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("%s: wait for the rate limit: %w", m.provider.Name(), err)
		}
	}
	m.fetches.Add(1)
	m.fetchedSymbols.Add(int64(len(syms)))
	res, err := m.provider.Fundamentals(ctx, syms)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.provider.Name(), err)
	}
	now := m.now().UTC()
	got := make(map[string]market.Fundamentals, len(res))
	for _, s := range syms {
		if f, ok := res[s]; ok {
			f.Symbol = s
			if f.AsOf.IsZero() {
				f.AsOf = now
			}
			got[s] = f
		}
	}
	return got, nil
}

// save writes fetched figures through to the store.
func (m *Manager) save(ctx context.Context, got map[string]market.Fundamentals) {
	if m.store == nil || len(got) == 0 {
		return
	}
	fs := make([]market.Fundamentals, 0, len(got))
	for _, f := range got {
		fs = append(fs, f)
	}
	slices.SortFunc(fs, func(a, b market.Fundamentals) int { return cmp.Compare(a.Symbol, b.Symbol) })
	if err := m.store.Save(ctx, m.provider.Name(), fs); err != nil {
		m.log.Warn("fundamentals: write-through failed", "provider", m.provider.Name(), "symbols", len(fs), "error", err)
	}
}

// fallback collects what memory (any age) and the store (any age) hold for
// syms after the provider failed with cause.
func (m *Manager) fallback(ctx context.Context, syms []string, cause error) map[string]market.Fundamentals {
	out := map[string]market.Fundamentals{}
	var missing []string
	m.mu.Lock()
	for _, s := range syms {
		if e, ok := m.cache[s]; ok && e.known {
			out[s] = e.f
		} else {
			missing = append(missing, s)
		}
	}
	m.mu.Unlock()
	if m.store != nil && len(missing) > 0 {
		rows, err := m.store.Load(ctx, m.provider.Name(), missing)
		if err != nil {
			m.log.Warn("fundamentals: reading the store failed", "provider", m.provider.Name(), "symbols", len(missing), "error", err)
		}
		want := make(map[string]bool, len(missing))
		for _, s := range missing {
			want[s] = true
		}
		for k, f := range rows {
			if s, ok := normalizeSymbol(k); ok && want[s] {
				f.Symbol = s
				out[s] = f
			}
		}
	}
	if len(out) > 0 {
		m.log.Warn("Fundamentals unavailable from the provider, using cached figures", "provider", m.provider.Name(),
			"symbols", len(syms), "cached", len(out), "error", cause)
	} else {
		m.log.Warn("Fundamentals unavailable from the provider, nothing cached", "provider", m.provider.Name(),
			"symbols", len(syms), "error", cause)
	}
	return out
}
