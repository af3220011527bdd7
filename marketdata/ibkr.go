package marketdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// DefaultIBKRGatewayURL is where the Client Portal Gateway listens when run
// locally with its shipped configuration.
const DefaultIBKRGatewayURL = "https://localhost:5000/v1/api"

// The gateway's documented pacing: 10 requests per second in all, and at
// most 5 concurrent market-data history requests.
const (
	ibkrRequestsPerSecond = 10
	ibkrMaxHistory        = 5
)

// ErrIBKRNotAuthenticated means the Client Portal Gateway has no
// authenticated brokerage session (HTTP 401, or 400 "no bridge"): someone
// must log in through the gateway's web page.
var ErrIBKRNotAuthenticated = errors.New("ibkr gateway not authenticated")

// IBKR reads bars from the Interactive Brokers Client Portal Web API
// through a running Client Portal Gateway: GET /iserver/secdef/search finds
// the stock's conid (the first result with an STK section; cached per
// symbol), then GET /iserver/marketdata/history returns its bars.
//
// Bars: Vigil's timeframes map to the gateway's bar sizes (1m → 1min, 1h →
// 1h, 1d → 1d, 1w → 1w …); the period asked for is the smallest in the
// gateway's units (min, h, d, w, y) that reaches back from now to the start
// of the range, and the answer is cut to [from, to). Each data point is
// {"o","c","h","l","v","t"} with t in epoch milliseconds; the prices are
// plain prices (the gateway's priceFactor scales only the summary "high" and
// "low" strings, which are not used), so nothing is divided. Regular trading
// hours only (outsideRth=false).
//
// Pacing: every request waits on a limiter of 10/s (the gateway's global
// limit) and history requests hold one of 5 slots (its concurrency limit).
//
// Errors: HTTP 401 or {"error":"no bridge"} → ErrIBKRNotAuthenticated with
// "log in at <gateway URL>"; a search with no STK contract →
// market.ErrUnknownSymbol; HTTP 429 → market.RateLimitError.
type IBKR struct {
	GatewayURL string       // default DefaultIBKRGatewayURL
	Client     *http.Client // default: a client with DefaultHTTPTimeout
	Now        func() time.Time

	once    sync.Once
	limiter *rate.Limiter
	history chan struct{}
	paced   atomic.Int64 // requests that passed the limiter (tests read it)

	mu     sync.Mutex
	conids map[string]string
}

// Name is "ibkr".
func (p *IBKR) Name() string { return "ibkr" }

// MaxBarsPerCall is 1,000: the gateway returns at most 1,000 data points
// per history request.
func (p *IBKR) MaxBarsPerCall() int { return 1000 }

func (p *IBKR) init() {
	p.once.Do(func() {
		p.limiter = rate.NewLimiter(ibkrRequestsPerSecond, ibkrRequestsPerSecond)
		p.history = make(chan struct{}, ibkrMaxHistory)
		p.conids = map[string]string{}
	})
}

func (p *IBKR) gateway() string {
	if p.GatewayURL == "" {
		return DefaultIBKRGatewayURL
	}
	return strings.TrimRight(p.GatewayURL, "/")
}

func (p *IBKR) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Bars returns the bars of symbol opening in [from, to).
func (p *IBKR) Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return nil, fmt.Errorf("ibkr: %w", err)
	}
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("ibkr: %w", err)
	}
	bar, ok := ibkrBar[tf]
	if !ok {
		return nil, fmt.Errorf("ibkr: timeframe %s has no gateway bar size", tf)
	}
	period, err := ibkrPeriod(p.now().Sub(from))
	if err != nil {
		return nil, fmt.Errorf("ibkr %s %s: %w", sym, tf, err)
	}
	conid, err := p.conid(ctx, sym)
	if err != nil {
		return nil, err
	}
	series, err := p.historyBars(ctx, sym, conid, period, bar)
	if err != nil {
		return nil, err
	}
	return inRange(series, from, to), nil
}

// Quote is the close of the latest one-minute bar of the last day.
func (p *IBKR) Quote(ctx context.Context, symbol string) (Quote, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return Quote{}, fmt.Errorf("ibkr: %w", err)
	}
	conid, err := p.conid(ctx, sym)
	if err != nil {
		return Quote{}, err
	}
	series, err := p.historyBars(ctx, sym, conid, "1d", "1min")
	if err != nil {
		return Quote{}, err
	}
	if len(series) == 0 {
		return Quote{}, fmt.Errorf("ibkr history %s: no bars in the last day: %w", sym, ErrDataUnavailable)
	}
	last := series[len(series)-1]
	return Quote{Symbol: sym, Price: last.Close, Time: last.Time}, nil
}

// ibkrBar maps Vigil's timeframes to the gateway's bar sizes.
var ibkrBar = map[bars.Timeframe]string{
	bars.M1: "1min", bars.M5: "5min", bars.M15: "15min", bars.M30: "30min",
	bars.H1: "1h", bars.H4: "4h", bars.D1: "1d", bars.W1: "1w",
}

// ibkrPeriod is the smallest gateway period covering d: {1-30}min, {1-8}h,
// {1-1000}d or {1-792}w (792 weeks reach further back than the gateway's
// 15 years, so years are never needed).
func ibkrPeriod(d time.Duration) (string, error) {
	ceil := func(unit time.Duration) int { return int(math.Ceil(float64(d) / float64(unit))) }
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	switch {
	case d <= 0:
		return "1min", nil
	case d <= 30*time.Minute:
		return fmt.Sprintf("%dmin", ceil(time.Minute)), nil
	case d <= 8*time.Hour:
		return fmt.Sprintf("%dh", ceil(time.Hour)), nil
	case d <= 1000*day:
		return fmt.Sprintf("%dd", ceil(day)), nil
	case d <= 792*week:
		return fmt.Sprintf("%dw", ceil(week)), nil
	}
	return "", fmt.Errorf("range reaches back %s, more than the gateway's 792 weeks", d.Round(time.Hour))
}

// ibkrContract is one result of /iserver/secdef/search. conid is a number
// in the documented examples and a string in some gateway versions.
type ibkrContract struct {
	Conid    json.RawMessage `json:"conid"`
	Symbol   string          `json:"symbol"`
	Sections []struct {
		SecType string `json:"secType"`
	} `json:"sections"`
}

// conid looks up (once per symbol) the conid of sym's stock contract.
func (p *IBKR) conid(ctx context.Context, sym string) (string, error) {
	p.init()
	p.mu.Lock()
	c, ok := p.conids[sym]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	r, err := p.get(ctx, "/iserver/secdef/search", url.Values{"symbol": {sym}})
	if err != nil {
		return "", err
	}
	var found []ibkrContract
	if err := json.Unmarshal(r.Body, &found); err != nil {
		// {"error":"No symbol found"} and the like come back as an object.
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(r.Body, &e) == nil && e.Error != "" {
			return "", fmt.Errorf("ibkr search %s: %s: %w", sym, e.Error, market.ErrUnknownSymbol)
		}
		return "", fmt.Errorf("ibkr search %s: decode: %w", sym, err)
	}
	for _, k := range found {
		for _, s := range k.Sections {
			if s.SecType != "STK" {
				continue
			}
			id := strings.Trim(string(k.Conid), `" `)
			if id == "" || id == "null" {
				continue
			}
			p.mu.Lock()
			p.conids[sym] = id
			p.mu.Unlock()
			return id, nil
		}
	}
	return "", fmt.Errorf("ibkr search %s: no stock (STK) contract among %d results: %w", sym, len(found), market.ErrUnknownSymbol)
}

// historyBars fetches one history request, holding a history slot.
func (p *IBKR) historyBars(ctx context.Context, sym, conid, period, bar string) (bars.Series, error) {
	p.init()
	select {
	case p.history <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("ibkr history %s: %w", sym, ctx.Err())
	}
	defer func() { <-p.history }()
	r, err := p.get(ctx, "/iserver/marketdata/history", url.Values{
		"conid": {conid}, "period": {period}, "bar": {bar}, "outsideRth": {"false"},
	})
	if err != nil {
		return nil, err
	}
	var h struct {
		Error string `json:"error"`
		Data  []struct {
			O, C, H, L, V float64
			T             int64
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &h); err != nil {
		return nil, fmt.Errorf("ibkr history %s (conid %s): decode: %w", sym, conid, err)
	}
	if h.Error != "" {
		return nil, fmt.Errorf("ibkr history %s (conid %s): %s", sym, conid, h.Error)
	}
	out := make(bars.Series, 0, len(h.Data))
	for _, d := range h.Data {
		b := bars.Bar{Time: time.UnixMilli(d.T).UTC(), Open: d.O, High: d.H, Low: d.L, Close: d.C, Volume: d.V}
		if n := len(out); n == 0 || b.Time.After(out[n-1].Time) {
			out = append(out, b)
		}
	}
	return out, nil
}

// get waits for the limiter, performs one request and maps the gateway's
// errors.
func (p *IBKR) get(ctx context.Context, path string, q url.Values) (*response, error) {
	p.init()
	if err := p.limiter.Wait(ctx); err != nil {
		return nil, fmt.Errorf("ibkr %s: pacing: %w", path, err)
	}
	p.paced.Add(1)
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	r, err := get(ctx, client, "ibkr", p.gateway(), path, q, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return nil, err
	}
	if err := rateLimited("ibkr", r); err != nil {
		return nil, err
	}
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	if r.Status == http.StatusUnauthorized || strings.EqualFold(strings.TrimSpace(e.Error), "no bridge") {
		return nil, fmt.Errorf("%w: log in at %s", ErrIBKRNotAuthenticated, p.loginURL())
	}
	if r.Status != http.StatusOK && path == "/iserver/secdef/search" && strings.Contains(strings.ToLower(e.Error), "no symbol") {
		return nil, fmt.Errorf("ibkr search %s: %s: %w", q.Get("symbol"), e.Error, market.ErrUnknownSymbol)
	}
	if r.Status != http.StatusOK {
		return nil, fmt.Errorf("ibkr %s %s: HTTP %d: %s", path, q.Get("symbol"), r.Status, snippet(r.Body))
	}
	return r, nil
}

// loginURL is the gateway's address without the /v1/api suffix: the page
// where one logs in.
func (p *IBKR) loginURL() string {
	return strings.TrimSuffix(p.gateway(), "/v1/api")
}
