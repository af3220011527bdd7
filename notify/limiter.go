package notify

import (
	"context"
	"sync"
	"time"
)

// Telegram's flood limits for bots (Bots FAQ, "My bot is hitting limits, how
// do I avoid this?"), which TelegramLimiter keeps to.
const (
	TelegramMessagesPerSecond      = 30 // all chats together
	TelegramChatMessagesPerSecond  = 1  // one chat
	TelegramGroupMessagesPerMinute = 20 // one group chat (negative chat id)
)

// TelegramLimiter paces the messages of one bot to Telegram's flood limits:
// TelegramMessagesPerSecond overall, TelegramChatMessagesPerSecond per chat
// and TelegramGroupMessagesPerMinute per group chat (a negative chat id).
// The limits are per bot (token), so every sender of a bot in a process
// must share one limiter; see the package documentation for several
// processes.
//
// A message counts from when its request completed, not when it started, so
// a slow request cannot make two messages arrive at Telegram closer than a
// limit allows. The zero value is not usable; use NewTelegramLimiter.
type TelegramLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	global  []*telegramSlot           // the last second's messages, and those in flight
	chats   map[int64][]*telegramSlot // per chat: the last second's (a minute's for groups)
	changed chan struct{}             // closed and replaced when a message in flight completes
}

// telegramSlot is one message: in flight, or completed at at.
type telegramSlot struct {
	at      time.Time
	pending bool
}

// NewTelegramLimiter returns a limiter with no messages sent.
func NewTelegramLimiter() *TelegramLimiter {
	return &TelegramLimiter{now: time.Now, chats: map[int64][]*telegramSlot{}, changed: make(chan struct{})}
}

// Wait blocks until a message to chatID keeps within the limits, or ctx is
// done, and reserves a place for it. The caller must call done once the
// request has completed, whatever its outcome; the message counts from then.
func (l *TelegramLimiter) Wait(ctx context.Context, chatID int64) (done func(), err error) {
	for {
		l.mu.Lock()
		slot, wait, changed := l.reserveLocked(chatID)
		l.mu.Unlock()
		if slot != nil {
			var once sync.Once
			return func() { once.Do(func() { l.complete(slot) }) }, nil
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil, ctx.Err()
		case <-fire:
		case <-changed:
			if timer != nil {
				timer.Stop()
			}
		}
	}
}

func (l *TelegramLimiter) complete(s *telegramSlot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s.pending, s.at = false, l.now()
	close(l.changed)
	l.changed = make(chan struct{})
}

// reserveLocked reserves a slot for a message to chat now if every limit
// allows it. Otherwise it returns how long until one frees (0 when only a
// message in flight can free it) and the channel that signals completions.
func (l *TelegramLimiter) reserveLocked(chat int64) (*telegramSlot, time.Duration, <-chan struct{}) {
	now := l.now()
	chatWindow := time.Second
	if chat < 0 {
		chatWindow = time.Minute
	}
	l.global = pruneSlots(l.global, now, time.Second)
	chatSlots := pruneSlots(l.chats[chat], now, chatWindow)
	if len(chatSlots) == 0 {
		delete(l.chats, chat)
	} else {
		l.chats[chat] = chatSlots
	}
	if len(l.chats) > 4096 {
		for id, slots := range l.chats {
			window := time.Second
			if id < 0 {
				window = time.Minute
			}
			if kept := pruneSlots(slots, now, window); len(kept) == 0 {
				delete(l.chats, id)
			} else {
				l.chats[id] = kept
			}
		}
	}

	var wait time.Duration
	blocked := false
	// full reports whether slots hold n messages within window, and when the
	// earliest completed one leaves it.
	full := func(slots []*telegramSlot, n int, window time.Duration) {
		if len(slots) < n {
			return
		}
		blocked = true
		var free time.Duration
		for _, s := range slots {
			if !s.pending {
				if d := s.at.Add(window).Sub(now); free == 0 || d < free {
					free = d
				}
			}
		}
		wait = max(wait, free)
	}
	// Per chat: the latest message, with no other in flight.
	if n := len(chatSlots); n > 0 {
		last := chatSlots[n-1]
		for _, s := range chatSlots {
			if s.pending {
				last = s
			}
		}
		if last.pending || now.Sub(last.at) < time.Second {
			full([]*telegramSlot{last}, TelegramChatMessagesPerSecond, time.Second)
		}
	}
	if chat < 0 {
		full(chatSlots, TelegramGroupMessagesPerMinute, time.Minute)
	}
	full(l.global, TelegramMessagesPerSecond, time.Second)
	if blocked {
		return nil, wait, l.changed
	}
	s := &telegramSlot{pending: true}
	l.global = append(l.global, s)
	l.chats[chat] = append(chatSlots, s)
	return s, 0, nil
}

// pruneSlots drops the completed slots that left the window.
func pruneSlots(slots []*telegramSlot, now time.Time, window time.Duration) []*telegramSlot {
	kept := slots[:0]
	for _, s := range slots {
		if s.pending || now.Sub(s.at) < window {
			kept = append(kept, s)
		}
	}
	clear(slots[len(kept):])
	return kept
}
