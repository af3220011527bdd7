package marketdata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

func binanceSetup(t *testing.T, routes map[string]recorded) (*Binance, *fakeAPI) {
	t.Helper()
	api := newFakeAPI(t, routes)
	return &Binance{BaseURL: api.srv.URL, Client: api.srv.Client()}, api
}

func TestBinanceKlines(t *testing.T) {
	t.Parallel()
	b, api := binanceSetup(t, map[string]recorded{"/api/v3/klines": {status: 200, file: "binance_klines_BTCUSDT_1m.json"}})
	from := time.UnixMilli(1624438800000).UTC() // 2021-06-23 09:00
	to := time.UnixMilli(1624440000000).UTC()   // 09:20

	got, err := b.Bars(context.Background(), "btc/usdt", bars.M1, from, to)
	require.NoError(t, err)
	require.Equal(t, bars.Series{
		{Time: time.Date(2021, 6, 23, 9, 0, 0, 0, time.UTC), Open: 33800, High: 33800, Low: 33666.01, Close: 33784.38, Volume: 0.64906},
		{Time: time.Date(2021, 6, 23, 9, 1, 0, 0, time.UTC), Open: 33789.26, High: 33845.40, Low: 33785.58, Close: 33845.40, Volume: 0.488792},
	}, got)

	q := api.lastQuery()
	require.Equal(t, "BTCUSDT", q.Get("symbol"))
	require.Equal(t, "1m", q.Get("interval"))
	require.Equal(t, "1624438800000", q.Get("startTime"))
	require.Equal(t, "1624439999999", q.Get("endTime"), "to is exclusive, Binance's endTime inclusive")
	require.Equal(t, "1000", q.Get("limit"))
}

func TestBinanceOpenLastKline(t *testing.T) {
	t.Parallel()
	b, _ := binanceSetup(t, map[string]recorded{"/api/v3/klines": {status: 200, file: "binance_klines_BTCUSDT_1m_open.json"}})
	// Recorded at 18:32:42: the 18:32 kline was still open.
	answered := time.Date(2021, 6, 24, 18, 32, 42, 0, time.UTC)
	got, err := b.Bars(context.Background(), "BTCUSDT", bars.M1, answered.Add(-time.Minute), answered.Add(time.Minute))
	require.NoError(t, err)
	last, ok := got.Last()
	require.True(t, ok)
	require.Equal(t, bars.Bar{Time: bars.M1.Open(answered), Open: 34970.90, High: 35047.03, Low: 34800.01, Close: 35047.03, Volume: 0.419472}, last)
}

func TestBinanceDocsExampleWeekly(t *testing.T) {
	t.Parallel()
	b, api := binanceSetup(t, map[string]recorded{"/api/v3/klines": {status: 200, file: "binance_klines_docs_example.json"}})
	monday := day(2017, 7, 3)
	got, err := b.Bars(context.Background(), "ETHBTC", bars.W1, monday, monday.AddDate(0, 0, 7))
	require.NoError(t, err)
	require.Equal(t, bars.Series{{Time: monday, Open: 0.01634790, High: 0.8, Low: 0.015758, Close: 0.015771, Volume: 148976.11427815}}, got)
	require.Equal(t, bars.W1.Open(monday), got[0].Time, "Binance weeks open on Monday like bars.W1")
	require.Equal(t, "1w", api.lastQuery().Get("interval"))
}

func TestBinancePages(t *testing.T) {
	t.Parallel()
	// Page 1 is the recorded two klines; the next page (from 09:02) is empty.
	var (
		mu     sync.Mutex
		starts []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := r.URL.Query().Get("startTime")
		mu.Lock()
		starts = append(starts, start)
		mu.Unlock()
		if start == "1624438800000" {
			http.ServeFile(w, r, "testdata/binance_klines_BTCUSDT_1m.json")
			return
		}
		_, _ = w.Write([]byte("[]"))
	}))
	t.Cleanup(srv.Close)
	b := &Binance{BaseURL: srv.URL, Client: srv.Client(), limit: 2}
	got, err := b.Bars(context.Background(), "BTCUSDT", bars.M1, time.UnixMilli(1624438800000), time.UnixMilli(1624440000000))
	require.NoError(t, err)
	require.Len(t, got, 2)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"1624438800000", strconv.FormatInt(1624438920000, 10)}, starts)
}

func TestBinanceErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from, to := time.UnixMilli(1624438800000), time.UnixMilli(1624440000000)
	for _, tc := range []struct {
		name   string
		rec    recorded
		is     error
		retry  time.Duration
		substr string
	}{
		{"invalid symbol", recorded{status: 400, file: "binance_error_invalid_symbol.json"}, market.ErrUnknownSymbol, 0, "code -1121: Invalid symbol."},
		{"429", recorded{status: 429, header: http.Header{"Retry-After": {"7"}}}, market.ErrRateLimited, 7 * time.Second, "binance: rate limited (HTTP 429), retry after 7s"},
		{"418 ban", recorded{status: 418, header: http.Header{"Retry-After": {"120"}}}, market.ErrRateLimited, 2 * time.Minute, "HTTP 418"},
		{"500", recorded{status: 500}, nil, 0, "HTTP 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, _ := binanceSetup(t, map[string]recorded{"/api/v3/klines": tc.rec})
			_, err := b.Bars(ctx, "IDONTEXIST", bars.M1, from, to)
			require.ErrorContains(t, err, tc.substr)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			} else {
				require.NotErrorIs(t, err, market.ErrUnknownSymbol)
				require.NotErrorIs(t, err, market.ErrRateLimited)
			}
			if tc.retry > 0 {
				var rl *market.RateLimitError
				require.ErrorAs(t, err, &rl)
				require.Equal(t, tc.retry, rl.RetryAfter)
			}
		})
	}
}

func TestBinanceQuote(t *testing.T) {
	t.Parallel()
	b, api := binanceSetup(t, map[string]recorded{"/api/v3/ticker/24hr": {status: 200, file: "binance_ticker_24hr_LTCBTC.json"}})
	q, err := b.Quote(context.Background(), "ltc-btc")
	require.NoError(t, err)
	require.Equal(t, Quote{Symbol: "LTC-BTC", Price: 0.018761, Time: time.UnixMilli(1521826338547).UTC(), Currency: "BTC"}, q)
	require.Equal(t, "LTCBTC", api.lastQuery().Get("symbol"))
	require.Equal(t, "USDT", binanceQuoteAsset("BTCUSDT"))
	require.Equal(t, "FDUSD", binanceQuoteAsset("BTCFDUSD"))
	require.Empty(t, binanceQuoteAsset("XYZ"))
}
