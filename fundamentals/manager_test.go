package fundamentals

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/vigilhq/vigil/market"
)

// fakeProvider counts calls and symbols; figures come from Synthetic.
type fakeProvider struct {
	synthetic Synthetic
	unknown   map[string]bool           // symbols it does not know
	gate      chan struct{}             // when set, calls wait until it is closed
	release   chan struct{}             // when set, each call waits for one value
	errFunc   func(syms []string) error // when set, a call fails with its error
	onCall    func(syms []string)       // when set, runs at the start of each call

	inflight, maxInflight atomic.Int64

	mu        sync.Mutex
	calls     [][]string
	perSymbol map[string]int
}

func newFakeProvider() *fakeProvider {
	return &fakeProvider{
		synthetic: Synthetic{Now: func() time.Time { return time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC) }},
		unknown:   map[string]bool{},
		perSymbol: map[string]int{},
	}
}

func (p *fakeProvider) Name() string { return "fake" }

func (p *fakeProvider) Fundamentals(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error) {
	n := p.inflight.Add(1)
	defer p.inflight.Add(-1)
	for {
		m := p.maxInflight.Load()
		if n <= m || p.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	p.mu.Lock()
	p.calls = append(p.calls, slices.Clone(symbols))
	for _, s := range symbols {
		p.perSymbol[s]++
	}
	p.mu.Unlock()
	if p.onCall != nil {
		p.onCall(symbols)
	}
	if p.gate != nil {
		<-p.gate
	}
	if p.release != nil {
		<-p.release
	}
	if p.errFunc != nil {
		if err := p.errFunc(symbols); err != nil {
			return nil, err
		}
	}
	all, err := p.synthetic.Fundamentals(ctx, symbols)
	if err != nil {
		return nil, err
	}
	for s := range all {
		if p.unknown[s] {
			delete(all, s)
		}
	}
	return all, nil
}

func (p *fakeProvider) callCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

func (p *fakeProvider) batchSizes() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var sizes []int
	for _, c := range p.calls {
		sizes = append(sizes, len(c))
	}
	slices.Sort(sizes)
	return sizes
}

// fakeStore is a Store in memory.
type fakeStore struct {
	mu      sync.Mutex
	rows    map[string]market.Fundamentals // by provider + "/" + symbol
	saves   [][]market.Fundamentals
	loadErr error
	saveErr error
}

func newFakeStore() *fakeStore { return &fakeStore{rows: map[string]market.Fundamentals{}} }

func (s *fakeStore) Load(_ context.Context, provider string, symbols []string) (map[string]market.Fundamentals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loadErr != nil {
		return nil, s.loadErr
	}
	out := map[string]market.Fundamentals{}
	for _, sym := range symbols {
		if f, ok := s.rows[provider+"/"+sym]; ok {
			out[sym] = f
		}
	}
	return out, nil
}

func (s *fakeStore) Save(_ context.Context, provider string, fs []market.Fundamentals) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves = append(s.saves, slices.Clone(fs))
	if s.saveErr != nil {
		return s.saveErr
	}
	for _, f := range fs {
		s.rows[provider+"/"+f.Symbol] = f
	}
	return nil
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingLimiter counts waits; it never blocks.
type countingLimiter struct {
	waits atomic.Int64
	err   error
}

func (l *countingLimiter) Wait(context.Context) error {
	l.waits.Add(1)
	return l.err
}

// syncBuffer is a log destination safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type managerBundle struct {
	provider *fakeProvider
	store    *fakeStore
	clock    *fakeClock
	logs     *syncBuffer
}

func setup(t *testing.T) *managerBundle {
	t.Helper()
	return &managerBundle{
		provider: newFakeProvider(),
		store:    newFakeStore(),
		clock:    &fakeClock{t: time.Date(2026, 8, 10, 14, 0, 0, 0, time.UTC)},
		logs:     &syncBuffer{},
	}
}

// manager builds a Manager over the bundle's provider, store (nil when
// noStore), clock and log.
func (b *managerBundle) manager(ttl time.Duration, noStore bool, opts ...Option) *Manager {
	var store Store
	if !noStore {
		store = b.store
	}
	log := slog.New(slog.NewTextHandler(b.logs, nil))
	return NewManager(b.provider, store, ttl, log, append([]Option{WithNow(b.clock.Now)}, opts...)...)
}

func symbolsN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("S%04d", i)
	}
	return out
}

func TestManagerCache(t *testing.T) {
	t.Parallel()

	t.Run("HitDoesNotRefetch", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.unknown["ZZZZ"] = true
		m := b.manager(time.Hour, false)
		ctx := context.Background()

		first, err := m.Get(ctx, []string{"AAPL", "MSFT", "ZZZZ"})
		require.NoError(t, err)
		require.Len(t, first, 2, "unknown symbols are absent")
		require.Equal(t, int64(1), m.Fetches())
		require.Equal(t, int64(3), m.FetchedSymbols())

		second, err := m.Get(ctx, []string{"MSFT", "AAPL", "ZZZZ"})
		require.NoError(t, err)
		requireSameFigures(t, first, second)
		require.Equal(t, int64(1), m.Fetches(), "served from memory, the unknown symbol too")

		third, err := m.Get(ctx, []string{"AAPL", "NVDA"})
		require.NoError(t, err)
		require.Len(t, third, 2)
		require.Equal(t, int64(2), m.Fetches())
		require.Equal(t, int64(4), m.FetchedSymbols(), "only NVDA was fetched")
	})

	t.Run("TTLExpiryRefetches", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, false)
		ctx := context.Background()

		_, err := m.Get(ctx, []string{"AAPL"})
		require.NoError(t, err)
		b.clock.Advance(59 * time.Minute)
		_, err = m.Get(ctx, []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, int64(1), m.Fetches())

		b.clock.Advance(time.Minute)
		_, err = m.Get(ctx, []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, int64(2), m.Fetches(), "an hour old: stale")

		b.clock.Advance(-3 * time.Hour)
		_, err = m.Get(ctx, []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, int64(3), m.Fetches(), "a clock stepped back a long way refetches too")
	})

	t.Run("ZeroTTLAlwaysFetches", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(0, true)
		for range 3 {
			_, err := m.Get(context.Background(), []string{"AAPL"})
			require.NoError(t, err)
		}
		require.Equal(t, int64(3), m.Fetches())
	})

	t.Run("Normalised", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, true)

		got, err := m.Get(context.Background(), []string{" aapl ", "AAPL", "msft", "not a symbol", ""})
		require.NoError(t, err)
		require.Equal(t, []string{"AAPL", "MSFT"}, sortedKeys(got))
		require.Equal(t, "AAPL", got["AAPL"].Symbol)
		require.Equal(t, [][]string{{"AAPL", "MSFT"}}, b.provider.calls)

		got, err = m.Get(context.Background(), []string{"", "a b"})
		require.NoError(t, err)
		require.Empty(t, got)
		require.Equal(t, int64(1), m.Fetches())
	})

	t.Run("WriteThrough", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.unknown["ZZZZ"] = true
		m := b.manager(time.Hour, false)

		got, err := m.Get(context.Background(), []string{"MSFT", "ZZZZ", "AAPL"})
		require.NoError(t, err)
		require.Len(t, b.store.saves, 1)
		saved := b.store.saves[0]
		require.Equal(t, []string{"AAPL", "MSFT"}, []string{saved[0].Symbol, saved[1].Symbol}, "known symbols, sorted")
		requireSameFundamentals(t, got["AAPL"], saved[0])
		require.Contains(t, b.store.rows, "fake/AAPL", "saved under the provider's name")

		b.store.saveErr = errors.New("disk full")
		_, err = m.Get(context.Background(), []string{"NVDA"})
		require.NoError(t, err, "a failed write-through does not fail Get")
		require.Contains(t, b.logs.String(), "write-through failed")
		require.Contains(t, b.logs.String(), "disk full")
	})
}

func TestManagerBatching(t *testing.T) {
	t.Parallel()

	t.Run("BatchSize", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, true, WithBatchSize(50))

		got, err := m.Get(context.Background(), symbolsN(120))
		require.NoError(t, err)
		require.Len(t, got, 120)
		require.Equal(t, []int{20, 50, 50}, b.provider.batchSizes())
		require.Equal(t, int64(3), m.Fetches())
		require.Equal(t, int64(120), m.FetchedSymbols())
	})

	t.Run("DefaultBatchSize", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, true, WithBatchSize(0))

		_, err := m.Get(context.Background(), symbolsN(DefaultBatchSize+1))
		require.NoError(t, err)
		require.Equal(t, []int{1, DefaultBatchSize}, b.provider.batchSizes())
	})

	t.Run("ConcurrencyBound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.release = make(chan struct{})
		m := b.manager(time.Hour, true, WithBatchSize(1), WithConcurrency(2))

		type result struct {
			got map[string]market.Fundamentals
			err error
		}
		done := make(chan result, 1)
		go func() {
			got, err := m.Get(context.Background(), symbolsN(6))
			done <- result{got, err}
		}()
		// Let the calls finish one at a time; two are always in flight
		// until fewer are left, never three.
		for left := 6; left > 0; left-- {
			want := int64(min(2, left))
			require.Eventually(t, func() bool { return b.provider.inflight.Load() == want }, 10*time.Second, time.Millisecond)
			b.provider.release <- struct{}{}
		}
		r := <-done
		require.NoError(t, r.err)
		require.Len(t, r.got, 6)
		require.Equal(t, int64(2), b.provider.maxInflight.Load())
		require.Equal(t, int64(6), m.Fetches())
	})

	t.Run("ConcurrencyAcrossGets", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.release = make(chan struct{})
		m := b.manager(time.Hour, true, WithBatchSize(2), WithConcurrency(1))

		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() {
				if _, err := m.Get(context.Background(), []string{fmt.Sprintf("A%d", i), fmt.Sprintf("B%d", i)}); err != nil {
					t.Errorf("Get: %v", err)
				}
			})
		}
		for range 3 {
			require.Eventually(t, func() bool { return b.provider.inflight.Load() == 1 }, 10*time.Second, time.Millisecond)
			b.provider.release <- struct{}{}
		}
		wg.Wait()
		require.Equal(t, int64(1), b.provider.maxInflight.Load(), "the bound is the Manager's, not each Get's")
	})
}

func TestManagerCoalescing(t *testing.T) {
	t.Parallel()

	t.Run("OverlappingGets", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.gate = make(chan struct{})
		m := b.manager(time.Hour, true)

		results := make(chan map[string]market.Fundamentals, 2)
		get := func(syms ...string) {
			got, err := m.Get(context.Background(), syms)
			if err != nil {
				t.Errorf("Get %v: %v", syms, err)
			}
			results <- got
		}
		go get("AAPL", "MSFT")
		require.Eventually(t, func() bool { return b.provider.callCount() == 1 }, 10*time.Second, time.Millisecond)
		go get("msft", "NVDA")
		require.Eventually(t, func() bool { return b.provider.callCount() == 2 }, 10*time.Second, time.Millisecond)
		close(b.provider.gate)

		var keys [][]string
		for range 2 {
			keys = append(keys, sortedKeys(<-results))
		}
		require.ElementsMatch(t, [][]string{{"AAPL", "MSFT"}, {"MSFT", "NVDA"}}, keys)
		require.Equal(t, map[string]int{"AAPL": 1, "MSFT": 1, "NVDA": 1}, b.provider.perSymbol, "each symbol fetched once")
		require.Equal(t, [][]string{{"AAPL", "MSFT"}, {"NVDA"}}, b.provider.calls)
	})

	t.Run("ManyCallersOneFetch", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.gate = make(chan struct{})
		m := b.manager(time.Hour, true)
		syms := symbolsN(10)

		var wg sync.WaitGroup
		var served atomic.Int64
		// The first caller starts the fetch; the rest come while it is in
		// flight.
		wg.Go(func() {
			got, err := m.Get(context.Background(), syms)
			if err != nil {
				t.Errorf("Get: %v", err)
			}
			served.Add(int64(len(got)))
		})
		require.Eventually(t, func() bool { return b.provider.callCount() == 1 }, 10*time.Second, time.Millisecond)
		for range 50 {
			wg.Go(func() {
				got, err := m.Get(context.Background(), syms)
				if err != nil {
					t.Errorf("Get: %v", err)
				}
				served.Add(int64(len(got)))
			})
		}
		close(b.provider.gate)
		wg.Wait()
		require.Equal(t, int64(51*10), served.Load())
		require.Equal(t, int64(1), m.Fetches())
	})

	t.Run("CallerGivesUp", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.gate = make(chan struct{})
		m := b.manager(time.Hour, true)

		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := m.Get(ctx, []string{"AAPL"})
			errc <- err
		}()
		require.Eventually(t, func() bool { return b.provider.callCount() == 1 }, 10*time.Second, time.Millisecond)
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)

		// The fetch goes on for the others and fills the cache.
		close(b.provider.gate)
		got, err := m.Get(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		require.Contains(t, got, "AAPL")
		require.Equal(t, int64(1), m.Fetches())
	})
}

func TestManagerRateLimit(t *testing.T) {
	t.Parallel()

	t.Run("EveryCallWaits", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		lim := &countingLimiter{}
		var waitsAtCall []int64
		var mu sync.Mutex
		b.provider.onCall = func([]string) {
			mu.Lock()
			defer mu.Unlock()
			waitsAtCall = append(waitsAtCall, lim.waits.Load())
		}
		m := b.manager(time.Hour, true, WithBatchSize(10), WithConcurrency(1), WithLimiter(lim))

		_, err := m.Get(context.Background(), symbolsN(45))
		require.NoError(t, err)
		require.Equal(t, int64(5), lim.waits.Load())
		require.Equal(t, m.Fetches(), lim.waits.Load(), "one wait per provider call")
		require.Equal(t, []int64{1, 2, 3, 4, 5}, waitsAtCall, "each call after its wait")

		_, err = m.Get(context.Background(), symbolsN(45))
		require.NoError(t, err)
		require.Equal(t, int64(5), lim.waits.Load(), "cache hits do not wait")
	})

	t.Run("RatePerSecond", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, true, WithRatePerSecond(5))
		lim, ok := m.limiter.(*rate.Limiter)
		require.True(t, ok, "%T", m.limiter)
		require.Equal(t, rate.Limit(5), lim.Limit())
		require.Equal(t, 1, lim.Burst(), "no bursts")

		// Five calls in a second and no more: checked on the limiter's own
		// clock, so no wall-clock time is measured.
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		allowed := 0
		for i := range 50 {
			if lim.AllowN(start.Add(time.Duration(i)*20*time.Millisecond), 1) {
				allowed++
			}
		}
		require.Equal(t, 5, allowed, "50 tries over one second")

		require.Nil(t, b.manager(time.Hour, true).limiter, "no limit by default")
		require.Nil(t, b.manager(time.Hour, true, WithRatePerSecond(5), WithRatePerSecond(0)).limiter)
	})

	t.Run("LimiterFailure", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, true, WithLimiter(&countingLimiter{err: errors.New("would exceed deadline")}))

		_, err := m.Get(context.Background(), []string{"AAPL"})
		require.ErrorIs(t, err, ErrUnavailable)
		require.ErrorContains(t, err, "fake: wait for the rate limit: would exceed deadline")
		require.Zero(t, m.Fetches(), "the provider was not called")
	})
}

func TestManagerFallback(t *testing.T) {
	t.Parallel()

	errDown := errors.New("provider down")

	t.Run("StaleMemory", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, true)
		ctx := context.Background()

		fresh, err := m.Get(ctx, []string{"AAPL", "MSFT"})
		require.NoError(t, err)
		b.provider.errFunc = func([]string) error { return errDown }
		b.clock.Advance(2 * time.Hour)

		got, err := m.Get(ctx, []string{"AAPL", "MSFT"})
		require.NoError(t, err)
		requireSameFigures(t, fresh, got)
		require.Contains(t, b.logs.String(), "Fundamentals unavailable from the provider, using cached figures")
		require.Contains(t, b.logs.String(), "provider down")

		_, err = m.Get(ctx, []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, int64(3), m.Fetches(), "a fallback is not fresh: the next Get asks the provider again")
	})

	t.Run("Store", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		old := market.Fundamentals{Symbol: "AAPL", Name: "Apple Inc.", MarketCap: 2e12, PERatio: math.NaN(), AvgVolume: 5e7,
			Sector: "Information Technology", Currency: "USD", AsOf: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)}
		b.store.rows["fake/AAPL"] = old
		b.store.rows["other/MSFT"] = market.Fundamentals{Symbol: "MSFT", MarketCap: 1}
		b.provider.errFunc = func([]string) error { return errDown }
		m := b.manager(time.Hour, false)

		got, err := m.Get(context.Background(), []string{"aapl", "MSFT"})
		require.NoError(t, err, "something was available")
		requireSameFigures(t, map[string]market.Fundamentals{"AAPL": old}, got)
		require.Contains(t, b.logs.String(), "using cached figures")
		require.Empty(t, b.store.saves, "nothing fetched, nothing saved")
	})

	t.Run("MemoryBeforeStore", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := b.manager(time.Hour, false)
		fresh, err := m.Get(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		b.store.rows["fake/AAPL"] = market.Fundamentals{Symbol: "AAPL", MarketCap: 1}
		b.provider.errFunc = func([]string) error { return errDown }
		b.clock.Advance(2 * time.Hour)

		got, err := m.Get(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, fresh["AAPL"].MarketCap, got["AAPL"].MarketCap)
	})

	t.Run("PartialFailure", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.errFunc = func(syms []string) error {
			if slices.Contains(syms, "C") {
				return errDown
			}
			return nil
		}
		m := b.manager(time.Hour, true, WithBatchSize(2), WithConcurrency(1))

		got, err := m.Get(context.Background(), []string{"A", "B", "C", "D"})
		require.NoError(t, err)
		require.Equal(t, []string{"A", "B"}, sortedKeys(got), "the failed batch's symbols are missing")
	})

	t.Run("Unavailable", func(t *testing.T) {
		t.Parallel()
		for name, modify := range map[string]func(b *managerBundle){
			"NoStore":    nil,
			"EmptyStore": func(*managerBundle) {},
			"StoreFails": func(b *managerBundle) { b.store.loadErr = errors.New("connection refused") },
		} {
			b := setup(t)
			b.provider.errFunc = func([]string) error { return errDown }
			if modify != nil {
				modify(b)
			}
			m := b.manager(time.Hour, modify == nil)

			got, err := m.Get(context.Background(), []string{"AAPL", "MSFT"})
			require.Nil(t, got, name)
			require.ErrorIs(t, err, ErrUnavailable, name)
			require.ErrorIs(t, err, errDown, name)
			require.EqualError(t, err, "fundamentals of 2 symbols: fundamentals unavailable: fake: provider down", name)
			require.Contains(t, b.logs.String(), "nothing cached", name)
			if name == "StoreFails" {
				require.Contains(t, b.logs.String(), "connection refused")
			}
		}
	})

	t.Run("RateLimitedProvider", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.provider.errFunc = func([]string) error {
			return &market.RateLimitError{Provider: "fake", Status: 429, RetryAfter: time.Minute}
		}
		m := b.manager(time.Hour, true)

		_, err := m.Get(context.Background(), []string{"AAPL"})
		require.ErrorIs(t, err, ErrUnavailable)
		var rl *market.RateLimitError
		require.ErrorAs(t, err, &rl, "callers can read Retry-After")
		require.Equal(t, time.Minute, rl.RetryAfter)
	})
}

func TestManagerAsOf(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := NewManager(zeroAsOfProvider{}, nil, time.Hour, nil, WithNow(b.clock.Now))
	require.Equal(t, "zero", m.Provider().Name())

	got, err := m.Get(context.Background(), []string{"aapl"})
	require.NoError(t, err)
	require.Equal(t, b.clock.Now(), got["AAPL"].AsOf, "a provider without AsOf gets the fetch time")
	require.Equal(t, "AAPL", got["AAPL"].Symbol, "the symbol is the Manager's")
}

// zeroAsOfProvider answers without AsOf and with a wrong Symbol.
type zeroAsOfProvider struct{}

func (zeroAsOfProvider) Name() string { return "zero" }

func (zeroAsOfProvider) Fundamentals(_ context.Context, symbols []string) (map[string]market.Fundamentals, error) {
	out := map[string]market.Fundamentals{}
	for _, s := range symbols {
		out[s] = market.Fundamentals{Symbol: "wrong", MarketCap: 1}
	}
	return out, nil
}

func sortedKeys(m map[string]market.Fundamentals) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
