package marketdata

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vigilhq/vigil/bars"
)

// Provider is a source of market data.
type Provider interface {
	// Name identifies the provider in logs and in the market_bars table.
	Name() string
	// Bars returns the bars of symbol whose open time lies in [from, to), in
	// ascending order. The bar still open at the provider's "now" is included
	// (its close is the latest price); no bar opens after it.
	Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error)
	// Quote returns the latest price of symbol.
	Quote(ctx context.Context, symbol string) (Quote, error)
}

// Quote is the latest known price of a symbol.
type Quote struct {
	Symbol   string
	Price    float64
	Time     time.Time // when the price was traded or published, UTC
	Currency string    // ISO code or quote asset; empty when the provider does not say
}

// ErrDataUnavailable means no data could be had, neither from the provider
// nor from a cache; the job should be retried later. The other errors callers
// branch on, market.ErrUnknownSymbol and market.ErrRateLimited, are shared
// with the fundamentals providers.
var ErrDataUnavailable = errors.New("data unavailable")

// DefaultHTTPTimeout bounds one HTTP request of the yahoo and binance
// providers when they build their own client.
const DefaultHTTPTimeout = 20 * time.Second

// ProviderOptions configures NewProvider. Fields a provider does not use are
// ignored.
type ProviderOptions struct {
	// CSVDir is the directory of the csv provider (required for it).
	CSVDir string
	// BaseURL overrides the yahoo or binance API address (a proxy, or a test
	// server).
	BaseURL string
	// HTTPClient is used by yahoo and binance; nil builds one with HTTPTimeout.
	HTTPClient *http.Client
	// HTTPTimeout bounds each request when HTTPClient is nil (default
	// DefaultHTTPTimeout).
	HTTPTimeout time.Duration
	// UserAgent is sent to Yahoo (which refuses some default agents).
	UserAgent string
	// Seed varies the synthetic data.
	Seed int64
	// Now is the synthetic provider's clock (default time.Now).
	Now func() time.Time
	// IBKRGatewayURL is the Client Portal Gateway's API address (default
	// DefaultIBKRGatewayURL).
	IBKRGatewayURL string
	// IBKRInsecureSkipVerify accepts the gateway's self-signed certificate;
	// it applies only when HTTPClient is nil.
	IBKRInsecureSkipVerify bool
}

// ProviderNames lists the names NewProvider accepts; the first is the default.
func ProviderNames() []string { return []string{"synthetic", "csv", "yahoo", "binance", "ibkr"} }

// NewProvider builds the named provider; an empty name means "synthetic".
func NewProvider(name string, opts ProviderOptions) (Provider, error) {
	client := opts.HTTPClient
	if client == nil {
		timeout := opts.HTTPTimeout
		if timeout <= 0 {
			timeout = DefaultHTTPTimeout
		}
		client = &http.Client{Timeout: timeout}
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "synthetic":
		return &Synthetic{Seed: opts.Seed, Now: opts.Now}, nil
	case "csv":
		if opts.CSVDir == "" {
			return nil, errors.New("market data provider csv: a directory is required")
		}
		return NewCSV(opts.CSVDir), nil
	case "yahoo":
		return &Yahoo{BaseURL: opts.BaseURL, Client: client, UserAgent: opts.UserAgent}, nil
	case "binance":
		return &Binance{BaseURL: opts.BaseURL, Client: client}, nil
	case "ibkr":
		if opts.HTTPClient == nil && opts.IBKRInsecureSkipVerify {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // ibkr_insecure_skip_verify: the gateway's self-signed certificate
			client = &http.Client{Timeout: client.Timeout, Transport: t}
		}
		return &IBKR{GatewayURL: opts.IBKRGatewayURL, Client: client}, nil
	}
	return nil, fmt.Errorf("market data provider %q: must be one of %s", name, strings.Join(ProviderNames(), ", "))
}

// checkTimeframe rejects timeframes the bars package does not define.
func checkTimeframe(tf bars.Timeframe) error {
	if _, err := bars.ParseTimeframe(string(tf)); err != nil {
		return err
	}
	return nil
}

// inRange keeps the bars that open in [from, to).
func inRange(s bars.Series, from, to time.Time) bars.Series {
	out := s[:0:0]
	for _, b := range s {
		if !b.Time.Before(from) && b.Time.Before(to) {
			out = append(out, b)
		}
	}
	return out
}

// aggregate merges bars into tf buckets (tf.Open of each bar's time): first
// open, highest high, lowest low, last close, summed volume. s must be
// ascending.
func aggregate(s bars.Series, tf bars.Timeframe) bars.Series {
	var out bars.Series
	for _, b := range s {
		t := tf.Open(b.Time)
		if n := len(out); n > 0 && out[n-1].Time.Equal(t) {
			last := &out[n-1]
			last.High = max(last.High, b.High)
			last.Low = min(last.Low, b.Low)
			last.Close = b.Close
			last.Volume += b.Volume
			continue
		}
		b.Time = t
		out = append(out, b)
	}
	return out
}
