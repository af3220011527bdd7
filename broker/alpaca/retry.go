package alpaca

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vigilhq/vigil/retryafter"
)

// retryTransport retries, below the SDK, the answers worth retrying: 429
// (after Retry-After, else the backoff) and 500, 502, 503, 504 (after the
// backoff, doubled each time, or Retry-After when given). The request body
// is rewound for each attempt. A 429 left after the last attempt is
// returned as an error, so that the SDK does not retry it again.
type retryTransport struct {
	ctx  context.Context
	cfg  *Config
	next http.RoundTripper
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.WithContext(t.ctx)
	wait := t.cfg.Backoff
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("rewind %s %s: %w", req.Method, req.URL.Path, err)
			}
			req = req.Clone(t.ctx)
			req.Body = body
		}
		resp, err := t.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		if !retryable(resp.StatusCode) {
			return resp, nil
		}
		if attempt >= t.cfg.Retries {
			if resp.StatusCode == http.StatusTooManyRequests {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				_ = resp.Body.Close()
				return nil, fmt.Errorf("rate limited (HTTP 429) after %d attempts: %s", attempt+1, body)
			}
			return resp, nil
		}
		d := wait
		if ra, ok := retryafter.Parse(resp.Header.Get("Retry-After"), t.cfg.Now()); ok {
			d = ra
		}
		d = min(d, t.cfg.MaxWait)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		if err := t.cfg.Sleep(t.ctx, d); err != nil {
			return nil, fmt.Errorf("wait to retry %s %s (HTTP %d): %w", req.Method, req.URL.Path, resp.StatusCode, err)
		}
		wait *= 2
	}
}

func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
