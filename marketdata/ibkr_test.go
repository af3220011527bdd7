package marketdata

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// ibkrStandIn is a local Client Portal Gateway: it answers secdef/search and
// marketdata/history with the testdata bodies and counts requests and
// history requests in flight.
type ibkrStandIn struct {
	srv *httptest.Server

	searches, histories atomic.Int64
	inFlight, maxFlight atomic.Int64
	// hold, when set, keeps each history request open until closed.
	hold chan struct{}

	mu      sync.Mutex
	queries []string
}

func newIBKRStandIn(t *testing.T, routes map[string]recorded) *ibkrStandIn {
	t.Helper()
	s := &ibkrStandIn{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.Path+"?"+r.URL.RawQuery)
		s.mu.Unlock()
		switch r.URL.Path {
		case "/v1/api/iserver/secdef/search":
			s.searches.Add(1)
		case "/v1/api/iserver/marketdata/history":
			s.histories.Add(1)
			n := s.inFlight.Add(1)
			defer s.inFlight.Add(-1)
			for {
				m := s.maxFlight.Load()
				if n <= m || s.maxFlight.CompareAndSwap(m, n) {
					break
				}
			}
			if s.hold != nil {
				<-s.hold
			}
		}
		rec, ok := routes[r.URL.Path+"?symbol="+r.URL.Query().Get("symbol")]
		if !ok {
			rec, ok = routes[r.URL.Path]
		}
		if !ok {
			http.Error(w, "no route", http.StatusNotFound)
			return
		}
		var body []byte
		if rec.file != "" {
			var err error
			if body, err = os.ReadFile(filepath.Join("testdata", rec.file)); err != nil {
				t.Errorf("read %s: %v", rec.file, err)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *ibkrStandIn) url() string { return s.srv.URL + "/v1/api" }

var ibkrRoutes = map[string]recorded{
	"/v1/api/iserver/secdef/search?symbol=AAPL": {status: 200, file: "ibkr_secdef_search_AAPL.json"},
	"/v1/api/iserver/secdef/search":             {status: 200, file: "ibkr_secdef_search_not_found.json"},
	"/v1/api/iserver/marketdata/history":        {status: 200, file: "ibkr_history_265598_5min.json"},
}

// ibkrNow is shortly after the last bar of the history testdata
// (2023-08-31 13:40 UTC).
var ibkrNow = time.Date(2023, 8, 31, 14, 0, 0, 0, time.UTC)

func TestIBKRBars(t *testing.T) {
	t.Parallel()
	s := newIBKRStandIn(t, ibkrRoutes)
	p := &IBKR{GatewayURL: s.url(), Client: s.srv.Client(), Now: func() time.Time { return ibkrNow }}
	from := time.Date(2023, 8, 31, 13, 35, 0, 0, time.UTC)
	got, err := p.Bars(context.Background(), "aapl", bars.M5, from, ibkrNow)
	require.NoError(t, err)
	require.Equal(t, bars.Series{
		{Time: time.Date(2023, 8, 31, 13, 35, 0, 0, time.UTC), Open: 173.2, High: 173.75, Low: 173.15, Close: 173.6, Volume: 3712.63},
		{Time: time.Date(2023, 8, 31, 13, 40, 0, 0, time.UTC), Open: 173.6, High: 173.7, Low: 173.4, Close: 173.55, Volume: 2050},
	}, got, "plain prices (not divided by priceFactor), cut to [from, to)")

	// The conid is cached: a second call searches no more.
	_, err = p.Bars(context.Background(), "AAPL", bars.M5, from, ibkrNow)
	require.NoError(t, err)
	require.EqualValues(t, 1, s.searches.Load())
	require.EqualValues(t, 2, s.histories.Load())
	s.mu.Lock()
	queries := s.queries
	s.mu.Unlock()
	require.Equal(t, []string{
		"/v1/api/iserver/secdef/search?symbol=AAPL",
		"/v1/api/iserver/marketdata/history?bar=5min&conid=265598&outsideRth=false&period=25min",
		"/v1/api/iserver/marketdata/history?bar=5min&conid=265598&outsideRth=false&period=25min",
	}, queries, "the STK conid of the first result, period reaching back to from")

	q, err := p.Quote(context.Background(), "AAPL")
	require.NoError(t, err)
	require.Equal(t, Quote{Symbol: "AAPL", Price: 173.55, Time: time.Date(2023, 8, 31, 13, 40, 0, 0, time.UTC)}, q)
}

func TestIBKRUnknownSymbol(t *testing.T) {
	t.Parallel()
	s := newIBKRStandIn(t, ibkrRoutes)
	p := &IBKR{GatewayURL: s.url(), Client: s.srv.Client(), Now: func() time.Time { return ibkrNow }}
	_, err := p.Bars(context.Background(), "NOSUCH", bars.D1, ibkrNow.Add(-30*24*time.Hour), ibkrNow)
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	require.ErrorContains(t, err, "No symbol found")
	require.Zero(t, s.histories.Load())

	// An empty result array, or one without a stock, is unknown too.
	empty := newIBKRStandIn(t, map[string]recorded{"/v1/api/iserver/secdef/search": {status: 200}})
	empty.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`[]`)) })
	p = &IBKR{GatewayURL: empty.url(), Client: empty.srv.Client()}
	_, err = p.Bars(context.Background(), "NOSUCH", bars.D1, ibkrNow.Add(-time.Hour), ibkrNow)
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
}

func TestIBKRNotAuthenticated(t *testing.T) {
	t.Parallel()
	for name, rec := range map[string]recorded{
		"no bridge": {status: 400, file: "ibkr_error_no_bridge.json"},
		"401":       {status: 401},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newIBKRStandIn(t, map[string]recorded{"/v1/api/iserver/secdef/search": rec})
			p := &IBKR{GatewayURL: s.url(), Client: s.srv.Client()}
			_, err := p.Bars(context.Background(), "AAPL", bars.D1, time.Now().Add(-48*time.Hour), time.Now())
			require.ErrorIs(t, err, ErrIBKRNotAuthenticated)
			require.EqualError(t, err, "ibkr gateway not authenticated: log in at "+s.srv.URL)
		})
	}
}

// Every request waits on the limiter, and no more than 5 history requests
// are ever in flight at the gateway.
func TestIBKRPacing(t *testing.T) {
	t.Parallel()
	s := newIBKRStandIn(t, ibkrRoutes)
	s.hold = make(chan struct{})
	var release sync.Once
	t.Cleanup(func() { release.Do(func() { close(s.hold) }) }) // before the stand-in closes
	p := &IBKR{GatewayURL: s.url(), Client: s.srv.Client(), Now: func() time.Time { return ibkrNow }}
	_, err := p.conid(context.Background(), "AAPL")
	require.NoError(t, err)

	const calls = 12
	errs := make(chan error, calls)
	for range calls {
		go func() {
			_, err := p.Bars(context.Background(), "AAPL", bars.M5, ibkrNow.Add(-time.Hour), ibkrNow)
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return s.inFlight.Load() == ibkrMaxHistory }, 10*time.Second, time.Millisecond)
	// Five are held at the stand-in; the other seven wait for a slot.
	require.EqualValues(t, ibkrMaxHistory, s.histories.Load())
	release.Do(func() { close(s.hold) })
	for range calls {
		require.NoError(t, <-errs)
	}
	require.EqualValues(t, calls, s.histories.Load())
	require.LessOrEqual(t, s.maxFlight.Load(), int64(ibkrMaxHistory))
	require.EqualValues(t, calls+1, p.paced.Load(), "every request (1 search, 12 histories) waited on the limiter")
}

// The limiter's rate and burst are the gateway's 10 requests per second.
func TestIBKRLimiter(t *testing.T) {
	t.Parallel()
	p := &IBKR{}
	p.init()
	require.EqualValues(t, 10, p.limiter.Limit())
	require.Equal(t, 10, p.limiter.Burst())
	require.Equal(t, 5, cap(p.history))
}

func TestIBKRPeriod(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                        "1min",
		90 * time.Second:         "2min",
		30 * time.Minute:         "30min",
		31 * time.Minute:         "1h",
		8 * time.Hour:            "8h",
		9 * time.Hour:            "1d",
		250 * 24 * time.Hour:     "250d",
		1001 * 24 * time.Hour:    "143w",
		792 * 7 * 24 * time.Hour: "792w",
		5000 * 24 * time.Hour:    "715w",
	} {
		got, err := ibkrPeriod(d)
		require.NoError(t, err, d)
		require.Equal(t, want, got, fmt.Sprint(d))
	}
	_, err := ibkrPeriod(793 * 7 * 24 * time.Hour)
	require.ErrorContains(t, err, "792 weeks")
}
