// Package retryafter reads HTTP's Retry-After header (RFC 9110 section
// 10.2.3), which every HTTP client in Vigil that backs off on 429 or 503
// honours: market data, fundamentals, webhooks, the Alpaca broker.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value, delay-seconds or an HTTP date, as the
// wait from now (never negative: a date in the past is 0). ok is false for
// an empty, negative or unreadable value.
func Parse(v string, now time.Time) (wait time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
		if sec < 0 {
			return 0, false
		}
		if sec > int64(maxWait/time.Second) {
			return maxWait, true
		}
		return time.Duration(sec) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// maxWait keeps a huge delay-seconds from overflowing time.Duration.
const maxWait = 100 * 365 * 24 * time.Hour
