package marketdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// DefaultYahooURL is Yahoo Finance's API host.
const DefaultYahooURL = "https://query1.finance.yahoo.com"

// defaultYahooUserAgent is sent when Yahoo.UserAgent is empty: Yahoo answers
// Go's default agent with 429.
const defaultYahooUserAgent = "Mozilla/5.0 (compatible; vigil)"

// Yahoo reads Yahoo Finance's unofficial v8 chart API
// (GET /v8/finance/chart/{symbol}). No key is needed.
//
// Mapping to bars:
//   - intervals: 1m, 5m, 15m, 30m, 1h → 60m, 1d, 1w → 1wk; 4h is not offered,
//     so 60m bars are fetched and aggregated into UTC 4-hour buckets
//     (bars.Timeframe.Open), which for US equities (hourly bars on :30) gives
//     a 12:00 bucket of three bars and a 16:00 bucket of four;
//   - timestamp[i] with indicators.quote[0].{open,high,low,close,volume}[i];
//     entries whose close is null (no trade in the interval, or a halt) are
//     skipped; a null open, high or low is taken as the close, a null volume
//     as 0, and high/low are widened to contain open and close;
//   - intraday bars keep Yahoo's open time (UTC); daily and weekly bars are
//     dated by the exchange's local trading date (meta.currentTradingPeriod's
//     GMT offset) at 00:00 UTC, weeks on Monday, like bars.Timeframe.Open;
//   - Yahoo stamps the still-open bar, and sometimes a closing tick, with the
//     time of the latest trade; an entry falling inside the previous bar's
//     interval is merged into it (high/low widened, close replaced, volume
//     added), so the open bar appears once with the latest price;
//   - a dotted US share class becomes Yahoo's dash (BRK.B → BRK-B), while
//     exchange suffixes stay (OCDO.L, 600497.SS, SHOP.TO).
//
// Errors: HTTP 404 or {"chart":{"error":{"code":"Not Found",...}}} →
// market.ErrUnknownSymbol; 429 → market.RateLimitError; other statuses and bodies → an
// error naming the status and Yahoo's description.
type Yahoo struct {
	BaseURL   string       // default DefaultYahooURL
	Client    *http.Client // default: a client with DefaultHTTPTimeout
	UserAgent string       // default "Mozilla/5.0 (compatible; vigil)"
}

// Name is "yahoo".
func (y *Yahoo) Name() string { return "yahoo" }

var yahooIntervals = map[bars.Timeframe]string{
	bars.M1: "1m", bars.M5: "5m", bars.M15: "15m", bars.M30: "30m",
	bars.H1: "60m", bars.H4: "60m", bars.D1: "1d", bars.W1: "1wk",
}

// Bars returns the bars opening in [from, to).
func (y *Yahoo) Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return nil, fmt.Errorf("yahoo: %w", err)
	}
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("yahoo: %w", err)
	}
	native := tf
	p1, p2 := from, to
	switch tf {
	case bars.H4:
		native = bars.H1
		p1 = bars.H4.Open(from)
	case bars.D1, bars.W1:
		// Trading dates and UTC timestamps differ by up to a day.
		p1, p2 = from.Add(-tf.Duration()), to.Add(tf.Duration())
	}
	q := url.Values{
		"interval":       {yahooIntervals[tf]},
		"period1":        {strconv.FormatInt(p1.Unix(), 10)},
		"period2":        {strconv.FormatInt(p2.Unix(), 10)},
		"includePrePost": {"false"},
	}
	res, err := y.chart(ctx, sym, q)
	if err != nil {
		return nil, err
	}
	s, err := res.series(native)
	if err != nil {
		return nil, fmt.Errorf("yahoo %s %s: %w", sym, tf, err)
	}
	if tf == bars.H4 {
		s = aggregate(s, bars.H4)
	}
	return inRange(s, from, to), nil
}

// Quote returns meta.regularMarketPrice at meta.regularMarketTime (falling
// back to the newest non-null close at its timestamp) and meta.currency.
func (y *Yahoo) Quote(ctx context.Context, symbol string) (Quote, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return Quote{}, fmt.Errorf("yahoo: %w", err)
	}
	res, err := y.chart(ctx, sym, url.Values{"interval": {"1d"}, "range": {"5d"}})
	if err != nil {
		return Quote{}, err
	}
	q := Quote{Symbol: sym, Currency: res.Meta.Currency}
	if res.Meta.RegularMarketPrice != nil && res.Meta.RegularMarketTime > 0 {
		q.Price, q.Time = *res.Meta.RegularMarketPrice, time.Unix(res.Meta.RegularMarketTime, 0).UTC()
		return q, nil
	}
	if qs := res.Indicators.Quote; len(qs) > 0 {
		for i := min(len(res.Timestamp), len(qs[0].Close)) - 1; i >= 0; i-- {
			if c := qs[0].Close[i]; c != nil {
				q.Price, q.Time = *c, time.Unix(res.Timestamp[i], 0).UTC()
				return q, nil
			}
		}
	}
	return Quote{}, fmt.Errorf("yahoo quote %s: no price in the response", sym)
}

// chart fetches and decodes one chart response, mapping errors.
func (y *Yahoo) chart(ctx context.Context, sym string, q url.Values) (*yahooResult, error) {
	base := y.BaseURL
	if base == "" {
		base = DefaultYahooURL
	}
	client := y.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	ua := y.UserAgent
	if ua == "" {
		ua = defaultYahooUserAgent
	}
	ysym := market.YahooSymbol(sym)
	r, err := get(ctx, client, "yahoo", base, "/v8/finance/chart/"+url.PathEscape(ysym), q,
		http.Header{"User-Agent": {ua}, "Accept": {"application/json"}})
	if err != nil {
		return nil, err
	}
	if err := rateLimited("yahoo", r); err != nil {
		return nil, err
	}
	var body yahooChart
	decodeErr := json.Unmarshal(r.Body, &body)
	if e := body.Chart.Error; decodeErr == nil && e != nil {
		msg := fmt.Sprintf("yahoo %s: HTTP %d: %s: %s", ysym, r.Status, e.Code, e.Description)
		if e.Code == "Not Found" || r.Status == http.StatusNotFound {
			return nil, fmt.Errorf("%s: %w", msg, market.ErrUnknownSymbol)
		}
		return nil, errors.New(msg)
	}
	switch {
	case r.Status == http.StatusNotFound:
		return nil, fmt.Errorf("yahoo %s: HTTP 404: %s: %w", ysym, snippet(r.Body), market.ErrUnknownSymbol)
	case r.Status != http.StatusOK:
		return nil, fmt.Errorf("yahoo %s: HTTP %d: %s", ysym, r.Status, snippet(r.Body))
	case decodeErr != nil:
		return nil, fmt.Errorf("yahoo %s: decode chart: %w", ysym, decodeErr)
	case len(body.Chart.Result) == 0:
		return nil, fmt.Errorf("yahoo %s: chart has no result and no error", ysym)
	}
	return &body.Chart.Result[0], nil
}

type yahooChart struct {
	Chart struct {
		Result []yahooResult `json:"result"`
		Error  *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	} `json:"chart"`
}

type yahooPeriod struct {
	Start     int64 `json:"start"`
	End       int64 `json:"end"`
	GMTOffset int64 `json:"gmtoffset"`
}

type yahooResult struct {
	Meta struct {
		Currency             string   `json:"currency"`
		Symbol               string   `json:"symbol"`
		RegularMarketPrice   *float64 `json:"regularMarketPrice"`
		RegularMarketTime    int64    `json:"regularMarketTime"`
		GMTOffset            int64    `json:"gmtoffset"`
		CurrentTradingPeriod *struct {
			Regular yahooPeriod `json:"regular"`
		} `json:"currentTradingPeriod"`
	} `json:"meta"`
	Timestamp  []int64 `json:"timestamp"`
	Indicators struct {
		Quote []struct {
			Open   []*float64 `json:"open"`
			High   []*float64 `json:"high"`
			Low    []*float64 `json:"low"`
			Close  []*float64 `json:"close"`
			Volume []*float64 `json:"volume"`
		} `json:"quote"`
	} `json:"indicators"`
}

// gmtOffset is the exchange's offset from UTC.
func (r *yahooResult) gmtOffset() time.Duration {
	if p := r.Meta.CurrentTradingPeriod; p != nil && p.Regular.GMTOffset != 0 {
		return time.Duration(p.Regular.GMTOffset) * time.Second
	}
	return time.Duration(r.Meta.GMTOffset) * time.Second
}

// series turns the arrays into bars of tf (the interval that was asked for).
func (r *yahooResult) series(tf bars.Timeframe) (bars.Series, error) {
	out := bars.Series{}
	if len(r.Indicators.Quote) == 0 {
		return out, nil
	}
	q := r.Indicators.Quote[0]
	at := func(a []*float64, i int) (float64, bool) {
		if i < len(a) && a[i] != nil {
			return *a[i], true
		}
		return 0, false
	}
	offset := r.gmtOffset()
	for i, ts := range r.Timestamp {
		c, ok := at(q.Close, i)
		if !ok {
			continue
		}
		b := bars.Bar{Time: time.Unix(ts, 0).UTC(), Open: c, High: c, Low: c, Close: c}
		if v, ok := at(q.Open, i); ok {
			b.Open = v
		}
		if v, ok := at(q.High, i); ok {
			b.High = v
		}
		if v, ok := at(q.Low, i); ok {
			b.Low = v
		}
		if v, ok := at(q.Volume, i); ok {
			b.Volume = v
		}
		b.High = max(b.High, b.Open, b.Close, b.Low)
		b.Low = min(b.Low, b.Open, b.Close)
		if tf == bars.D1 || tf == bars.W1 {
			local := b.Time.Add(offset)
			b.Time = tf.Open(time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC))
		}
		n := len(out)
		if n == 0 {
			out = append(out, b)
			continue
		}
		prev := &out[n-1]
		switch {
		case b.Time.Before(prev.Time):
			return nil, fmt.Errorf("timestamps out of order at index %d", i)
		case b.Time.Sub(prev.Time) < tf.Duration():
			// The latest trade, stamped inside the previous bar.
			prev.High = max(prev.High, b.High)
			prev.Low = min(prev.Low, b.Low)
			prev.Close = b.Close
			prev.Volume += b.Volume
		default:
			out = append(out, b)
		}
	}
	return out, nil
}
