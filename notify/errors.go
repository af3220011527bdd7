package notify

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoDestination means the channel has no destination for this user (for
// example no or an invalid webhook URL). IsPermanent reports true for it,
// even when it is not wrapped with Permanent.
var ErrNoDestination = errors.New("notify: no destination for this channel")

// DefaultRetryAfter is the wait used when a provider answers 429 without a
// usable Retry-After.
const DefaultRetryAfter = 30 * time.Second

// MaxRetryAfter caps the wait a provider can ask for, so that a broken or
// hostile receiver cannot park a job for years. The worker may clamp further.
const MaxRetryAfter = 24 * time.Hour

// permanentError marks an error as not worth retrying.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// unreachableError marks an error as meaning the recipient can never be
// reached.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// Permanent wraps err so that IsPermanent reports true: the worker does not
// retry but cancels the job. The message is unchanged. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether retrying err cannot help: err wraps an error
// made by Permanent, Unreachable or Bouncing, or ErrNoDestination.
func IsPermanent(err error) bool {
	if _, ok := errors.AsType[*permanentError](err); ok {
		return true
	}
	return IsUnreachable(err) || IsBouncing(err) || errors.Is(err, ErrNoDestination)
}

// bouncingError marks an error as meaning the mail address is refused.
type bouncingError struct{ err error }

func (e *bouncingError) Error() string { return e.err.Error() }
func (e *bouncingError) Unwrap() error { return e.err }

// Bouncing wraps err so that IsBouncing (and IsPermanent) report true: the
// mail server refused the recipient's address for good (a 5xx reply to
// RCPT TO: no such mailbox, domain gone). The worker cancels that email
// delivery and marks the address bouncing, so no more mail goes to it; the
// user's other channels carry on (unlike Unreachable, which is about the
// user). The message is unchanged. Bouncing(nil) is nil.
func Bouncing(err error) error {
	if err == nil {
		return nil
	}
	return &bouncingError{err: err}
}

// IsBouncing reports whether err wraps an error made by Bouncing.
func IsBouncing(err error) bool {
	_, ok := errors.AsType[*bouncingError](err)
	return ok
}

// Unreachable wraps err so that IsUnreachable (and IsPermanent) report true:
// the recipient can never be reached (Telegram "bot was blocked by the user",
// "chat not found"; webhook 410 Gone). The worker cancels the job and marks
// the user unreachable. The message is unchanged. Unreachable(nil) is nil.
func Unreachable(err error) error {
	if err == nil {
		return nil
	}
	return &unreachableError{err: err}
}

// IsUnreachable reports whether err wraps an error made by Unreachable.
func IsUnreachable(err error) bool {
	_, ok := errors.AsType[*unreachableError](err)
	return ok
}

// RetryAfterError means the provider asked us to wait before trying again
// (HTTP 429 or 503 with Retry-After, Telegram retry_after). The worker
// snoozes the job for After; it does not count as a failed attempt.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

// Error returns the underlying error's message and the requested wait.
func (e *RetryAfterError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("retry after %s", e.After)
	}
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

// Unwrap returns the underlying error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter reports the wait requested by a *RetryAfterError in err's chain.
func RetryAfter(err error) (time.Duration, bool) {
	e, ok := errors.AsType[*RetryAfterError](err)
	if !ok {
		return 0, false
	}
	return e.After, true
}
