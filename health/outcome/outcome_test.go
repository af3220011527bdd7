package outcome

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	var r Recorder
	if s := r.Last(); !s.Empty() || s.Failing() {
		t.Fatalf("a new recorder is empty and not failing: %+v", s)
	}
	r.Record(t0, nil)
	r.Record(t0.Add(time.Second), errors.New("502"))
	s := r.Last()
	if !s.Failing() || s.LastError != "502" || !s.LastSuccess.Equal(t0) || s.Successes != 1 || s.Failures != 1 {
		t.Fatalf("after a success and a later failure: %+v", s)
	}
	if !s.Latest().Equal(t0.Add(time.Second)) {
		t.Fatalf("latest = %s", s.Latest())
	}
	// An older outcome recorded late does not replace a newer one.
	r.Success(t0.Add(-time.Hour))
	r.Failure(t0.Add(-time.Hour), errors.New("old"))
	if s := r.Last(); !s.LastSuccess.Equal(t0) || s.LastError != "502" {
		t.Fatalf("older outcomes replaced newer ones: %+v", s)
	}
	r.Success(t0.Add(2 * time.Second))
	if r.Last().Failing() {
		t.Fatal("a later success ends the failure")
	}

	var none *Recorder
	none.Record(t0, errors.New("x"))
	if !none.Last().Empty() {
		t.Fatal("a nil recorder records nothing")
	}
}

func TestRecorderConcurrent(t *testing.T) {
	t.Parallel()
	var r Recorder
	t0 := time.Now()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 1000 {
				at := t0.Add(time.Duration(i*1000+j) * time.Microsecond)
				if j%2 == 0 {
					r.Success(at)
				} else {
					r.Failure(at, errors.New("x"))
				}
			}
		})
	}
	wg.Wait()
	s := r.Last()
	if s.Successes != 4000 || s.Failures != 4000 {
		t.Fatalf("counts: %+v", s)
	}
	if want := t0.Add(7999 * time.Microsecond); !s.LastFailure.Equal(want.UTC()) {
		t.Fatalf("last failure %s, want the newest %s", s.LastFailure, want)
	}
}
