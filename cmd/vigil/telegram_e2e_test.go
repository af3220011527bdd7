package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

// chatEntry is one line of the dev chat page's transcript.
type chatEntry struct {
	Seq   int    `json:"seq"`
	From  string `json:"from"`
	Text  string `json:"text"`
	Photo bool   `json:"photo"`
}

// devChat talks to the local Bot API stand-in through serve's /dev/chat
// routes on the API port.
type devChat struct {
	t      *testing.T
	base   string
	chatID int64
}

func (c devChat) send(text string) {
	c.t.Helper()
	id := strconv.FormatInt(c.chatID, 10)
	resp, err := http.PostForm(c.base+"/dev/chat/send", url.Values{"chat_id": {id}, "user_id": {id}, "text": {text}})
	require.NoError(c.t, err)
	resp.Body.Close()
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "send %q", text)
}

// messages returns the transcript after position after (nil on a transient
// error, so it can be polled).
func (c devChat) messages(after int) []chatEntry {
	resp, err := http.Get(c.base + "/dev/chat/messages?chat_id=" + strconv.FormatInt(c.chatID, 10) + "&after=" + strconv.Itoa(after))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var m struct {
		Messages []chatEntry `json:"messages"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&m) != nil {
		return nil
	}
	return m.Messages
}

// botReplies returns the bot's messages after position after.
func (c devChat) botReplies(after int) []chatEntry {
	var out []chatEntry
	for _, e := range c.messages(after) {
		if e.From == "bot" {
			out = append(out, e)
		}
	}
	return out
}

// lastSeq is the transcript position of the last entry.
func (c devChat) lastSeq() int {
	last := 0
	for _, e := range c.messages(0) {
		last = max(last, e.Seq)
	}
	return last
}

// waitReply sends text and waits for a bot reply containing want; it returns
// the reply and the transcript position of the sent text.
func (c devChat) waitReply(text, want string) (chatEntry, int) {
	c.t.Helper()
	after := c.lastSeq()
	c.send(text)
	var got chatEntry
	require.Eventually(c.t, func() bool {
		for _, e := range c.botReplies(after) {
			if strings.Contains(e.Text, want) {
				got = e
				return true
			}
		}
		return false
	}, 60*time.Second, 100*time.Millisecond, "a bot reply to %q containing %q", text, want)
	return got, after
}

// The Telegram issue end to end: with no bot token, serve runs the bot and
// the notification channel on the local stand-in. A user registers, verifies
// with an invite from the CLI, creates an alert that always fires on the
// synthetic data, and receives its notification in the chat.
func TestTelegramEndToEnd(t *testing.T) {
	d := dbtest.NewEmpty(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	apiAddr, statusAddr := freePort(t), freePort(t)
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	for k, v := range map[string]string{"DATABASE_URL": d.URL, "SCHEDULER_STARTUP_DELAY": "0",
		"VIGIL_STATUS_ADDR": statusAddr, "VIGIL_API_ADDR": apiAddr, "SCHEDULER_SHUTDOWN_TIMEOUT": "5s"} {
		t.Setenv(k, v)
	}
	var errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, &bytes.Buffer{}, &errOut) }()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()

	chat := devChat{t: t, base: "http://" + apiAddr, chatID: 7001}
	require.Eventually(t, func() bool {
		resp, err := http.Get(chat.base + "/dev/chat/messages?chat_id=1")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "serve answers on /dev/chat")

	// /start registers a pending user.
	chat.waitReply("/start", "waiting for verification")
	var uid int64
	var status string
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT id, status FROM users WHERE telegram_user_id = $1", chat.chatID).Scan(&uid, &status))
	require.Equal(t, "pending", status)

	// An admin prints an invite; the user verifies with it.
	invite, inviteErr, code := vigil(ctx, t, nil, "users", "invite")
	require.Equal(t, 0, code, inviteErr)
	invite = strings.TrimSpace(invite)
	require.NotEmpty(t, invite)
	chat.waitReply("/verify "+invite, "You are verified")
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT status FROM users WHERE id = $1", uid).Scan(&status))
	require.Equal(t, "verified", status)

	// A report run now arrives as its text and one chart per symbol; a
	// screener run now as its table.
	// (The result may arrive before the bot's "started" reply: look from the
	// command on.)
	_, reportSent := chat.waitReply("/report daily AAPL MSFT charts", "Report run")
	require.Eventually(t, func() bool {
		text, photos := false, 0
		for _, e := range chat.botReplies(reportSent) {
			text = text || strings.HasPrefix(e.Text, "Daily summary")
			if e.Photo {
				photos++
			}
		}
		return text && photos == 2
	}, 60*time.Second, 200*time.Millisecond, "the daily summary and its two charts arrive")
	_, screenSent := chat.waitReply("/screener AAPL,MSFT,NVDA top 2", "Screener run")
	require.Eventually(t, func() bool {
		for _, e := range chat.botReplies(screenSent) {
			if strings.HasPrefix(e.Text, "Screener custom") && strings.Contains(e.Text, "top 2") {
				return true
			}
		}
		return false
	}, 60*time.Second, 200*time.Millisecond, "the screener's table arrives")

	// A backtest answers with its figures and its chart, from the same
	// market data as the workers.
	_, btSent := chat.waitReply("/backtest sma_cross AAPL 2025-01-01 2026-01-01", "Backtest of sma_cross")
	require.Eventually(t, func() bool {
		for _, e := range chat.botReplies(btSent) {
			if e.Photo && strings.HasPrefix(e.Text, "sma_cross on AAPL 1d: equity") {
				return true
			}
		}
		return false
	}, 60*time.Second, 200*time.Millisecond, "the backtest's chart arrives")

	// An alert that is always true on the synthetic data.
	created, _ := chat.waitReply("/alert AAPL > 0 1m", "Alert #")
	alertSeq := created.Seq

	// A command is handled once: one reply to one /alerts.
	listed, after := chat.waitReply("/alerts", "AAPL")
	time.Sleep(2 * time.Second) // room for a duplicate reply to show up
	var replies int
	for _, e := range chat.botReplies(after) {
		if e.Text == listed.Text { // alert notifications read differently
			replies++
		}
	}
	require.Equal(t, 1, replies, "exactly one reply to /alerts")

	// The alert fires at the next minute boundary and its notification is
	// delivered to the chat through the stand-in.
	var note string
	require.Eventually(t, func() bool {
		err := d.Pool.QueryRow(ctx, `SELECT message FROM notifications
			WHERE user_id = $1 AND channel = 'telegram' AND status = 'sent' AND notification_type = 'alert' ORDER BY id LIMIT 1`, uid).Scan(&note)
		return err == nil
	}, 150*time.Second, 250*time.Millisecond, "the alert's notification is sent on the telegram channel")
	require.Eventually(t, func() bool {
		for _, e := range chat.botReplies(alertSeq) {
			if strings.TrimSpace(e.Text) == strings.TrimSpace(note) {
				return true
			}
		}
		return false
	}, 30*time.Second, 200*time.Millisecond, "the notification %q arrives in the chat", note)

	cancel()
	stopped = true
	select {
	case code := <-done:
		require.Equal(t, 0, code, errOut.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
}
