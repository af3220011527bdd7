package fundamentals

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigilhq/vigil/market"
)

// DefaultHTTPTimeout bounds one HTTP request of the yahoo provider when
// NewProvider builds its client.
const DefaultHTTPTimeout = 20 * time.Second

// Options configures NewProvider. Fields a provider does not use are ignored.
type Options struct {
	// File is the snapshot provider's CSV or JSON file (required for it).
	File string
	// BaseURL overrides Yahoo's API address (a proxy, or a test server).
	BaseURL string
	// CookieURL overrides the address Yahoo's session cookie comes from.
	CookieURL string
	// HTTPClient is used by yahoo; nil builds one with HTTPTimeout.
	HTTPClient *http.Client
	// HTTPTimeout bounds each request when HTTPClient is nil (default
	// DefaultHTTPTimeout).
	HTTPTimeout time.Duration
	// UserAgent is sent to Yahoo (which refuses some default agents).
	UserAgent string
	// WithSector makes yahoo also ask quoteSummary's assetProfile for each
	// symbol's sector: one more request per symbol.
	WithSector bool
	// RequestsPerSecond paces yahoo's HTTP requests: 0 means
	// DefaultYahooRequestsPerSecond, a negative value no pacing.
	RequestsPerSecond float64
	// Seed varies the synthetic figures.
	Seed int64
	// Lookup gives synthetic figures a name and sector (such as the S&P 500
	// snapshot's); nil leaves the name the symbol and the sector "Unknown".
	Lookup func(symbol string) (name, sector string, ok bool)
	// Now is the providers' clock (default time.Now).
	Now func() time.Time
}

// ProviderNames lists the names NewProvider accepts; the first is the default.
func ProviderNames() []string { return []string{"synthetic", "snapshot", "yahoo"} }

// NewProvider builds the named provider; an empty name means "synthetic". The
// snapshot provider reads its file here, so a bad file fails at start-up.
func NewProvider(name string, opts Options) (Provider, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "synthetic":
		return &Synthetic{Seed: opts.Seed, Lookup: opts.Lookup, Now: opts.Now}, nil
	case "snapshot":
		if opts.File == "" {
			return nil, errors.New("fundamentals provider snapshot: a file is required")
		}
		return NewSnapshot(opts.File)
	case "yahoo":
		client := opts.HTTPClient
		if client == nil {
			timeout := opts.HTTPTimeout
			if timeout <= 0 {
				timeout = DefaultHTTPTimeout
			}
			client = &http.Client{Timeout: timeout}
		}
		y := &Yahoo{
			BaseURL:    opts.BaseURL,
			CookieURL:  opts.CookieURL,
			Client:     client,
			UserAgent:  opts.UserAgent,
			WithSector: opts.WithSector,
			Now:        opts.Now,
		}
		switch r := opts.RequestsPerSecond; {
		case r == 0:
			y.Limiter = rate.NewLimiter(DefaultYahooRequestsPerSecond, yahooBurst)
		case r > 0:
			y.Limiter = rate.NewLimiter(rate.Limit(r), yahooBurst)
		}
		return y, nil
	}
	return nil, fmt.Errorf("fundamentals provider %q: must be one of %s", name, strings.Join(ProviderNames(), ", "))
}

// normalizeSymbol is market.NormalizeSymbol as a yes/no: fundamentals
// leave out what is not a symbol rather than failing the call.
func normalizeSymbol(symbol string) (string, bool) {
	s, err := market.NormalizeSymbol(symbol)
	return s, err == nil
}
