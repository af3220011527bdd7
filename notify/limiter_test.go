package notify

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeNow is a settable clock for the limiter.
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { return f.t }

func newTestLimiter() (*TelegramLimiter, *fakeNow) {
	clock := &fakeNow{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l := NewTelegramLimiter()
	l.now = clock.now
	return l, clock
}

// reserve reserves and completes a message to chat at the current time, or
// returns the wait.
func reserve(l *TelegramLimiter, chat int64) (time.Duration, bool) {
	l.mu.Lock()
	s, wait, _ := l.reserveLocked(chat)
	l.mu.Unlock()
	if s == nil {
		return wait, false
	}
	l.complete(s)
	return 0, true
}

func TestTelegramLimiterWindows(t *testing.T) {
	t.Parallel()

	t.Run("per chat", func(t *testing.T) {
		t.Parallel()
		l, clock := newTestLimiter()
		_, ok := reserve(l, 1)
		require.True(t, ok)
		clock.t = clock.t.Add(300 * time.Millisecond)
		wait, ok := reserve(l, 1)
		require.False(t, ok)
		require.Equal(t, 700*time.Millisecond, wait)
		_, ok = reserve(l, 2)
		require.True(t, ok, "another chat")
		clock.t = clock.t.Add(700 * time.Millisecond)
		_, ok = reserve(l, 1)
		require.True(t, ok)
	})
	t.Run("per group", func(t *testing.T) {
		t.Parallel()
		l, clock := newTestLimiter()
		for range TelegramGroupMessagesPerMinute {
			_, ok := reserve(l, -9)
			require.True(t, ok)
			clock.t = clock.t.Add(time.Second)
		}
		wait, ok := reserve(l, -9)
		require.False(t, ok)
		require.Equal(t, 40*time.Second, wait)
		clock.t = clock.t.Add(40 * time.Second)
		_, ok = reserve(l, -9)
		require.True(t, ok)
	})
	t.Run("overall", func(t *testing.T) {
		t.Parallel()
		l, clock := newTestLimiter()
		for i := range TelegramMessagesPerSecond {
			_, ok := reserve(l, int64(100+i))
			require.True(t, ok)
		}
		clock.t = clock.t.Add(100 * time.Millisecond)
		wait, ok := reserve(l, 999)
		require.False(t, ok)
		require.Equal(t, 900*time.Millisecond, wait)
		clock.t = clock.t.Add(900 * time.Millisecond)
		_, ok = reserve(l, 999)
		require.True(t, ok)
	})
	t.Run("in flight counts until done", func(t *testing.T) {
		t.Parallel()
		l, clock := newTestLimiter()
		l.mu.Lock()
		s, _, _ := l.reserveLocked(1)
		l.mu.Unlock()
		require.NotNil(t, s)

		clock.t = clock.t.Add(5 * time.Second)
		l.mu.Lock()
		s2, wait, changed := l.reserveLocked(1)
		l.mu.Unlock()
		require.Nil(t, s2, "the chat's message is still in flight")
		require.Zero(t, wait, "only its completion can free the chat")

		l.complete(s) // completes now: the next message waits a second from here
		select {
		case <-changed:
		default:
			t.Fatal("completion was not signalled")
		}
		wait, ok := reserve(l, 1)
		require.False(t, ok)
		require.Equal(t, time.Second, wait)
	})
}

func TestTelegramLimiterWait(t *testing.T) {
	t.Parallel()
	l := NewTelegramLimiter()
	done, err := l.Wait(context.Background(), 1)
	require.NoError(t, err)

	got := make(chan error, 1)
	go func() {
		done2, err := l.Wait(context.Background(), 1)
		if err == nil {
			done2()
		}
		got <- err
	}()
	done()
	done() // idempotent
	require.NoError(t, <-got, "the second waits for the first's completion and a second")
}
