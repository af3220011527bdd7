package jobs

import (
	"math"
	"math/rand/v2"
	"time"
)

// maxBackoff caps the exponential backoff.
const maxBackoff = 24 * time.Hour

// Backoff is the delay before retry number attempt (1 = the first retry):
// base·2^(attempt-1), capped at 24h, with ±10% jitter so that jobs failing
// together do not retry together. jitter is a number in [0, 1).
func Backoff(base time.Duration, attempt int, jitter float64) time.Duration {
	if base <= 0 {
		base = time.Second
	}
	if attempt < 1 {
		attempt = 1
	}
	d := float64(base) * math.Pow(2, float64(attempt-1))
	if d > float64(maxBackoff) || math.IsInf(d, 0) {
		d = float64(maxBackoff)
	}
	d *= 0.9 + 0.2*jitter
	return time.Duration(d)
}

// nextRetry is the time of the next retry of a job that failed attempt times.
func nextRetry(now time.Time, base time.Duration, attempt int) time.Time {
	return now.Add(Backoff(base, attempt, rand.Float64()))
}
