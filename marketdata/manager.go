package marketdata

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/health/outcome"
	"github.com/vigilhq/vigil/market"
)

// MaxBars bounds n in Manager.Bars.
const MaxBars = 10_000

// fetchTimeout bounds one fetch (provider calls plus the write-through). A
// fetch runs detached from the caller that started it, so that one caller
// giving up does not fail the others waiting for the same data.
const fetchTimeout = time.Minute

// maxSpan bounds the calendar span a fetch asks for.
const maxSpan = 100 * 365 * 24 * time.Hour

// maxAttempts is how many provider calls one fetch may make while widening
// its span over closed markets.
const maxAttempts = 3

// Manager serves the newest bars of a (symbol, timeframe) to many callers:
//
//   - in-process cache: a fetched series is reused for ttl while the bar
//     containing now is the same one (a new bar opening means a fetch, so the
//     just-closed bar is never stale); ttl 0 turns the cache off;
//   - coalescing: concurrent calls for one (symbol, timeframe) share one
//     fetch, so a thousand alerts on AAPL cause one provider call;
//   - write-through: every fetched bar is saved to the Store (when one is
//     given: market_bars, shared by all processes), once: a later fetch
//     saves only the bars that are new or changed since this Manager's
//     last save (and the newest), and the Store skips bars it holds
//     unchanged;
//   - fallback: when the provider fails, the last series in memory, else the
//     bars in the Store written by the same provider, are returned with the
//     warning "Market data unavailable for AAPL, using cached data"; with
//     nothing cached the call fails with an error wrapping ErrDataUnavailable
//     (and the provider's error), so that the job is retried. market.ErrUnknownSymbol
//     is returned as is: retrying cannot help.
//
// A Manager is safe for concurrent use. Memory holds one series per (symbol,
// timeframe) ever asked for.
type Manager struct {
	provider Provider
	store    Store
	ttl      time.Duration
	log      *slog.Logger
	fetches  atomic.Int64
	// limiter paces provider requests (nil: unpaced); see SetRateLimit.
	limiter *rate.Limiter
	// outcome records every fetch from the provider; fallbacks counts the
	// calls answered from cache after a failed fetch.
	outcome   outcome.Recorder
	fallbacks atomic.Int64

	mu       sync.Mutex
	cache    map[cacheKey]*entry
	inflight map[cacheKey]*call
	// saved is, per (symbol, timeframe), the series this Manager last saved
	// to the store: the next save sends only the bars that are new or
	// changed since (and the newest, whose fetched_at says how fresh the
	// stored copy is).
	saved map[cacheKey]bars.Series
}

// NewManager returns a Manager in front of p. store may be nil (nothing kept
// beyond the process); ttl is SCHEDULER_DATA_CACHE_TTL; log may be nil.
func NewManager(p Provider, store Store, ttl time.Duration, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{
		provider: p,
		store:    store,
		ttl:      ttl,
		log:      log,
		cache:    map[cacheKey]*entry{},
		inflight: map[cacheKey]*call{},
		saved:    map[cacheKey]bars.Series{},
	}
}

// Provider returns the provider behind the Manager (for quotes).
func (m *Manager) Provider() Provider { return m.provider }

// SetRateLimit paces the Manager's provider requests to perSecond with
// bursts of burst, so that a screener fetching 500 symbols concurrently stays
// within the provider's limits; perSecond <= 0 removes the pacing. Call it
// before the Manager is used.
func (m *Manager) SetRateLimit(perSecond float64, burst int) {
	if perSecond <= 0 {
		m.limiter = nil
		return
	}
	m.limiter = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
}

// DefaultRateLimit is the request pacing the named provider gets by default,
// in requests per second (0: none): yahoo 5/s (its chart API is unofficial
// and throttles bursts with 429s), binance 10/s (klines of up to 1,000 bars
// weigh 2 of its 6,000-per-minute budget; this keeps well inside it), the
// local providers unpaced.
func DefaultRateLimit(provider string) float64 {
	switch provider {
	case "yahoo":
		return 5
	case "binance":
		return 10
	}
	return 0
}

// Fetches is the number of provider calls made so far.
func (m *Manager) Fetches() int64 { return m.fetches.Load() }

// Outcome records every fetch from the provider: a success when it answered
// (market.ErrUnknownSymbol included: the provider works, the symbol does
// not exist), else a failure with its error, whether or not cached data
// then answered the callers.
func (m *Manager) Outcome() *outcome.Recorder { return &m.outcome }

// Fallbacks is the number of calls answered with cached data after the
// provider failed.
func (m *Manager) Fallbacks() int64 { return m.fallbacks.Load() }

type cacheKey struct {
	symbol string
	tf     bars.Timeframe
}

// entry is an immutable cached series.
type entry struct {
	series    bars.Series // ascending
	asOf      time.Time   // the now it was fetched for, or when the store saved it
	n         int         // bars asked for
	fromStore bool        // loaded from the store after a failure: never fresh
}

// fresh reports whether e answers a call for n bars at now without a fetch.
func (e *entry) fresh(tf bars.Timeframe, n int, now time.Time, ttl time.Duration) bool {
	age := now.Sub(e.asOf)
	return !e.fromStore && n <= e.n && age < ttl && age > -ttl && tf.Open(now).Equal(tf.Open(e.asOf))
}

// call is one fetch in flight; its results are set before done is closed.
type call struct {
	done    chan struct{}
	n       int
	now     time.Time
	waiters int // callers waiting (under Manager.mu); tests watch it

	series       bars.Series
	err          error
	storeChecked bool // the fetch already looked in the store after failing
}

// covers reports whether c's result answers a call for n bars at now.
func (c *call) covers(tf bars.Timeframe, n int, now time.Time) bool {
	return n <= c.n && tf.Open(now).Equal(tf.Open(c.now))
}

// Bars returns the newest n bars of symbol up to now, the bar containing now
// (still open) last. Fewer than n come back when the provider has no more
// history. The series is the caller's to keep and modify.
func (m *Manager) Bars(ctx context.Context, symbol string, tf bars.Timeframe, n int, now time.Time) (bars.Series, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return nil, fmt.Errorf("bars %q: %w", symbol, err)
	}
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("bars %s: %w", sym, err)
	}
	if n < 1 || n > MaxBars {
		return nil, fmt.Errorf("bars %s %s: %d bars asked for, want 1 to %d", sym, tf, n, MaxBars)
	}
	now = now.UTC()
	k := cacheKey{sym, tf}
	for {
		m.mu.Lock()
		if e := m.cache[k]; e != nil && e.fresh(tf, n, now, m.ttl) {
			m.mu.Unlock()
			return lastN(e.series, tf, n, now), nil
		}
		c := m.inflight[k]
		if c == nil {
			c = &call{done: make(chan struct{}), n: n, now: now}
			m.inflight[k] = c
			go m.fetch(context.WithoutCancel(ctx), k, c)
		}
		c.waiters++
		m.mu.Unlock()

		select {
		case <-c.done:
		case <-ctx.Done():
			m.mu.Lock()
			c.waiters--
			m.mu.Unlock()
			return nil, fmt.Errorf("bars %s %s: %w", sym, tf, context.Cause(ctx))
		}
		switch {
		case c.err == nil && c.covers(tf, n, now):
			return lastN(c.series, tf, n, now), nil
		case c.err == nil:
			continue // that fetch was for fewer bars or another bar period
		case errors.Is(c.err, market.ErrUnknownSymbol):
			return nil, fmt.Errorf("bars %s %s: %w", sym, tf, c.err)
		default:
			return m.fallback(ctx, k, n, now, c)
		}
	}
}

// fetch runs one call: the provider, then the write-through or, on failure,
// a look in the store, so that the callers waiting fall back from memory.
func (m *Manager) fetch(ctx context.Context, k cacheKey, c *call) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	s, err := m.fetchProvider(ctx, k, c.n, c.now)
	if errors.Is(err, market.ErrUnknownSymbol) {
		m.outcome.Success(time.Now())
	} else {
		m.outcome.Record(time.Now(), err)
	}
	var stored *entry
	switch {
	case err == nil:
		m.write(ctx, k, s)
	case !errors.Is(err, market.ErrUnknownSymbol) && m.store != nil:
		m.mu.Lock()
		have := m.cache[k] != nil
		m.mu.Unlock()
		if !have {
			stored = m.load(ctx, k, c.n, c.now)
			c.storeChecked = true
		}
	}

	m.mu.Lock()
	switch e := m.cache[k]; {
	case err == nil && (e == nil || e.fromStore || !c.now.Before(e.asOf)):
		m.cache[k] = &entry{series: s, asOf: c.now, n: c.n}
	case stored != nil && e == nil:
		m.cache[k] = stored
	}
	c.series, c.err = s, err
	delete(m.inflight, k)
	m.mu.Unlock()
	close(c.done)
}

// fetchProvider asks the provider for the calendar span of n bars ending with
// the bar containing now; when that yields fewer than n bars (a market closed
// at night or on weekends) it widens the span by the density it saw, at most
// maxAttempts calls in all. If a widened call fails, the bars already had are
// returned.
func (m *Manager) fetchProvider(ctx context.Context, k cacheKey, n int, now time.Time) (bars.Series, error) {
	d := k.tf.Duration()
	to := k.tf.Open(now).Add(d)
	span := min(time.Duration(n)*d, maxSpan)
	var s bars.Series
	for attempt := 1; ; attempt++ {
		from := to.Add(-span)
		if epoch := time.Unix(0, 0).UTC(); from.Before(epoch) {
			from = epoch
		}
		if m.limiter != nil {
			if err := m.limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("wait for %s's rate limit: %w", m.provider.Name(), err)
			}
		}
		m.fetches.Add(1)
		got, err := m.provider.Bars(ctx, k.symbol, k.tf, from, to)
		if err != nil && len(s) > 0 {
			// A wider span failed (providers cap how far back intraday
			// data goes): keep what the narrower one gave.
			m.log.Warn("market data: keeping fewer bars than asked for", "symbol", k.symbol,
				"timeframe", string(k.tf), "provider", m.provider.Name(), "bars", len(s), "asked", n, "error", err)
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		s = lastN(got, k.tf, n, now)
		if len(s) >= n || attempt == maxAttempts || span >= maxSpan {
			return s, nil
		}
		// In float64 and capped before the conversion: a widened span can
		// pass time.Duration's range (292 years), which would wrap negative.
		grown := float64(span)*8 + float64(7*24*time.Hour)
		if len(s) > 0 {
			grown = float64(span)*1.5*float64(n)/float64(len(s)) + float64(3*24*time.Hour)
		}
		span = time.Duration(min(grown, float64(maxSpan)))
	}
}

// fallback answers a call whose fetch failed from memory or the store.
func (m *Manager) fallback(ctx context.Context, k cacheKey, n int, now time.Time, c *call) (bars.Series, error) {
	m.mu.Lock()
	e := m.cache[k]
	m.mu.Unlock()
	var mem bars.Series
	if e != nil {
		mem = lastN(e.series, k.tf, n, now)
		if len(mem) >= n {
			m.warn(k, e, c.err)
			return mem, nil
		}
	}
	if m.store != nil && (!c.storeChecked || !c.covers(k.tf, n, now)) {
		if st := m.load(ctx, k, n, now); st != nil && len(st.series) > len(mem) {
			m.warn(k, st, c.err)
			return st.series, nil
		}
	}
	if len(mem) > 0 {
		m.warn(k, e, c.err)
		return mem, nil
	}
	return nil, fmt.Errorf("%w for %s %s: %w", ErrDataUnavailable, k.symbol, k.tf, c.err)
}

// warn logs the design's warning; source says where the series came from:
// "memory" (this process fetched it) or "market_bars" (read from the Store,
// possibly by an earlier call).
func (m *Manager) warn(k cacheKey, e *entry, cause error) {
	m.fallbacks.Add(1)
	source := "memory"
	if e.fromStore {
		source = "market_bars"
	}
	m.log.Warn(fmt.Sprintf("Market data unavailable for %s, using cached data", k.symbol),
		"symbol", k.symbol, "timeframe", string(k.tf), "provider", m.provider.Name(),
		"source", source, "cached_at", e.asOf, "error", cause)
}

// write saves the bars of s that this Manager has not saved before with the
// same values (the newest always), then remembers s as saved; a failure is
// logged, not returned: the caller has its data, and the next fetch sends
// the bars again.
func (m *Manager) write(ctx context.Context, k cacheKey, s bars.Series) {
	if m.store == nil || len(s) == 0 {
		return
	}
	m.mu.Lock()
	prev := m.saved[k]
	m.mu.Unlock()
	todo := unsaved(prev, s)
	if err := m.store.SaveBars(ctx, m.provider.Name(), k.symbol, k.tf, todo); err != nil {
		m.log.Warn("store market bars", "symbol", k.symbol, "timeframe", string(k.tf), "provider", m.provider.Name(),
			"bars", len(todo), "error", err)
		return
	}
	m.mu.Lock()
	m.saved[k] = s
	m.mu.Unlock()
}

// unsaved returns the bars of s (ascending) that prev (ascending, saved
// before) does not hold with the same values, and the newest bar of s in
// any case.
func unsaved(prev, s bars.Series) bars.Series {
	if len(prev) == 0 {
		return s
	}
	out := make(bars.Series, 0, 2)
	j := 0
	for i, b := range s {
		for j < len(prev) && prev[j].Time.Before(b.Time) {
			j++
		}
		if i == len(s)-1 || j == len(prev) || !sameBar(prev[j], b) {
			out = append(out, b)
		}
	}
	return out
}

// load reads the newest n bars up to now that this provider saved in the
// store; nil when there are none or the read fails (logged).
func (m *Manager) load(ctx context.Context, k cacheKey, n int, now time.Time) *entry {
	d := k.tf.Duration()
	to := k.tf.Open(now).Add(d)
	from := to.Add(-min(time.Duration(n)*d*8+14*24*time.Hour, maxSpan))
	s, fetchedAt, err := m.store.LoadBars(ctx, m.provider.Name(), k.symbol, k.tf, from, to)
	if err != nil {
		m.log.Error("read market bars", "symbol", k.symbol, "timeframe", string(k.tf), "provider", m.provider.Name(),
			"error", err)
		return nil
	}
	s = lastN(s, k.tf, n, now)
	if len(s) == 0 {
		return nil
	}
	return &entry{series: s, asOf: fetchedAt.UTC(), n: n, fromStore: true}
}

// lastN copies the newest n bars of s opening at or before the bar
// containing now.
func lastN(s bars.Series, tf bars.Timeframe, n int, now time.Time) bars.Series {
	open := tf.Open(now)
	end := sort.Search(len(s), func(i int) bool { return s[i].Time.After(open) })
	start := max(0, end-n)
	return slices.Clone(s[start:end])
}

// sameBar reports whether a and b are the same bar time with the same values.
func sameBar(a, b bars.Bar) bool {
	return a.Time.Equal(b.Time) && a.Open == b.Open && a.High == b.High && a.Low == b.Low && a.Close == b.Close &&
		a.Volume == b.Volume
}
