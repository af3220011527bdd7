package telegramtest

import (
	"time"
)

// rateWindows holds the delivery times that the flood limits look at:
// sliding windows of one second overall and per chat, and of one minute per
// group. Only delivered messages count; refused ones do not.
type rateWindows struct {
	all   []time.Time           // deliveries in the last second, oldest first
	chats map[int64][]time.Time // per chat: the last second, or the last minute for groups
	swept time.Time             // when chats was last swept of idle entries
}

func newRateWindows() rateWindows {
	return rateWindows{chats: map[int64][]time.Time{}}
}

// chatWindow is how long deliveries to chat are kept: a minute for groups
// (negative ids), for their per-minute limit, else a second.
func chatWindow(chat int64) time.Duration {
	if chat < 0 {
		return time.Minute
	}
	return time.Second
}

// prune drops times at or before now-window from the front of ts.
func prune(ts []time.Time, now time.Time, window time.Duration) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= window {
		i++
	}
	return ts[i:]
}

// check returns 0 when a message to chat may be delivered at now, else the
// retry_after Telegram would give: whole seconds until every broken limit
// has room again, at least 1.
func (w *rateWindows) check(now time.Time, chat int64) int {
	w.all = prune(w.all, now, time.Second)
	ts := prune(w.chats[chat], now, chatWindow(chat))
	w.chats[chat] = ts
	var wait time.Duration
	// 1 message per second in a chat.
	const chatGap = time.Second / MaxChatMessagesPerSecond
	if n := len(ts); n > 0 && now.Sub(ts[n-1]) < chatGap {
		wait = max(wait, ts[n-1].Add(chatGap).Sub(now))
	}
	// 20 messages per minute in a group.
	if chat < 0 && len(ts) >= MaxGroupMessagesPerMinute {
		wait = max(wait, ts[len(ts)-MaxGroupMessagesPerMinute].Add(time.Minute).Sub(now))
	}
	// 30 messages per second overall.
	if len(w.all) >= MaxMessagesPerSecond {
		wait = max(wait, w.all[len(w.all)-MaxMessagesPerSecond].Add(time.Second).Sub(now))
	}
	if wait <= 0 {
		return 0
	}
	return int(max((wait+time.Second-1)/time.Second, 1))
}

// record counts a delivery to chat at now.
func (w *rateWindows) record(now time.Time, chat int64) {
	w.all = append(w.all, now)
	w.chats[chat] = append(w.chats[chat], now)
	if now.Sub(w.swept) >= time.Minute {
		for id, ts := range w.chats {
			if len(prune(ts, now, chatWindow(id))) == 0 {
				delete(w.chats, id)
			}
		}
		w.swept = now
	}
}
