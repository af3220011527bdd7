package market

import (
	"errors"
	"fmt"
	"time"
)

// ErrRateLimited marks a provider's HTTP 429 (or Binance's 418 ban); see
// RateLimitError for how long to wait. Market-data and fundamentals
// providers share it, so callers branch on one error for both.
var ErrRateLimited = errors.New("rate limited")

// RateLimitError is a provider telling us to slow down. It matches
// ErrRateLimited with errors.Is.
type RateLimitError struct {
	Provider   string
	Status     int
	RetryAfter time.Duration // from the Retry-After header; 0 when absent
}

func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s: rate limited (HTTP %d), retry after %s", e.Provider, e.Status, e.RetryAfter)
	}
	return fmt.Sprintf("%s: rate limited (HTTP %d)", e.Provider, e.Status)
}

// Unwrap makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }
