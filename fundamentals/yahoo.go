package fundamentals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/retryafter"
)

// Yahoo's addresses and limits.
const (
	// DefaultYahooURL is Yahoo Finance's API host.
	DefaultYahooURL = "https://query1.finance.yahoo.com"
	// DefaultYahooCookieURL answers with the session cookie (A3) the crumb
	// and every API call need; its status is 404, which does not matter.
	DefaultYahooCookieURL = "https://fc.yahoo.com"
	// YahooBatchSize is the most symbols one v7 quote request asks for;
	// Fundamentals splits longer lists.
	YahooBatchSize = 50
	// DefaultYahooRequestsPerSecond is the pace NewProvider gives the yahoo
	// provider's HTTP requests (bursts of up to 4).
	DefaultYahooRequestsPerSecond = 2
)

const (
	yahooBurst = 4
	// defaultYahooUserAgent is sent when Yahoo.UserAgent is empty: Yahoo
	// answers Go's default agent with 429.
	defaultYahooUserAgent = "Mozilla/5.0 (compatible; vigil)"
	// yahooQuoteFields are the v7 quote fields read; asking for them only
	// keeps a 50-symbol answer small.
	yahooQuoteFields = "symbol,quoteType,longName,shortName,currency,marketCap,trailingPE,averageDailyVolume3Month,regularMarketTime"
	// maxBody bounds a response (a 50-symbol quote is ~10 KB with fields,
	// ~200 KB without).
	maxBody = 8 << 20
	// maxCrumbLen bounds a crumb; real ones are 11 characters.
	maxCrumbLen = 64
)

// Yahoo reads Yahoo Finance's unofficial quote API. No key is needed, but
// since 2023 every call needs a session: a cookie (GET CookieURL, which sets
// A3) and a crumb (GET /v1/test/getcrumb with that cookie, answered as plain
// text), passed as the crumb query parameter. The session is fetched on first
// use and kept; a 401 (Yahoo's "Invalid Crumb" or "Invalid Cookie") drops it
// and the request is retried once with a new one.
//
// Figures come from GET /v7/finance/quote?symbols=A,B,… (up to YahooBatchSize
// symbols per request): marketCap, trailingPE (absent when earnings are
// negative, so NaN), averageDailyVolume3Month, longName (else shortName),
// currency, and regularMarketTime as AsOf (else Now). Sector is not in the
// quote: with WithSector each known symbol costs one more request,
// GET /v10/finance/quoteSummary/{symbol}?modules=assetProfile, whose sector is
// Yahoo's own classification ("Technology", "Financial Services"), not GICS.
//
// A dotted US share class becomes Yahoo's dash (BRK.B → BRK-B) and the result
// is keyed by the symbol as given. Unknown symbols are absent: Yahoo leaves
// them out of the quote result or answers quoteType "NONE"; a 404 leaves the
// whole batch absent, and a 404 from quoteSummary (no profile, as for ETFs)
// leaves the sector empty.
//
// Errors: 429 → market.RateLimitError (with Retry-After); a second 401, other
// statuses and bodies that do not decode → an error naming the status and
// Yahoo's description.
//
// The session's cookies live in a jar of Yahoo's own, whatever Client.Jar
// is. A Yahoo is safe for concurrent use; do not copy one after first use.
type Yahoo struct {
	BaseURL    string        // default DefaultYahooURL
	CookieURL  string        // default DefaultYahooCookieURL
	Client     *http.Client  // default: a client with DefaultHTTPTimeout
	UserAgent  string        // default "Mozilla/5.0 (compatible; vigil)"
	WithSector bool          // also fetch each symbol's sector (one request per symbol)
	Limiter    *rate.Limiter // paces every HTTP request; nil: no pacing
	Now        func() time.Time

	mu      sync.Mutex // guards session; held while a session is fetched
	session *yahooSession
}

// yahooSession is a cookie jar and the crumb that goes with it.
type yahooSession struct {
	client *http.Client // Yahoo.Client with the session's jar
	crumb  string
}

// Name is "yahoo".
func (y *Yahoo) Name() string { return "yahoo" }

// Fundamentals returns the figures of the symbols Yahoo knows.
func (y *Yahoo) Fundamentals(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error) {
	given := map[string][]string{} // Yahoo symbol -> symbols as given
	normal := map[string]string{}  // symbol as given -> normalised
	var order []string
	for _, g := range symbols {
		sym, ok := normalizeSymbol(g)
		if !ok {
			continue
		}
		ys := market.YahooSymbol(sym)
		if _, seen := given[ys]; !seen {
			order = append(order, ys)
		}
		given[ys] = append(given[ys], g)
		normal[g] = sym
	}
	found := make(map[string]market.Fundamentals, len(order)) // by Yahoo symbol
	var known []string
	for chunk := range slices.Chunk(order, YahooBatchSize) {
		got, err := y.quote(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for _, ys := range chunk {
			if f, ok := got[ys]; ok {
				found[ys] = f
				known = append(known, ys)
			}
		}
	}
	if y.WithSector {
		for _, ys := range known {
			sector, err := y.sector(ctx, ys)
			if err != nil {
				return nil, err
			}
			f := found[ys]
			f.Sector = sector
			found[ys] = f
		}
	}
	out := make(map[string]market.Fundamentals, len(found))
	for ys, f := range found {
		for _, g := range given[ys] {
			f.Symbol = normal[g]
			out[g] = f
		}
	}
	return out, nil
}

// quote fetches one batch, keyed by Yahoo symbol.
func (y *Yahoo) quote(ctx context.Context, chunk []string) (map[string]market.Fundamentals, error) {
	where := fmt.Sprintf("yahoo quote %s", describeSymbols(chunk))
	r, err := y.apiGet(ctx, "/v7/finance/quote", url.Values{"symbols": {strings.Join(chunk, ",")}, "fields": {yahooQuoteFields}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	switch {
	case r.Status == http.StatusTooManyRequests:
		return nil, rateLimitError(r)
	case r.Status == http.StatusNotFound:
		return map[string]market.Fundamentals{}, nil
	case r.Status != http.StatusOK:
		return nil, fmt.Errorf("%s: %s", where, describeResponse(r))
	}
	var body struct {
		QuoteResponse *struct {
			Result []yahooQuote `json:"result"`
			Error  *yahooError  `json:"error"`
		} `json:"quoteResponse"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return nil, fmt.Errorf("%s: decode: %w (body %s)", where, err, snippet(r.Body))
	}
	switch qr := body.QuoteResponse; {
	case qr == nil:
		return nil, fmt.Errorf("%s: no quoteResponse in %s", where, snippet(r.Body))
	case qr.Error != nil:
		return nil, fmt.Errorf("%s: %s", where, qr.Error)
	}
	asked := make(map[string]bool, len(chunk))
	for _, ys := range chunk {
		asked[ys] = true
	}
	now := y.now().UTC()
	out := make(map[string]market.Fundamentals, len(chunk))
	for _, q := range body.QuoteResponse.Result {
		ys := strings.ToUpper(q.Symbol)
		if !asked[ys] || strings.EqualFold(q.QuoteType, "NONE") {
			continue
		}
		f := market.Fundamentals{
			Name:      q.LongName,
			MarketCap: q.MarketCap.value(),
			PERatio:   positiveOrNaN(q.TrailingPE.value()),
			AvgVolume: q.AverageDailyVolume3Month.value(),
			Currency:  q.Currency,
			AsOf:      now,
		}
		if f.Name == "" {
			f.Name = q.ShortName
		}
		if t := q.RegularMarketTime.value(); t > 0 {
			f.AsOf = time.Unix(int64(t), 0).UTC()
		}
		out[ys] = f
	}
	return out, nil
}

// sector fetches a symbol's assetProfile sector; "" when Yahoo has none.
func (y *Yahoo) sector(ctx context.Context, ys string) (string, error) {
	where := "yahoo quoteSummary " + ys
	r, err := y.apiGet(ctx, "/v10/finance/quoteSummary/"+url.PathEscape(ys), url.Values{"modules": {"assetProfile"}})
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	switch {
	case r.Status == http.StatusTooManyRequests:
		return "", rateLimitError(r)
	case r.Status == http.StatusNotFound:
		return "", nil
	case r.Status != http.StatusOK:
		return "", fmt.Errorf("%s: %s", where, describeResponse(r))
	}
	var body struct {
		QuoteSummary *struct {
			Result []struct {
				AssetProfile *struct {
					Sector string `json:"sector"`
				} `json:"assetProfile"`
			} `json:"result"`
			Error *yahooError `json:"error"`
		} `json:"quoteSummary"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return "", fmt.Errorf("%s: decode: %w (body %s)", where, err, snippet(r.Body))
	}
	switch qs := body.QuoteSummary; {
	case qs == nil:
		return "", fmt.Errorf("%s: no quoteSummary in %s", where, snippet(r.Body))
	case qs.Error != nil && qs.Error.Code == "Not Found":
		return "", nil
	case qs.Error != nil:
		return "", fmt.Errorf("%s: %s", where, qs.Error)
	case len(qs.Result) == 0 || qs.Result[0].AssetProfile == nil:
		return "", nil
	}
	return body.QuoteSummary.Result[0].AssetProfile.Sector, nil
}

// apiGet performs GET BaseURL+path?query&crumb=… in the current session,
// fetching a new session and retrying once on 401. It returns the response
// whatever its status.
func (y *Yahoo) apiGet(ctx context.Context, path string, query url.Values) (*response, error) {
	base := y.BaseURL
	if base == "" {
		base = DefaultYahooURL
	}
	for retried := false; ; retried = true {
		s, err := y.currentSession(ctx)
		if err != nil {
			return nil, err
		}
		query.Set("crumb", s.crumb)
		r, err := y.send(ctx, s.client, strings.TrimRight(base, "/")+path, query)
		if err != nil {
			return nil, err
		}
		if r.Status != http.StatusUnauthorized {
			return r, nil
		}
		y.dropSession(s)
		if retried {
			return nil, fmt.Errorf("%s (again with a new crumb)", describeResponse(r))
		}
	}
}

// currentSession returns the session, fetching one when there is none.
func (y *Yahoo) currentSession(ctx context.Context) (*yahooSession, error) {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.session != nil {
		return y.session, nil
	}
	s, err := y.newSession(ctx)
	if err != nil {
		return nil, err
	}
	y.session = s
	return s, nil
}

// dropSession forgets s unless another request already replaced it.
func (y *Yahoo) dropSession(s *yahooSession) {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.session == s {
		y.session = nil
	}
}

// newSession gets a cookie and its crumb.
func (y *Yahoo) newSession(ctx context.Context) (*yahooSession, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("yahoo session: %w", err)
	}
	client := http.Client{Timeout: DefaultHTTPTimeout}
	if y.Client != nil {
		client = *y.Client
	}
	client.Jar = jar
	cookieURL := y.CookieURL
	if cookieURL == "" {
		cookieURL = DefaultYahooCookieURL
	}
	r, err := y.send(ctx, &client, cookieURL, nil)
	if err != nil {
		return nil, fmt.Errorf("yahoo session cookie: %w", err)
	}
	if r.Status == http.StatusTooManyRequests {
		return nil, rateLimitError(r)
	}
	// fc.yahoo.com answers 404 (or another error page) and sets the cookie
	// anyway; without it getcrumb fails below.
	base := y.BaseURL
	if base == "" {
		base = DefaultYahooURL
	}
	r, err = y.send(ctx, &client, strings.TrimRight(base, "/")+"/v1/test/getcrumb", nil)
	if err != nil {
		return nil, fmt.Errorf("yahoo crumb: %w", err)
	}
	switch {
	case r.Status == http.StatusTooManyRequests:
		return nil, rateLimitError(r)
	case r.Status != http.StatusOK:
		return nil, fmt.Errorf("yahoo crumb: %s", describeResponse(r))
	}
	crumb := strings.TrimSpace(string(r.Body))
	if crumb == "" || len(crumb) > maxCrumbLen || strings.ContainsAny(crumb, " \t\r\n<>{}\"") {
		return nil, fmt.Errorf("yahoo crumb: not a crumb: %q", snippet(r.Body))
	}
	return &yahooSession{client: &client, crumb: crumb}, nil
}

// response is an answer read in full.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// send performs GET rawURL?query after waiting for the Limiter. Errors name
// the host and path only: the query holds the session's crumb.
func (y *Yahoo) send(ctx context.Context, client *http.Client, rawURL string, query url.Values) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", rawURL, err)
	}
	if query != nil {
		u.RawQuery = query.Encode()
	}
	where := u.Host + u.Path
	if y.Limiter != nil {
		if err := y.Limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("GET %s: wait for the rate limiter: %w", where, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", where, err)
	}
	ua := y.UserAgent
	if ua == "" {
		ua = defaultYahooUserAgent
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/json, text/plain, */*")
	resp, err := client.Do(req)
	if err != nil {
		// Do's *url.Error repeats the full URL; keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("GET %s: %w", where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", where, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("GET %s: body larger than %d bytes", where, maxBody)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func (y *Yahoo) now() time.Time {
	if y.Now != nil {
		return y.Now()
	}
	return time.Now()
}

// yahooQuote is the part of a v7 quote result read.
type yahooQuote struct {
	Symbol                   string      `json:"symbol"`
	QuoteType                string      `json:"quoteType"`
	LongName                 string      `json:"longName"`
	ShortName                string      `json:"shortName"`
	Currency                 string      `json:"currency"`
	MarketCap                yahooNumber `json:"marketCap"`
	TrailingPE               yahooNumber `json:"trailingPE"`
	AverageDailyVolume3Month yahooNumber `json:"averageDailyVolume3Month"`
	RegularMarketTime        yahooNumber `json:"regularMarketTime"`
}

// yahooError is the error object of every Yahoo API answer.
type yahooError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

func (e *yahooError) String() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// yahooNumber is a number as Yahoo writes it: plain, null, a string (the
// odd "NaN" or "Infinity"), or with formatted=true {"raw": 1.5, "fmt": "1.50"}.
// Anything but a finite number reads as NaN.
type yahooNumber struct {
	v  float64
	ok bool
}

// UnmarshalJSON reads any of the forms; it fails only on other JSON types.
func (n *yahooNumber) UnmarshalJSON(b []byte) error {
	*n = yahooNumber{}
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '{':
		var o struct {
			Raw *yahooNumber `json:"raw"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		if o.Raw != nil {
			*n = *o.Raw
		}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if x, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			n.v, n.ok = x, true
		}
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	n.v, n.ok = x, true
	return nil
}

func (n yahooNumber) value() float64 {
	if !n.ok || math.IsInf(n.v, 0) {
		return math.NaN()
	}
	return n.v
}

// rateLimitError builds the market.RateLimitError of a 429.
func rateLimitError(r *response) error {
	return &market.RateLimitError{Provider: "yahoo", Status: r.Status, RetryAfter: retryAfter(r.Header.Get("Retry-After"))}
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date;
// anything else is 0.
func retryAfter(v string) time.Duration {
	d, _ := retryafter.Parse(v, time.Now())
	return d.Round(time.Second)
}

// describeResponse is "HTTP 503: <Yahoo's error or the body's start>".
func describeResponse(r *response) string {
	var m map[string]struct {
		Error *yahooError `json:"error"`
	}
	if json.Unmarshal(r.Body, &m) == nil {
		for _, v := range m {
			if v.Error != nil {
				return fmt.Sprintf("HTTP %d: %s", r.Status, v.Error)
			}
		}
	}
	return fmt.Sprintf("HTTP %d: %s", r.Status, snippet(r.Body))
}

// describeSymbols names a batch in errors without listing fifty symbols.
func describeSymbols(syms []string) string {
	const show = 3
	if len(syms) <= show {
		return strings.Join(syms, ",")
	}
	return fmt.Sprintf("%s,… (%d symbols)", strings.Join(syms[:show], ","), len(syms))
}
