package marketdata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// recorded is a canned answer: a file under testdata and its status.
type recorded struct {
	status int
	file   string
	header http.Header
}

// fakeAPI serves recorded bodies by URL path and remembers the requests.
type fakeAPI struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]recorded
	reqs   []*http.Request
}

func newFakeAPI(t *testing.T, routes map[string]recorded) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Clone(context.Background()))
		rec, ok := f.routes[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			http.Error(w, "no route "+r.URL.Path, http.StatusTeapot)
			return
		}
		for k, vs := range rec.header {
			w.Header()[k] = vs
		}
		var body []byte
		if rec.file != "" {
			var err error
			body, err = os.ReadFile(filepath.Join("testdata", rec.file))
			if err != nil {
				t.Errorf("read %s: %v", rec.file, err)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) lastQuery() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(f.t, f.reqs)
	return f.reqs[len(f.reqs)-1].URL.Query()
}

func (f *fakeAPI) lastRequest() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(f.t, f.reqs)
	return f.reqs[len(f.reqs)-1]
}

func yahooSetup(t *testing.T) (*Yahoo, *fakeAPI) {
	t.Helper()
	api := newFakeAPI(t, map[string]recorded{
		"/v8/finance/chart/AAPL":      {status: 200, file: "yahoo_chart_AAPL_1d.json"},
		"/v8/finance/chart/600497.SS": {status: 200, file: "yahoo_chart_600497.SS_1d.json"},
		"/v8/finance/chart/NVDA":      {status: 200, file: "yahoo_chart_NVDA_60m.json"},
		"/v8/finance/chart/BRK-B":     {status: 200, file: "yahoo_chart_AAPL_1d.json"},
		"/v8/finance/chart/INVALID":   {status: 404, file: "yahoo_chart_not_found.json"},
		"/v8/finance/chart/GONE":      {status: 200, file: "yahoo_chart_not_found.json"},
		"/v8/finance/chart/BUSY":      {status: 429, header: http.Header{"Retry-After": {"30"}}},
		"/v8/finance/chart/BROKEN":    {status: 502},
	})
	return &Yahoo{BaseURL: api.srv.URL, Client: api.srv.Client()}, api
}

func TestYahooDailyAAPL(t *testing.T) {
	t.Parallel()
	y, api := yahooSetup(t)
	ctx := context.Background()
	from, to := day(2020, 1, 1), day(2020, 1, 3)
	got, err := y.Bars(ctx, "AAPL", bars.D1, from, to)
	require.NoError(t, err)
	require.Equal(t, bars.Series{{
		Time: day(2020, 1, 2), Open: 74.05999755859375, High: 75.1500015258789,
		Low: 73.79750061035156, Close: 75.0875015258789, Volume: 135480400,
	}}, got)

	q := api.lastQuery()
	require.Equal(t, "1d", q.Get("interval"))
	require.Equal(t, "1577750400", q.Get("period1"), "a day early: trading dates and UTC differ")
	require.Equal(t, "1578096000", q.Get("period2"))
	require.Equal(t, defaultYahooUserAgent, api.lastRequest().Header.Get("User-Agent"))

	quote, err := y.Quote(ctx, "aapl")
	require.NoError(t, err)
	require.Equal(t, Quote{Symbol: "AAPL", Price: 333.69, Time: time.Unix(1790971201, 0).UTC(), Currency: "USD"}, quote)
	require.Equal(t, "5d", api.lastQuery().Get("range"))
}

func TestYahooNullsAndOpenLastBar(t *testing.T) {
	t.Parallel()
	y, _ := yahooSetup(t)
	got, err := y.Bars(context.Background(), "600497.SS", bars.D1, day(2017, 11, 1), day(2017, 12, 1))
	require.NoError(t, err)
	require.Len(t, got, 8, "nine timestamps, the first with null prices")
	require.Equal(t, bars.Bar{
		Time: day(2017, 11, 16), Open: 6.650000095367432, High: 6.679999828338623,
		Low: 6.489999771118164, Close: 6.510000228881836, Volume: 34039227,
	}, got[0])
	// The still-open bar, stamped by Yahoo with the last trade (15:00:03
	// Shanghai), is dated by its trading day.
	require.Equal(t, bars.Bar{
		Time: day(2017, 11, 27), Open: 6.489999771118164, High: 6.670000076293945,
		Low: 6.449999809265137, Close: 6.510000228881836, Volume: 54005417,
	}, got[7])
	require.Equal(t, day(2017, 11, 24), got[6].Time)
	requireOHLC(t, got)

	// The quote falls back to the newest close when meta has no price.
	q, err := y.Quote(context.Background(), "600497.ss")
	require.NoError(t, err)
	require.Equal(t, Quote{Symbol: "600497.SS", Price: 6.510000228881836, Time: time.Unix(1511766003, 0).UTC(), Currency: "CNY"}, q)
}

func TestYahooIntradayAndFourHours(t *testing.T) {
	t.Parallel()
	y, api := yahooSetup(t)
	ctx := context.Background()
	from, to := time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC), time.Date(2024, 5, 4, 0, 0, 0, 0, time.UTC)

	h1, err := y.Bars(ctx, "NVDA", bars.H1, from, to)
	require.NoError(t, err)
	require.Equal(t, "60m", api.lastQuery().Get("interval"))
	require.Len(t, h1, 7, "the 16:00 closing tick is merged into the 15:30 bar")
	require.Equal(t, bars.Bar{
		Time: time.Date(2024, 5, 3, 13, 30, 0, 0, time.UTC), Open: 877.8900146484375, High: 889.474609375,
		Low: 870.4000854492188, Close: 878.6199951171875, Volume: 13341628,
	}, h1[0])
	require.Equal(t, bars.Bar{
		Time: time.Date(2024, 5, 3, 19, 30, 0, 0, time.UTC), Open: 888.780029296875, High: 889.2999267578125,
		Low: 885.969970703125, Close: 887.8900146484375, Volume: 2798449,
	}, h1[6])

	h4, err := y.Bars(ctx, "NVDA", bars.H4, from, to)
	require.NoError(t, err)
	require.Equal(t, "60m", api.lastQuery().Get("interval"), "4h is aggregated from 60m")
	require.Equal(t, bars.Series{
		{Time: time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC), Open: 877.8900146484375, High: 889.474609375,
			Low: 870.4000854492188, Close: 885.4099731445312, Volume: 13341628 + 5760484 + 4067185},
		{Time: time.Date(2024, 5, 3, 16, 0, 0, 0, time.UTC), Open: 885.5626831054688, High: 892.8099975585938,
			Low: 884.4801025390625, Close: 887.8900146484375, Volume: 4038656 + 3757541 + 4036069 + 2798449},
	}, h4)

	late, err := y.Bars(ctx, "NVDA", bars.H1, time.Date(2024, 5, 3, 17, 0, 0, 0, time.UTC), to)
	require.NoError(t, err)
	require.Len(t, late, 3, "bars before from are dropped")
}

func TestYahooSymbolMapping(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"BRK.B": "BRK-B", "BF.A": "BF-A", "BRK-B": "BRK-B", "AAPL": "AAPL",
		"OCDO.L": "OCDO.L", "SAP.F": "SAP.F", "7203.T": "7203.T", "SHOP.TO": "SHOP.TO", "600497.SS": "600497.SS",
	} {
		require.Equal(t, want, market.YahooSymbol(in), in)
	}
	y, api := yahooSetup(t)
	_, err := y.Bars(context.Background(), "brk.b", bars.D1, day(2020, 1, 1), day(2020, 1, 3))
	require.NoError(t, err)
	require.Equal(t, "/v8/finance/chart/BRK-B", api.lastRequest().URL.Path)
}

func TestYahooErrors(t *testing.T) {
	t.Parallel()
	y, _ := yahooSetup(t)
	ctx := context.Background()
	bars1d := func(sym string) error {
		_, err := y.Bars(ctx, sym, bars.D1, day(2020, 1, 1), day(2020, 1, 3))
		return err
	}

	err := bars1d("INVALID")
	require.ErrorIs(t, err, market.ErrUnknownSymbol)
	require.ErrorContains(t, err, "No data found, symbol may be delisted")
	require.ErrorIs(t, bars1d("GONE"), market.ErrUnknownSymbol, "the error body with status 200 too")
	_, err = y.Quote(ctx, "INVALID")
	require.ErrorIs(t, err, market.ErrUnknownSymbol)

	err = bars1d("BUSY")
	require.ErrorIs(t, err, market.ErrRateLimited)
	var rl *market.RateLimitError
	require.ErrorAs(t, err, &rl)
	require.Equal(t, 30*time.Second, rl.RetryAfter)

	err = bars1d("BROKEN")
	require.ErrorContains(t, err, "HTTP 502")
	require.NotErrorIs(t, err, market.ErrUnknownSymbol)
	require.NotErrorIs(t, err, market.ErrRateLimited)
}

func TestYahooTimeoutAndContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	y := &Yahoo{BaseURL: srv.URL, Client: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := y.Bars(ctx, "AAPL", bars.D1, day(2020, 1, 1), day(2020, 1, 3))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotContains(t, err.Error(), "period1", "errors name the path, not the query")

	y = &Yahoo{BaseURL: srv.URL, Client: &http.Client{Timeout: 20 * time.Millisecond}}
	_, err = y.Bars(context.Background(), "AAPL", bars.D1, day(2020, 1, 1), day(2020, 1, 3))
	require.ErrorContains(t, err, "Client.Timeout")
}
