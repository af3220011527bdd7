package telegramtest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Gate is a send gate (notify.SendGate) for tests: it reserves every send at
// once and records the chats it reserved them for.
type Gate struct {
	mu    sync.Mutex
	chats []int64
}

// Wait records chatID and returns nil.
func (g *Gate) Wait(_ context.Context, chatID int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.chats = append(g.chats, chatID)
	return nil
}

// Chats returns the chats of the reserved sends, in order.
func (g *Gate) Chats() []int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.chats)
}

// Count returns how many sends to chatID were reserved.
func (g *Gate) Count(chatID int64) int {
	n := 0
	for _, c := range g.Chats() {
		if c == chatID {
			n++
		}
	}
	return n
}

// Sleeper stands in for the wait before a retry
// (notify.WithTelegramSleepFunc): Sleep records the wait and returns at once,
// so a test sees a retry_after honoured without waiting it out.
type Sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

// Sleep records d and returns ctx's error, nil while ctx is live.
func (s *Sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

// Waits returns the waits asked for, in order.
func (s *Sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}
