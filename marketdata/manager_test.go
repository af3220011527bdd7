package marketdata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// testClock is the synthetic provider's clock, moved by tests in step with
// the now they pass to Manager.Bars.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// testProvider wraps a provider to fail or block on demand.
type testProvider struct {
	Provider
	name string // overrides Provider.Name when set

	mu    sync.Mutex
	err   error
	block chan struct{} // when set, Bars waits for it to close
}

func (p *testProvider) Name() string {
	if p.name != "" {
		return p.name
	}
	return p.Provider.Name()
}

func (p *testProvider) Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	p.mu.Lock()
	err, block := p.err, p.block
	p.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	return p.Provider.Bars(ctx, symbol, tf, from, to)
}

func (p *testProvider) fail(err error) { p.mu.Lock(); p.err = err; p.mu.Unlock() }

func (p *testProvider) blockUntil(ch chan struct{}) { p.mu.Lock(); p.block = ch; p.mu.Unlock() }

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

type managerBundle struct {
	m     *Manager
	prov  *testProvider
	clock *testClock
	logs  *syncBuffer
	now   time.Time
}

// memStore is a Store in memory, keyed like market_bars (symbol, timeframe,
// bar time) with the provider that wrote each bar. db/store tests the
// market_bars implementation.
type memStore struct {
	mu   sync.Mutex
	rows map[string]memBar // symbol/timeframe/unix nanos
}

type memBar struct {
	bar       bars.Bar
	provider  string
	fetchedAt time.Time
}

func newMemStore() *memStore { return &memStore{rows: map[string]memBar{}} }

func (s *memStore) key(symbol string, tf bars.Timeframe, t time.Time) string {
	return fmt.Sprintf("%s/%s/%d", symbol, tf, t.UnixNano())
}

func (s *memStore) SaveBars(_ context.Context, provider, symbol string, tf bars.Timeframe, series bars.Series) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range series {
		s.rows[s.key(symbol, tf, b.Time)] = memBar{bar: b, provider: provider, fetchedAt: time.Now()}
	}
	return nil
}

func (s *memStore) LoadBars(_ context.Context, provider, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out bars.Series
	var fetchedAt time.Time
	for t := tf.Open(from); t.Before(to); t = t.Add(tf.Duration()) {
		r, ok := s.rows[s.key(symbol, tf, t)]
		if !ok || r.provider != provider || r.bar.Time.Before(from) {
			continue
		}
		out = append(out, r.bar)
		if r.fetchedAt.After(fetchedAt) {
			fetchedAt = r.fetchedAt
		}
	}
	return out, fetchedAt, nil
}

func (s *memStore) len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.rows) }

func setup(t *testing.T, ttl time.Duration, store Store) *managerBundle {
	t.Helper()
	clk := &testClock{t: fixedNow}
	prov := &testProvider{Provider: &Synthetic{Now: clk.Now}}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	return &managerBundle{m: NewManager(prov, store, ttl, log), prov: prov, clock: clk, logs: logs, now: fixedNow}
}

func TestManagerCacheHit(t *testing.T) {
	t.Parallel()
	b := setup(t, time.Minute, nil)
	ctx := context.Background()

	first, err := b.m.Bars(ctx, "AAPL", bars.H1, 50, b.now)
	require.NoError(t, err)
	require.Len(t, first, 50)
	last, _ := first.Last()
	require.Equal(t, bars.H1.Open(b.now), last.Time, "the open bar comes last")
	require.EqualValues(t, 1, b.m.Fetches())

	first[0].Close = -1 // the caller's copy
	again, err := b.m.Bars(ctx, " aapl", bars.H1, 20, b.now.Add(10*time.Second))
	require.NoError(t, err)
	require.EqualValues(t, 1, b.m.Fetches(), "a hit within the TTL")
	require.Len(t, again, 20)
	require.Equal(t, first[30:], again)
	require.Positive(t, again[0].Close)

	_, err = b.m.Bars(ctx, "AAPL", bars.D1, 20, b.now)
	require.NoError(t, err)
	require.EqualValues(t, 2, b.m.Fetches(), "another timeframe is another key")
}

func TestManagerExpiryAndNewBar(t *testing.T) {
	t.Parallel()
	b := setup(t, 30*time.Second, nil)
	ctx := context.Background()
	now := time.Date(2027, 3, 17, 13, 59, 40, 0, time.UTC)
	b.clock.Set(now)

	_, err := b.m.Bars(ctx, "AAPL", bars.H1, 10, now)
	require.NoError(t, err)
	_, err = b.m.Bars(ctx, "AAPL", bars.H1, 10, now.Add(15*time.Second))
	require.NoError(t, err)
	require.EqualValues(t, 1, b.m.Fetches())

	// 14:00:05 is within the TTL but in a new bar: fetch, so 13:00 is final.
	next := now.Add(25 * time.Second)
	b.clock.Set(next)
	s, err := b.m.Bars(ctx, "AAPL", bars.H1, 10, next)
	require.NoError(t, err)
	require.EqualValues(t, 2, b.m.Fetches())
	last, _ := s.Last()
	require.Equal(t, time.Date(2027, 3, 17, 14, 0, 0, 0, time.UTC), last.Time)

	// The TTL runs out inside the bar.
	later := next.Add(30 * time.Second)
	b.clock.Set(later)
	_, err = b.m.Bars(ctx, "AAPL", bars.H1, 10, later)
	require.NoError(t, err)
	require.EqualValues(t, 3, b.m.Fetches())

	// More bars than cached.
	_, err = b.m.Bars(ctx, "AAPL", bars.H1, 11, later)
	require.NoError(t, err)
	require.EqualValues(t, 4, b.m.Fetches())
}

func TestManagerCoalesces(t *testing.T) {
	t.Parallel()
	b := setup(t, 0, nil) // no cache: only coalescing can save fetches
	release := make(chan struct{})
	b.prov.blockUntil(release)
	const callers = 1000

	results := make([]bars.Series, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			results[i], errs[i] = b.m.Bars(context.Background(), "AAPL", bars.M5, 100, b.now)
		})
	}
	k := cacheKey{"AAPL", bars.M5}
	require.Eventually(t, func() bool {
		b.m.mu.Lock()
		defer b.m.mu.Unlock()
		c := b.m.inflight[k]
		return c != nil && c.waiters == callers
	}, 10*time.Second, time.Millisecond, "every caller waits on the one fetch")
	close(release)
	wg.Wait()

	require.EqualValues(t, 1, b.m.Fetches())
	for i := range callers {
		require.NoError(t, errs[i])
		require.Len(t, results[i], 100)
		require.Equal(t, results[0], results[i])
	}
}

func TestManagerWaiterGivesUp(t *testing.T) {
	t.Parallel()
	b := setup(t, time.Minute, nil)
	release := make(chan struct{})
	b.prov.blockUntil(release)

	ctx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() {
		_, err := b.m.Bars(ctx, "AAPL", bars.H1, 10, b.now)
		leaderDone <- err
	}()
	otherDone := make(chan bars.Series, 1)
	go func() {
		s, err := b.m.Bars(context.Background(), "AAPL", bars.H1, 10, b.now)
		if err != nil {
			t.Error(err)
		}
		otherDone <- s
	}()
	require.Eventually(t, func() bool {
		b.m.mu.Lock()
		defer b.m.mu.Unlock()
		c := b.m.inflight[cacheKey{"AAPL", bars.H1}]
		return c != nil && c.waiters == 2
	}, 10*time.Second, time.Millisecond)

	cancel()
	require.ErrorIs(t, <-leaderDone, context.Canceled, "the caller that started the fetch may leave")
	close(release)
	require.Len(t, <-otherDone, 10, "the fetch carries on for the others")
	require.EqualValues(t, 1, b.m.Fetches())
}

func TestManagerFallsBackToMemory(t *testing.T) {
	t.Parallel()
	b := setup(t, time.Minute, nil)
	ctx := context.Background()
	cached, err := b.m.Bars(ctx, "AAPL", bars.H1, 24, b.now)
	require.NoError(t, err)

	b.prov.fail(errors.New("yahoo AAPL: HTTP 502: bad gateway"))
	later := b.now.Add(2 * time.Minute)
	got, err := b.m.Bars(ctx, "AAPL", bars.H1, 24, later)
	require.NoError(t, err)
	require.Equal(t, cached, got)
	require.EqualValues(t, 2, b.m.Fetches(), "the provider was asked first")
	logs := b.logs.String()
	require.Contains(t, logs, "level=WARN")
	require.Contains(t, logs, `msg="Market data unavailable for AAPL, using cached data"`)
	require.Contains(t, logs, "source=memory")
	require.Contains(t, logs, "HTTP 502")

	// The provider's outcome says it failed, though the caller was served.
	o := b.m.Outcome().Last()
	require.True(t, o.Failing())
	require.EqualValues(t, 1, o.Successes)
	require.Equal(t, "yahoo AAPL: HTTP 502: bad gateway", o.LastError)
	require.EqualValues(t, 1, b.m.Fallbacks())
	b.prov.fail(nil)
	_, err = b.m.Bars(ctx, "AAPL", bars.H1, 24, later.Add(time.Hour))
	require.NoError(t, err)
	require.False(t, b.m.Outcome().Last().Failing(), "a later fetch that works heals")
}

func TestManagerUnavailable(t *testing.T) {
	t.Parallel()
	b := setup(t, time.Minute, nil)
	cause := errors.New("yahoo AAPL: HTTP 502: bad gateway")
	b.prov.fail(cause)
	_, err := b.m.Bars(context.Background(), "AAPL", bars.H1, 24, b.now)
	require.ErrorIs(t, err, ErrDataUnavailable)
	require.ErrorIs(t, err, cause)
	require.EqualError(t, err, "data unavailable for AAPL 1h: yahoo AAPL: HTTP 502: bad gateway")
	require.NotContains(t, b.logs.String(), "using cached data")

	b.prov.fail(&market.RateLimitError{Provider: "yahoo", Status: 429, RetryAfter: time.Minute})
	_, err = b.m.Bars(context.Background(), "AAPL", bars.H1, 24, b.now)
	require.ErrorIs(t, err, ErrDataUnavailable)
	var rl *market.RateLimitError
	require.ErrorAs(t, err, &rl, "callers can still read Retry-After")
}

func TestManagerUnknownSymbol(t *testing.T) {
	t.Parallel()
	b := setup(t, time.Minute, nil)
	ctx := context.Background()
	b.prov.fail(fmt.Errorf("yahoo NOPE: HTTP 404: %w", market.ErrUnknownSymbol))
	_, err := b.m.Bars(ctx, "NOPE", bars.D1, 5, b.now)
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	require.NotErrorIs(t, err, ErrDataUnavailable, "permanent: not worth a retry")

	_, err = b.m.Bars(ctx, "", bars.D1, 5, b.now)
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	_, err = b.m.Bars(ctx, "AAPL", bars.Timeframe("2h"), 5, b.now)
	require.ErrorContains(t, err, "must be one of")
	_, err = b.m.Bars(ctx, "AAPL", bars.D1, 0, b.now)
	require.ErrorContains(t, err, "want 1 to 10000")
	require.EqualValues(t, 1, b.m.Fetches())
}

// sessionProvider keeps only bars of a weekday session, 14:00-21:00 UTC.
type sessionProvider struct{ Provider }

func (p sessionProvider) Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	s, err := p.Provider.Bars(ctx, symbol, tf, from, to)
	var out bars.Series
	for _, b := range s {
		if wd := b.Time.Weekday(); wd != time.Saturday && wd != time.Sunday && b.Time.Hour() >= 14 && b.Time.Hour() < 21 {
			out = append(out, b)
		}
	}
	return out, err
}

func TestManagerWidensOverClosedMarkets(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: fixedNow}
	m := NewManager(sessionProvider{&Synthetic{Now: clk.Now}}, nil, time.Minute, nil)
	s, err := m.Bars(context.Background(), "AAPL", bars.H1, 200, fixedNow)
	require.NoError(t, err)
	require.Len(t, s, 200)
	require.LessOrEqual(t, m.Fetches(), int64(maxAttempts))
	require.Greater(t, m.Fetches(), int64(1))
}

func TestManagerStore(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	ctx := context.Background()
	b := setup(t, time.Minute, store)

	fetched, err := b.m.Bars(ctx, "AAPL", bars.H1, 24, b.now)
	require.NoError(t, err)
	require.Equal(t, 24, store.len(), "written through")
	stored, _, err := store.LoadBars(ctx, "synthetic", "AAPL", bars.H1, fetched[0].Time, b.now)
	require.NoError(t, err)
	require.Equal(t, fetched, stored, "saved under the provider's name")

	// A fresh Manager (another process, or after a restart) whose provider is
	// down serves market_bars.
	down := setup(t, time.Minute, store)
	down.prov.fail(errors.New("synthetic is down"))
	got, err := down.m.Bars(ctx, "aapl", bars.H1, 24, b.now.Add(5*time.Minute))
	require.NoError(t, err)
	require.Equal(t, fetched, got)
	require.Contains(t, down.logs.String(), `msg="Market data unavailable for AAPL, using cached data"`)
	require.Contains(t, down.logs.String(), "source=market_bars")

	// The next call is served from the copy the first one loaded.
	got, err = down.m.Bars(ctx, "AAPL", bars.H1, 24, b.now.Add(6*time.Minute))
	require.NoError(t, err)
	require.Equal(t, fetched, got)
	require.Equal(t, 2, strings.Count(down.logs.String(), "using cached data"))

	// Another provider's bars are never passed off as this one's.
	other := setup(t, time.Minute, store)
	other.prov.name = "yahoo"
	other.prov.fail(errors.New("yahoo is down"))
	_, err = other.m.Bars(ctx, "AAPL", bars.H1, 24, b.now)
	require.ErrorIs(t, err, ErrDataUnavailable)
}

func TestManagerCoalescedFailureFallsBack(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	ctx := context.Background()
	writer := setup(t, time.Minute, store)
	_, err := writer.m.Bars(ctx, "MSFT", bars.D1, 30, writer.now)
	require.NoError(t, err)

	b := setup(t, time.Minute, store)
	release := make(chan struct{})
	b.prov.fail(errors.New("down"))
	b.prov.blockUntil(release)
	const callers = 50
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			s, err := b.m.Bars(ctx, "MSFT", bars.D1, 30, b.now)
			if err != nil {
				t.Error(err)
			}
			if len(s) != 30 {
				t.Errorf("got %d bars", len(s))
			}
		})
	}
	require.Eventually(t, func() bool {
		b.m.mu.Lock()
		defer b.m.mu.Unlock()
		c := b.m.inflight[cacheKey{"MSFT", bars.D1}]
		return c != nil && c.waiters == callers
	}, 10*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	require.EqualValues(t, 1, b.m.Fetches())
}

// SetRateLimit paces provider calls: each provider call takes a token from
// the limiter (1 a second, burst 1), so right after one fetch none is left
// and the next fetch waits for it; a caller whose context ends gives up
// while the shared fetch goes on.
func TestManagerRateLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	m := NewManager(&Synthetic{Now: func() time.Time { return now }}, nil, time.Minute, nil)
	m.SetRateLimit(1, 1)
	_, err := m.Bars(t.Context(), "AAPL", bars.D1, 10, now)
	require.NoError(t, err)
	require.Less(t, m.limiter.Tokens(), 1.0, "the fetch spent the limiter's token")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = m.Bars(ctx, "MSFT", bars.D1, 10, now)
	require.ErrorIs(t, err, context.Canceled)
	_, err = m.Bars(t.Context(), "MSFT", bars.D1, 10, now)
	require.NoError(t, err, "the paced fetch completes")
	require.Equal(t, int64(2), m.Fetches())

	m.SetRateLimit(0, 0)
	require.Nil(t, m.limiter)
	require.Equal(t, 5.0, DefaultRateLimit("yahoo"))
	require.Zero(t, DefaultRateLimit("synthetic"))
}
