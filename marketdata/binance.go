package marketdata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// DefaultBinanceURL is Binance's spot REST API host.
const DefaultBinanceURL = "https://api.binance.com"

// binanceMaxLimit is the most klines one request returns.
const binanceMaxLimit = 1000

// binanceMaxPages bounds one Bars call (100,000 klines).
const binanceMaxPages = 100

// Binance reads spot klines (GET /api/v3/klines) and 24-hour tickers (GET
// /api/v3/ticker/24hr) from Binance's public REST API; no key is needed.
//
// Klines are arrays [openTime ms, "open", "high", "low", "close", "volume",
// closeTime ms, ...] with prices as strings; every timeframe maps to the
// interval of the same name, and Binance's weeks open on Monday 00:00 UTC like
// bars.W1. Ranges longer than 1,000 klines are paged. The last kline may be
// open (closeTime in the future): it is returned with the latest price as its
// close. Symbols lose separators (BTC/USDT, BTC-USDT → BTCUSDT).
//
// Errors: {"code":-1121,"msg":"Invalid symbol."} → market.ErrUnknownSymbol; HTTP 429
// and 418 (IP banned for ignoring 429s) → market.RateLimitError with Retry-After;
// other statuses → an error naming Binance's code and message.
type Binance struct {
	BaseURL string       // default DefaultBinanceURL
	Client  *http.Client // default: a client with DefaultHTTPTimeout

	limit int // klines per request; 0 means binanceMaxLimit (tests lower it)
}

// Name is "binance".
func (b *Binance) Name() string { return "binance" }

// Bars returns the klines opening in [from, to).
func (b *Binance) Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return nil, fmt.Errorf("binance: %w", err)
	}
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("binance: %w", err)
	}
	bsym := binanceSymbol(sym)
	limit := b.limit
	if limit <= 0 {
		limit = binanceMaxLimit
	}
	out := bars.Series{}
	start := from
	for page := 0; start.Before(to); page++ {
		if page == binanceMaxPages {
			return nil, fmt.Errorf("binance %s %s: more than %d klines between %s and %s", bsym, tf, binanceMaxPages*limit, from.Format(time.RFC3339), to.Format(time.RFC3339))
		}
		q := url.Values{
			"symbol":    {bsym},
			"interval":  {string(tf)},
			"startTime": {strconv.FormatInt(start.UnixMilli(), 10)},
			"endTime":   {strconv.FormatInt(to.UnixMilli()-1, 10)}, // inclusive on Binance's side
			"limit":     {strconv.Itoa(limit)},
		}
		r, err := b.get(ctx, "/api/v3/klines", q)
		if err != nil {
			return nil, err
		}
		klines, err := parseKlines(r.Body)
		if err != nil {
			return nil, fmt.Errorf("binance %s %s: %w", bsym, tf, err)
		}
		for _, k := range klines {
			if n := len(out); n == 0 || k.Time.After(out[n-1].Time) {
				out = append(out, k)
			}
		}
		if len(klines) < limit {
			break
		}
		start = klines[len(klines)-1].Time.Add(tf.Duration())
	}
	return inRange(out, from, to), nil
}

// Quote returns the 24-hour ticker's lastPrice at its closeTime; the currency
// is the quote asset guessed from the symbol's suffix (BTCUSDT → USDT).
func (b *Binance) Quote(ctx context.Context, symbol string) (Quote, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return Quote{}, fmt.Errorf("binance: %w", err)
	}
	bsym := binanceSymbol(sym)
	r, err := b.get(ctx, "/api/v3/ticker/24hr", url.Values{"symbol": {bsym}})
	if err != nil {
		return Quote{}, err
	}
	var t struct {
		LastPrice string `json:"lastPrice"`
		CloseTime int64  `json:"closeTime"`
	}
	if err := json.Unmarshal(r.Body, &t); err != nil {
		return Quote{}, fmt.Errorf("binance ticker %s: decode: %w", bsym, err)
	}
	price, err := strconv.ParseFloat(t.LastPrice, 64)
	if err != nil {
		return Quote{}, fmt.Errorf("binance ticker %s: lastPrice %q: %w", bsym, t.LastPrice, err)
	}
	return Quote{Symbol: sym, Price: price, Time: time.UnixMilli(t.CloseTime).UTC(), Currency: binanceQuoteAsset(bsym)}, nil
}

// get performs one request and maps Binance's errors.
func (b *Binance) get(ctx context.Context, path string, q url.Values) (*response, error) {
	base := b.BaseURL
	if base == "" {
		base = DefaultBinanceURL
	}
	client := b.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	r, err := get(ctx, client, "binance", base, path, q, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return nil, err
	}
	if err := rateLimited("binance", r); err != nil {
		return nil, err
	}
	if r.Status == http.StatusOK {
		return r, nil
	}
	var e struct {
		Code *int   `json:"code"`
		Msg  string `json:"msg"`
	}
	sym := q.Get("symbol")
	if json.Unmarshal(r.Body, &e) != nil || e.Code == nil {
		return nil, fmt.Errorf("binance %s %s: HTTP %d: %s", path, sym, r.Status, snippet(r.Body))
	}
	if *e.Code == -1121 { // Invalid symbol.
		return nil, fmt.Errorf("binance %s %s: HTTP %d: code %d: %s: %w", path, sym, r.Status, *e.Code, e.Msg, market.ErrUnknownSymbol)
	}
	return nil, fmt.Errorf("binance %s %s: HTTP %d: code %d: %s", path, sym, r.Status, *e.Code, e.Msg)
}

// parseKlines decodes a klines array.
func parseKlines(body []byte) (bars.Series, error) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(body, &rows); err != nil {
		return nil, fmt.Errorf("decode klines: %w", err)
	}
	out := make(bars.Series, 0, len(rows))
	for i, row := range rows {
		if len(row) < 6 {
			return nil, fmt.Errorf("kline %d: %d fields, want at least 6", i, len(row))
		}
		var openTime int64
		if err := json.Unmarshal(row[0], &openTime); err != nil {
			return nil, fmt.Errorf("kline %d: open time %s: %w", i, row[0], err)
		}
		var v [5]float64
		for j := range v {
			var s string
			if err := json.Unmarshal(row[j+1], &s); err != nil {
				return nil, fmt.Errorf("kline %d: field %d %s is not a string: %w", i, j+1, row[j+1], err)
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("kline %d: field %d: %w", i, j+1, err)
			}
			v[j] = x
		}
		out = append(out, bars.Bar{Time: time.UnixMilli(openTime).UTC(), Open: v[0], High: v[1], Low: v[2], Close: v[3], Volume: v[4]})
	}
	return out, nil
}

// binanceSymbol drops the separators people write in pairs.
func binanceSymbol(sym string) string {
	return strings.NewReplacer("/", "", "-", "", "_", "").Replace(sym)
}

// binanceQuoteAssets are common quote assets, longest first so FDUSD wins
// over USD.
var binanceQuoteAssets = []string{"FDUSD", "USDT", "USDC", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY", "BRL", "JPY", "GBP", "USD"}

// binanceQuoteAsset guesses the quote asset of a pair; "" when unknown.
func binanceQuoteAsset(pair string) string {
	for _, a := range binanceQuoteAssets {
		if strings.HasSuffix(pair, a) && len(pair) > len(a) {
			return a
		}
	}
	return ""
}
