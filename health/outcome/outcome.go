// Package outcome records the latest success and failure of work a process
// does over and over (a channel's sends, a provider's fetches, an
// evaluator's runs), so that a health check can report it. It imports the
// standard library only: any package may record into a Recorder.
package outcome

import (
	"sync/atomic"
	"time"
)

// Recorder remembers when something last succeeded, when it last failed and
// why, and how often each happened. It is safe for concurrent use; the zero
// value is ready, and a nil *Recorder records nothing.
type Recorder struct {
	success   atomic.Int64 // unix nanoseconds of the latest success, 0: never
	failure   atomic.Pointer[failure]
	successes atomic.Int64
	failures  atomic.Int64
}

type failure struct {
	at  time.Time
	msg string
}

// Success records a success at at.
func (r *Recorder) Success(at time.Time) {
	if r == nil {
		return
	}
	r.successes.Add(1)
	n := at.UnixNano()
	for {
		old := r.success.Load()
		if old >= n || r.success.CompareAndSwap(old, n) {
			return
		}
	}
}

// Failure records a failure at at with err's message (a nil err counts as a
// failure without a message).
func (r *Recorder) Failure(at time.Time, err error) {
	if r == nil {
		return
	}
	r.failures.Add(1)
	f := &failure{at: at}
	if err != nil {
		f.msg = err.Error()
	}
	for {
		old := r.failure.Load()
		if (old != nil && old.at.After(at)) || r.failure.CompareAndSwap(old, f) {
			return
		}
	}
}

// Record records a success when err is nil, else a failure.
func (r *Recorder) Record(at time.Time, err error) {
	if err == nil {
		r.Success(at)
	} else {
		r.Failure(at, err)
	}
}

// Last returns what has been recorded so far (the zero Snapshot for a nil
// Recorder).
func (r *Recorder) Last() Snapshot {
	if r == nil {
		return Snapshot{}
	}
	var s Snapshot
	if n := r.success.Load(); n != 0 {
		s.LastSuccess = time.Unix(0, n).UTC()
	}
	if f := r.failure.Load(); f != nil {
		s.LastFailure, s.LastError = f.at.UTC(), f.msg
	}
	s.Successes, s.Failures = r.successes.Load(), r.failures.Load()
	return s
}

// Snapshot is a Recorder's state at one moment.
type Snapshot struct {
	LastSuccess time.Time // zero: never
	LastFailure time.Time // zero: never
	LastError   string    // the latest failure's message
	Successes   int64
	Failures    int64
}

// Empty reports whether nothing has been recorded.
func (s Snapshot) Empty() bool { return s.LastSuccess.IsZero() && s.LastFailure.IsZero() }

// Failing reports whether the latest outcome is a failure.
func (s Snapshot) Failing() bool {
	return !s.LastFailure.IsZero() && !s.LastFailure.Before(s.LastSuccess)
}

// Latest returns the time of the latest outcome, success or failure.
func (s Snapshot) Latest() time.Time {
	if s.LastFailure.After(s.LastSuccess) {
		return s.LastFailure
	}
	return s.LastSuccess
}
