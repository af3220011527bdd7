package fundamentals

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/vigilhq/vigil/market"
)

// emptyQuote is Yahoo's answer when it knows none of the symbols (the shape
// of the recorded bodies with no result; not itself recorded).
const emptyQuote = `{"quoteResponse":{"result":[],"error":null}}`

// fixture reads a file of testdata.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// yahooServer imitates Yahoo: fc.yahoo.com's cookie, getcrumb, the v7 quote
// and the v10 quoteSummary APIs, checking cookie and crumb like Yahoo does
// and answering with the recorded bodies.
type yahooServer struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	sessions    map[string]string                                // A3 cookie -> its valid crumb ("" once expired)
	crumbs      []string                                         // crumbs to hand out, in order; then crumb-N
	quoteBodies map[string]string                                // symbols parameter -> body; default emptyQuote
	quoteFunc   func(w http.ResponseWriter, symbols string) bool // answers instead when it returns true
	crumbFunc   func(w http.ResponseWriter) bool
	summary     map[string]string // Yahoo symbol -> assetProfile body; others 404

	cookieHits, crumbHits, quoteHits, summaryHits int
	quoteSymbols                                  []string // symbols parameter of each quote request
	lastQuery                                     map[string]string
	userAgents                                    []string
}

func newYahooServer(t *testing.T) *yahooServer {
	t.Helper()
	s := &yahooServer{
		t:           t,
		sessions:    map[string]string{},
		crumbs:      []string{strings.TrimSpace(fixture(t, "yahoo_getcrumb.txt"))},
		quoteBodies: map[string]string{},
		summary:     map[string]string{"AAPL": fixture(t, "yahoo_quoteSummary_assetProfile_AAPL.json")},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// yahoo returns a provider pointed at the server.
func (s *yahooServer) yahoo() *Yahoo {
	return &Yahoo{BaseURL: s.srv.URL, CookieURL: s.srv.URL + "/", Client: s.srv.Client(), UserAgent: "vigil-test/1.0"}
}

// expire invalidates every crumb handed out so far, as Yahoo does now and then.
func (s *yahooServer) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.sessions {
		s.sessions[k] = ""
	}
}

// hits returns the request counters.
func (s *yahooServer) hits() (cookie, crumb, quote, summary int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cookieHits, s.crumbHits, s.quoteHits, s.summaryHits
}

func (s *yahooServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userAgents = append(s.userAgents, r.UserAgent())
	q := map[string]string{}
	for k := range r.URL.Query() {
		q[k] = r.URL.Query().Get(k)
	}
	s.lastQuery = q

	switch {
	case r.URL.Path == "/":
		// fc.yahoo.com: an error page that sets the session cookie.
		s.cookieHits++
		id := fmt.Sprintf("d=session%d&S=x", s.cookieHits)
		s.sessions[id] = ""
		http.SetCookie(w, &http.Cookie{Name: "A3", Value: id, Path: "/", MaxAge: 31557600, HttpOnly: true})
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><body>404 Not Found</body></html>")
		return
	case r.URL.Path == "/v1/test/getcrumb":
		s.crumbHits++
		if s.crumbFunc != nil && s.crumbFunc(w) {
			return
		}
		c, err := r.Cookie("A3")
		if _, ok := s.sessions[cookieValue(c, err)]; !ok {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "no session")
			return
		}
		crumb := fmt.Sprintf("crumb-%d", s.crumbHits)
		if len(s.crumbs) > 0 {
			crumb, s.crumbs = s.crumbs[0], s.crumbs[1:]
		}
		s.sessions[c.Value] = crumb
		w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		fmt.Fprint(w, crumb)
		return
	}

	// The APIs: cookie and crumb must match.
	c, err := r.Cookie("A3")
	valid, ok := s.sessions[cookieValue(c, err)]
	isQuote := r.URL.Path == "/v7/finance/quote"
	if isQuote {
		s.quoteHits++
		s.quoteSymbols = append(s.quoteSymbols, q["symbols"])
	} else {
		s.summaryHits++
	}
	if !ok || valid == "" || q["crumb"] != valid {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, fixture(s.t, "yahoo_error_invalid_crumb.json"))
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	switch {
	case isQuote:
		if s.quoteFunc != nil && s.quoteFunc(w, q["symbols"]) {
			return
		}
		body, ok := s.quoteBodies[q["symbols"]]
		if !ok {
			body = emptyQuote
		}
		fmt.Fprint(w, body)
	case strings.HasPrefix(r.URL.Path, "/v10/finance/quoteSummary/"):
		body, ok := s.summary[strings.TrimPrefix(r.URL.Path, "/v10/finance/quoteSummary/")]
		if !ok || q["modules"] != "assetProfile" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, fixture(s.t, "yahoo_quoteSummary_not_found.json"))
			return
		}
		fmt.Fprint(w, body)
	default:
		http.NotFound(w, r)
	}
}

func cookieValue(c *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return c.Value
}

func TestYahooQuote(t *testing.T) {
	t.Parallel()

	t.Run("RecordedBatch", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.quoteBodies["AAPL,BABA,ZZZZ"] = fixture(t, "yahoo_quote_AAPL_BABA.json")
		s.quoteBodies["AAPL"] = fixture(t, "yahoo_quote_AAPL.json")
		y := s.yahoo()
		require.Equal(t, "yahoo", y.Name())

		got, err := y.Fundamentals(context.Background(), []string{"AAPL", "baba", "ZZZZ", "not a symbol"})
		require.NoError(t, err)
		requireSameFigures(t, map[string]market.Fundamentals{
			"AAPL": {Symbol: "AAPL", Name: "Apple Inc.", MarketCap: 3674405863424, PERatio: 38.763866, AvgVolume: 50443058,
				Currency: "USD", AsOf: time.Unix(1739566800, 0)},
			"baba": {Symbol: "BABA", Name: "Alibaba Group Holding Limited", MarketCap: 302870626304, PERatio: 25.931395,
				AvgVolume: 19643825, Currency: "USD", AsOf: time.Unix(1739566802, 0)},
		}, got)
		require.Equal(t, time.UTC, got["AAPL"].AsOf.Location())

		// The session: one cookie, one crumb, sent with the quote.
		cookie, crumb, quote, _ := s.hits()
		require.Equal(t, []int{1, 1, 1}, []int{cookie, crumb, quote})
		require.Equal(t, "haT3oykhHqZ", s.lastQuery["crumb"])
		require.Equal(t, yahooQuoteFields, s.lastQuery["fields"])
		require.Equal(t, []string{"vigil-test/1.0"}, unique(s.userAgents))

		// The session is reused.
		got, err = y.Fundamentals(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, 4869931925504.0, got["AAPL"].MarketCap)
		require.Equal(t, 37.876274, got["AAPL"].PERatio)
		require.Equal(t, 46212088.0, got["AAPL"].AvgVolume)
		require.Equal(t, time.Unix(1790971201, 0).UTC(), got["AAPL"].AsOf)
		cookie, crumb, quote, _ = s.hits()
		require.Equal(t, []int{1, 1, 2}, []int{cookie, crumb, quote})
	})

	t.Run("NegativeEarnings", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.quoteBodies["BFLY"] = fixture(t, "yahoo_quote_BFLY.json")

		got, err := s.yahoo().Fundamentals(context.Background(), []string{"BFLY"})
		require.NoError(t, err)
		f := got["BFLY"]
		require.True(t, math.IsNaN(f.PERatio), "no trailingPE: %v", f.PERatio)
		require.Equal(t, 2383252224.0, f.MarketCap)
		require.Equal(t, 6370407.0, f.AvgVolume)
		require.Equal(t, "Butterfly Network, Inc.", f.Name)
	})

	t.Run("QuoteTypeNone", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.quoteBodies["BRKS"] = fixture(t, "yahoo_quote_BRKS.json")

		got, err := s.yahoo().Fundamentals(context.Background(), []string{"BRKS"})
		require.NoError(t, err)
		require.Empty(t, got, "a delisted symbol is unknown")
	})

	t.Run("ForeignListing", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.quoteBodies["AZT.OL"] = fixture(t, "yahoo_quote_AZT.OL.json")

		got, err := s.yahoo().Fundamentals(context.Background(), []string{"azt.ol"})
		require.NoError(t, err)
		f := got["azt.ol"]
		require.Equal(t, "AZT.OL", f.Symbol)
		require.Equal(t, "ArcticZymes Technologies ASA", f.Name, "longName wins over shortName")
		require.Equal(t, "NOK", f.Currency)
		require.Equal(t, 1016320704.0, f.MarketCap)
		require.Equal(t, 66.33333, f.PERatio)
		require.Equal(t, 31947.0, f.AvgVolume)
	})

	t.Run("ShareClass", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.quoteBodies["BRK-B,BF-B"] = `{"quoteResponse":{"result":[{"quoteType":"EQUITY","symbol":"BRK-B","marketCap":1.0E12,"currency":"USD","shortName":"Berkshire Hathaway Inc. New"}],"error":null}}`

		got, err := s.yahoo().Fundamentals(context.Background(), []string{"BRK.B", "BF-B", "brk.b"})
		require.NoError(t, err)
		require.Equal(t, []string{"BRK-B,BF-B"}, s.quoteSymbols, "dotted classes asked with a dash, each once")
		require.Len(t, got, 2, "keyed by each spelling given")
		require.Equal(t, "BRK.B", got["BRK.B"].Symbol)
		require.Equal(t, "BRK.B", got["brk.b"].Symbol)
		require.Equal(t, 1e12, got["brk.b"].MarketCap)
		require.Equal(t, "Berkshire Hathaway Inc. New", got["BRK.B"].Name, "shortName when there is no longName")
	})

	t.Run("Batches", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		syms := make([]string, 120)
		for i := range syms {
			syms[i] = fmt.Sprintf("S%03d", i)
		}
		got, err := s.yahoo().Fundamentals(context.Background(), syms)
		require.NoError(t, err)
		require.Empty(t, got)
		var sizes []int
		for _, q := range s.quoteSymbols {
			sizes = append(sizes, len(strings.Split(q, ",")))
		}
		require.Equal(t, []int{50, 50, 20}, sizes)
		cookie, crumb, _, _ := s.hits()
		require.Equal(t, []int{1, 1}, []int{cookie, crumb}, "one session for all batches")
	})

	t.Run("NoSymbols", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		got, err := s.yahoo().Fundamentals(context.Background(), []string{"", "a b"})
		require.NoError(t, err)
		require.Empty(t, got)
		cookie, _, _, _ := s.hits()
		require.Zero(t, cookie, "nothing to ask: no request")
	})
}

func TestYahooSector(t *testing.T) {
	t.Parallel()
	s := newYahooServer(t)
	s.quoteBodies["AAPL,BABA,ZZZZ"] = fixture(t, "yahoo_quote_AAPL_BABA.json")
	y := s.yahoo()
	y.WithSector = true

	got, err := y.Fundamentals(context.Background(), []string{"AAPL", "BABA", "ZZZZ"})
	require.NoError(t, err)
	require.Equal(t, "Technology", got["AAPL"].Sector, "Yahoo's sector, from assetProfile")
	require.Empty(t, got["BABA"].Sector, "quoteSummary 404: no sector, figures kept")
	require.Equal(t, 302870626304.0, got["BABA"].MarketCap)
	require.NotContains(t, got, "ZZZZ")
	_, _, _, summary := s.hits()
	require.Equal(t, 2, summary, "one quoteSummary per known symbol")
	require.Equal(t, "assetProfile", s.lastQuery["modules"])
	require.Equal(t, "haT3oykhHqZ", s.lastQuery["crumb"])
}

func TestYahooCrumb(t *testing.T) {
	t.Parallel()

	t.Run("InvalidCrumbRefreshesOnce", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.quoteBodies["AAPL"] = fixture(t, "yahoo_quote_AAPL.json")
		y := s.yahoo()

		_, err := y.Fundamentals(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		s.expire()

		got, err := y.Fundamentals(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		require.Equal(t, "Apple Inc.", got["AAPL"].Name)
		cookie, crumb, quote, _ := s.hits()
		require.Equal(t, []int{2, 2, 3}, []int{cookie, crumb, quote}, "401, a new session, the retry")
		require.Equal(t, "crumb-2", s.lastQuery["crumb"])
	})

	t.Run("InvalidCrumbTwice", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.crumbFunc = func(w http.ResponseWriter) bool {
			// Hand out crumbs the quote API does not take.
			fmt.Fprint(w, "notvalid")
			return true
		}

		_, err := s.yahoo().Fundamentals(context.Background(), []string{"AAPL"})
		require.EqualError(t, err, "yahoo quote AAPL: HTTP 401: Unauthorized: Invalid Crumb (again with a new crumb)")
		cookie, crumb, quote, _ := s.hits()
		require.Equal(t, []int{2, 2, 2}, []int{cookie, crumb, quote}, "a new session once, not in a loop")
	})

	t.Run("NotACrumb", func(t *testing.T) {
		t.Parallel()
		for name, body := range map[string]string{
			"HTML":  "<html><body>consent</body></html>",
			"Empty": "",
			"JSON":  `{"finance":{"result":null}}`,
		} {
			s := newYahooServer(t)
			s.crumbFunc = func(w http.ResponseWriter) bool { fmt.Fprint(w, body); return true }
			_, err := s.yahoo().Fundamentals(context.Background(), []string{"AAPL"})
			require.ErrorContains(t, err, "yahoo crumb: not a crumb", name)
			_, _, quote, _ := s.hits()
			require.Zero(t, quote, name)
		}
	})

	t.Run("CrumbRateLimited", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.crumbFunc = func(w http.ResponseWriter) bool {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, "Too Many Requests")
			return true
		}
		_, err := s.yahoo().Fundamentals(context.Background(), []string{"AAPL"})
		var rl *market.RateLimitError
		require.ErrorAs(t, err, &rl)
		require.Equal(t, 2*time.Minute, rl.RetryAfter)
	})

	t.Run("CrumbServerError", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.crumbFunc = func(w http.ResponseWriter) bool {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "oops")
			return true
		}
		_, err := s.yahoo().Fundamentals(context.Background(), []string{"AAPL"})
		require.EqualError(t, err, "yahoo quote AAPL: yahoo crumb: HTTP 500: oops")
	})
}

func TestYahooErrors(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name   string
		status int
		header map[string]string
		body   string
		check  func(t *testing.T, got map[string]market.Fundamentals, err error)
	}{
		{"RateLimited", http.StatusTooManyRequests, map[string]string{"Retry-After": "30"}, "Too Many Requests",
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				var rl *market.RateLimitError
				require.ErrorAs(t, err, &rl)
				require.ErrorIs(t, err, market.ErrRateLimited)
				require.Equal(t, &market.RateLimitError{Provider: "yahoo", Status: 429, RetryAfter: 30 * time.Second}, rl)
				require.EqualError(t, err, "yahoo: rate limited (HTTP 429), retry after 30s")
			}},
		{"RateLimitedNoRetryAfter", http.StatusTooManyRequests, nil, "",
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				require.EqualError(t, err, "yahoo: rate limited (HTTP 429)")
			}},
		{"ServiceUnavailable", http.StatusServiceUnavailable, nil, "<html><body>Will be right back...</body></html>",
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				require.EqualError(t, err, "yahoo quote AAPL,MSFT: HTTP 503: <html><body>Will be right back...</body></html>")
			}},
		{"ServerErrorJSON", http.StatusInternalServerError, nil, `{"finance":{"result":null,"error":{"code":"internal-error","description":"Something went wrong"}}}`,
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				require.EqualError(t, err, "yahoo quote AAPL,MSFT: HTTP 500: internal-error: Something went wrong")
			}},
		{"Malformed", http.StatusOK, nil, `{"quoteResponse":{"result":[{"symbol":"AAPL",`,
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				require.ErrorContains(t, err, "yahoo quote AAPL,MSFT: decode: unexpected end of JSON input")
			}},
		{"WrongType", http.StatusOK, nil, `{"quoteResponse":{"result":[{"symbol":"AAPL","marketCap":true}],"error":null}}`,
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				require.ErrorContains(t, err, "yahoo quote AAPL,MSFT: decode:")
			}},
		{"NoQuoteResponse", http.StatusOK, nil, `{}`,
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				require.EqualError(t, err, "yahoo quote AAPL,MSFT: no quoteResponse in {}")
			}},
		{"ErrorInBody", http.StatusOK, nil, `{"quoteResponse":{"result":null,"error":{"code":"Bad Request","description":"Missing value for the \"symbols\" argument"}}}`,
			func(t *testing.T, _ map[string]market.Fundamentals, err error) {
				require.EqualError(t, err, `yahoo quote AAPL,MSFT: Bad Request: Missing value for the "symbols" argument`)
			}},
		{"NotFound", http.StatusNotFound, nil, `{"finance":{"result":null,"error":{"code":"Not Found","description":"HTTP 404 Not Found"}}}`,
			func(t *testing.T, got map[string]market.Fundamentals, err error) {
				require.NoError(t, err)
				require.Empty(t, got, "404: every symbol unknown")
			}},
		{"Partial", http.StatusOK, nil, "", // the recorded AAPL body for AAPL,MSFT
			func(t *testing.T, got map[string]market.Fundamentals, err error) {
				require.NoError(t, err)
				require.Len(t, got, 1)
				require.Equal(t, "Apple Inc.", got["AAPL"].Name)
			}},
		{"Odd numbers", http.StatusOK, nil, `{"quoteResponse":{"result":[{"quoteType":"EQUITY","symbol":"AAPL","marketCap":{"raw":3.5E12,"fmt":"3.5T"},"trailingPE":"Infinity","averageDailyVolume3Month":null},{"quoteType":"EQUITY","symbol":"msft","trailingPE":"31.5"}],"error":null}}`,
			func(t *testing.T, got map[string]market.Fundamentals, err error) {
				require.NoError(t, err)
				require.Equal(t, 3.5e12, got["AAPL"].MarketCap)
				require.True(t, math.IsNaN(got["AAPL"].PERatio))
				require.True(t, math.IsNaN(got["AAPL"].AvgVolume))
				require.Equal(t, 31.5, got["MSFT"].PERatio, "Yahoo's symbol matched case-insensitively")
				require.True(t, math.IsNaN(got["MSFT"].MarketCap))
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newYahooServer(t)
			body := tt.body
			if tt.name == "Partial" {
				body = fixture(t, "yahoo_quote_AAPL.json")
			}
			s.quoteFunc = func(w http.ResponseWriter, _ string) bool {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, body)
				return true
			}
			got, err := s.yahoo().Fundamentals(context.Background(), []string{"AAPL", "MSFT"})
			if err != nil {
				require.Nil(t, got)
				require.NotContains(t, err.Error(), "crumb=", "errors never show the query")
			}
			tt.check(t, got, err)
		})
	}

	t.Run("SectorRateLimited", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		s.quoteBodies["AAPL"] = fixture(t, "yahoo_quote_AAPL.json")
		s.summary = nil
		y := s.yahoo()
		y.WithSector = true
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v10/") {
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			s.srv.Config.Handler.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		y.BaseURL, y.CookieURL = srv.URL, srv.URL+"/"
		_, err := y.Fundamentals(context.Background(), []string{"AAPL"})
		require.ErrorIs(t, err, market.ErrRateLimited)
	})

	t.Run("Unreachable", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		addr := srv.URL
		srv.Close()
		y := &Yahoo{BaseURL: addr, CookieURL: addr + "/", Client: &http.Client{Timeout: 5 * time.Second}}
		_, err := y.Fundamentals(context.Background(), []string{"AAPL"})
		require.ErrorContains(t, err, "yahoo quote AAPL: yahoo session cookie: GET "+strings.TrimPrefix(addr, "http://")+"/: ")
	})

	t.Run("Canceled", func(t *testing.T) {
		t.Parallel()
		s := newYahooServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.yahoo().Fundamentals(ctx, []string{"AAPL"})
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestYahooLimiter(t *testing.T) {
	t.Parallel()
	s := newYahooServer(t)
	s.quoteBodies["AAPL"] = fixture(t, "yahoo_quote_AAPL.json")
	y := s.yahoo()
	// Three tokens and then one an hour: the call's three requests (cookie,
	// crumb, quote) must take all three.
	y.Limiter = rate.NewLimiter(rate.Every(time.Hour), 3)

	_, err := y.Fundamentals(context.Background(), []string{"AAPL"})
	require.NoError(t, err)
	require.Less(t, y.Limiter.Tokens(), 0.01)

	// A fourth request waits for the limiter, which gives up at once when
	// the context ends before a token comes.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = y.Fundamentals(ctx, []string{"AAPL"})
	require.ErrorContains(t, err, "wait for the rate limiter")
	_, _, quote, _ := s.hits()
	require.Equal(t, 1, quote)
}

func TestYahooNumber(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]float64{
		`1.5`: 1.5, `-3`: -3, `null`: math.NaN(), `"2.25"`: 2.25, `"NaN"`: math.NaN(), `"Infinity"`: math.NaN(),
		`"n/a"`: math.NaN(), `{"raw": 7, "fmt": "7.00"}`: 7, `{"raw": null, "fmt": null}`: math.NaN(), `{}`: math.NaN(),
	} {
		var n yahooNumber
		require.NoError(t, json.Unmarshal([]byte(in), &n), in)
		if math.IsNaN(want) {
			require.True(t, math.IsNaN(n.value()), "%s: %v", in, n.value())
		} else {
			require.Equal(t, want, n.value(), in)
		}
	}
	var n yahooNumber
	require.Error(t, json.Unmarshal([]byte(`true`), &n))
	require.True(t, math.IsNaN(yahooNumber{}.value()), "absent is unknown")
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()

	require.Equal(t, 30*time.Second, retryAfter("30"))
	require.Equal(t, 30*time.Second, retryAfter(" 30 "))
	require.Zero(t, retryAfter(""))
	require.Zero(t, retryAfter("-5"))
	require.Zero(t, retryAfter("soon"))
	require.Zero(t, retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), "a date in the past")
}

// unique returns ss without repeats, in first-seen order.
func unique(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
