package marketdata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigilhq/vigil/retryafter"

	"github.com/vigilhq/vigil/market"
)

// maxBody bounds a provider response (a thousand klines are ~200 KB).
const maxBody = 32 << 20

// response is a provider's answer, read in full.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// get performs GET base+path?query with ctx and returns the response whatever
// its status. Errors name the host and path only: query strings may one day
// carry keys, and logs must never show secrets.
func get(ctx context.Context, client *http.Client, provider, base, path string, query url.Values, header http.Header) (*response, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + path)
	if err != nil {
		return nil, fmt.Errorf("%s: base URL %q: %w", provider, base, err)
	}
	u.RawQuery = query.Encode()
	where := u.Host + u.Path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s GET %s: %w", provider, where, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		// Do's *url.Error repeats the full URL; keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s GET %s: %w", provider, where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s GET %s: read body: %w", provider, where, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%s GET %s: body larger than %d bytes", provider, where, maxBody)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// rateLimited returns a market.RateLimitError for 429 (and Binance's 418 ban), else
// nil.
func rateLimited(provider string, r *response) error {
	if r.Status != http.StatusTooManyRequests && r.Status != http.StatusTeapot {
		return nil
	}
	return &market.RateLimitError{Provider: provider, Status: r.Status, RetryAfter: retryAfter(r.Header.Get("Retry-After"))}
}

// retryAfter reads a Retry-After header in seconds (the form both providers
// send); anything else is 0.
func retryAfter(v string) time.Duration {
	d, _ := retryafter.Parse(v, time.Now())
	return d
}

// snippet is the start of a body for error messages.
func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
