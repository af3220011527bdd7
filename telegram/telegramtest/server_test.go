package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for the limit windows.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testBundle struct {
	srv   *Server
	clock *fakeClock
}

// setup starts a stand-in on a fake clock.
func setup(t *testing.T, opts Options) *testBundle {
	t.Helper()
	b := &testBundle{clock: newFakeClock()}
	if opts.Now == nil {
		opts.Now = b.clock.Now
	}
	b.srv = New(opts)
	t.Cleanup(b.srv.Close)
	return b
}

// reply is the Bot API reply envelope as a client sees it.
type reply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func (b *testBundle) call(t *testing.T, method string, form url.Values) (int, reply) {
	t.Helper()
	return b.callToken(t, b.srv.Token(), method, form)
}

func (b *testBundle) callToken(t *testing.T, token, method string, form url.Values) (int, reply) {
	t.Helper()
	resp, err := http.PostForm(b.srv.URL()+"/bot"+token+"/"+method, form)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var r reply
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	return resp.StatusCode, r
}

func (b *testBundle) send(t *testing.T, chatID int64, text string) (int, reply) {
	t.Helper()
	return b.call(t, "sendMessage", url.Values{"chat_id": {strconv.FormatInt(chatID, 10)}, "text": {text}})
}

func requireOK(t *testing.T, status int, r reply) {
	t.Helper()
	require.Equal(t, http.StatusOK, status, r.Description)
	require.True(t, r.OK, r.Description)
}

func requireError(t *testing.T, status int, r reply, code int, description string) {
	t.Helper()
	require.False(t, r.OK)
	require.Equal(t, code, status)
	require.Equal(t, code, r.ErrorCode)
	require.Equal(t, description, r.Description)
}

func requireTooMany(t *testing.T, status int, r reply, retryAfter int) {
	t.Helper()
	requireError(t, status, r, http.StatusTooManyRequests, "Too Many Requests: retry after "+strconv.Itoa(retryAfter))
	require.NotNil(t, r.Parameters)
	require.Equal(t, retryAfter, r.Parameters.RetryAfter)
}

func TestGetMeAndRouting(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	status, r := b.call(t, "getMe", nil)
	requireOK(t, status, r)
	var me struct {
		ID       int64  `json:"id"`
		IsBot    bool   `json:"is_bot"`
		Username string `json:"username"`
	}
	require.NoError(t, json.Unmarshal(r.Result, &me))
	require.Equal(t, int64(123456789), me.ID)
	require.True(t, me.IsBot)
	require.Equal(t, DefaultUsername, me.Username)

	status, r = b.call(t, "GETME", nil) // method names are case-insensitive
	requireOK(t, status, r)

	status, r = b.callToken(t, "123456789:wrong", "getMe", nil)
	requireError(t, status, r, http.StatusUnauthorized, "Unauthorized")

	status, r = b.call(t, "sendDice", nil)
	requireError(t, status, r, http.StatusNotFound, "Not Found")

	status, r = b.call(t, "deleteWebhook", nil)
	requireOK(t, status, r)
	require.JSONEq(t, "true", string(r.Result))
}

func TestSendMessageRecordsDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	status, r := b.call(t, "sendMessage", url.Values{"chat_id": {"42"}, "text": {"<b>BTC</b> &gt; 100k"}, "parse_mode": {"HTML"}})
	requireOK(t, status, r)
	var msg struct {
		MessageID int    `json:"message_id"`
		Text      string `json:"text"`
		Chat      struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
	}
	require.NoError(t, json.Unmarshal(r.Result, &msg))
	require.Equal(t, int64(42), msg.Chat.ID)
	require.Equal(t, "private", msg.Chat.Type)
	require.Equal(t, "BTC > 100k", msg.Text)

	got := b.srv.Messages(42)
	require.Len(t, got, 1)
	require.Equal(t, msg.MessageID, got[0].MessageID)
	require.Equal(t, "sendMessage", got[0].Method)
	require.Equal(t, "<b>BTC</b> &gt; 100k", got[0].Text)
	require.Equal(t, "BTC > 100k", got[0].Plain)
	require.Equal(t, "HTML", got[0].ParseMode)
	require.Equal(t, b.clock.Now(), got[0].Time)
	require.Empty(t, b.srv.Messages(43))
	require.Len(t, b.srv.AllMessages(), 1)

	status, r = b.call(t, "sendMessage", url.Values{"text": {"x"}})
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: chat_id is empty")
	status, r = b.call(t, "sendMessage", url.Values{"chat_id": {"@somechannel"}, "text": {"x"}})
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: chat not found")
}

func TestSendMessageJSONBody(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	body := `{"chat_id": 7, "text": "hello", "disable_notification": true}`
	resp, err := http.Post(b.srv.URL()+"/bot"+b.srv.Token()+"/sendMessage", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "hello", b.srv.Messages(7)[0].Text)
	require.True(t, b.srv.Messages(7)[0].DisableNotification)
	require.Nil(t, b.srv.Messages(7)[0].ReplyMarkup)
}

// reply_markup and disable_notification are recorded as sent, so tests can
// assert a keyboard and silent delivery; markup that is not a keyboard is
// refused as Telegram does.
func TestSendMessageReplyOptions(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{NoLimits: true})
	kb := `{"inline_keyboard":[[{"text":"Pause","callback_data":"pause:1"}]]}`
	status, r := b.call(t, "sendMessage", url.Values{"chat_id": {"8"}, "text": {"pick"}, "reply_markup": {kb}, "disable_notification": {"true"}})
	requireOK(t, status, r)
	status, r = b.call(t, "sendMessage", url.Values{"chat_id": {"8"}, "text": {"plain"}})
	requireOK(t, status, r)
	got := b.srv.Messages(8)
	require.Len(t, got, 2)
	require.JSONEq(t, kb, string(got[0].ReplyMarkup))
	require.True(t, got[0].DisableNotification)
	require.Nil(t, got[1].ReplyMarkup)
	require.False(t, got[1].DisableNotification)

	for _, bad := range []string{"{not json", `{"text":"x"}`, `[1]`} {
		status, r = b.call(t, "sendMessage", url.Values{"chat_id": {"8"}, "text": {"x"}, "reply_markup": {bad}})
		requireError(t, status, r, http.StatusBadRequest, "Bad Request: can't parse reply keyboard markup JSON object")
	}
	require.Len(t, b.srv.Messages(8), 2, "nothing delivered with bad markup")
}

// The Bots FAQ: "avoid sending more than one message per second" in a chat.
func TestLimitPerChat(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	status, r := b.send(t, 1, "first")
	requireOK(t, status, r)
	b.clock.Advance(500 * time.Millisecond)
	status, r = b.send(t, 1, "second within a second")
	requireTooMany(t, status, r, 1)
	require.Equal(t, 1, b.srv.Violations())

	status, r = b.send(t, 2, "another chat is fine")
	requireOK(t, status, r)

	b.clock.Advance(500 * time.Millisecond) // one second after the first
	status, r = b.send(t, 1, "second after the window")
	requireOK(t, status, r)
	require.Len(t, b.srv.Messages(1), 2, "the refused message is not delivered")
	require.Equal(t, 1, b.srv.Violations())
}

// The Bots FAQ: "the API will not allow more than 30 messages per second or so".
func TestLimitOverall(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	for i := range MaxMessagesPerSecond {
		status, r := b.send(t, int64(100+i), "burst")
		requireOK(t, status, r)
		b.clock.Advance(10 * time.Millisecond)
	}
	status, r := b.send(t, 999, "31st within a second")
	requireTooMany(t, status, r, 1)
	require.Equal(t, 1, b.srv.Violations())

	b.clock.Advance(700 * time.Millisecond) // the first left the window
	status, r = b.send(t, 999, "31st after the window")
	requireOK(t, status, r)
	status, r = b.send(t, 998, "32nd: the second is still in the window")
	requireTooMany(t, status, r, 1)
}

// The Bots FAQ: "your bot will not be able to send more than 20 messages per
// minute to the same group".
func TestLimitPerGroup(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	const group = -100

	status, r := b.send(t, group, "first")
	requireOK(t, status, r)
	status, r = b.send(t, group, "second at once")
	requireTooMany(t, status, r, 1) // groups are chats too: 1 per second

	for range MaxGroupMessagesPerMinute - 1 {
		b.clock.Advance(time.Second)
		status, r = b.send(t, group, "paced")
		requireOK(t, status, r)
	}
	b.clock.Advance(time.Second) // 20 s after the first
	status, r = b.send(t, group, "21st within a minute")
	requireTooMany(t, status, r, 40)

	status, r = b.send(t, 5, "a private chat is not limited per minute")
	requireOK(t, status, r)

	b.clock.Advance(40 * time.Second) // a minute after the first
	status, r = b.send(t, group, "21st after the window")
	requireOK(t, status, r)
	require.Equal(t, 2, b.srv.Violations())
	require.Len(t, b.srv.Messages(group), 21)
}

func TestLimitRealClock(t *testing.T) {
	t.Parallel()
	srv := New(Options{})
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv}

	status, r := b.send(t, 1, "now")
	requireOK(t, status, r)
	status, r = b.send(t, 1, "at once")
	requireTooMany(t, status, r, 1)
	time.Sleep(time.Second)
	status, r = b.send(t, 1, "a second later")
	requireOK(t, status, r)
}

func TestNoLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{NoLimits: true})
	for range 40 {
		status, r := b.send(t, -5, "x")
		requireOK(t, status, r)
	}
	require.Zero(t, b.srv.Violations())
}

func TestTextLength(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{NoLimits: true})

	tests := []struct {
		name, text, mode, want string
	}{
		{name: "4096 ASCII", text: strings.Repeat("a", 4096)},
		{name: "4097 ASCII", text: strings.Repeat("a", 4097), want: "Bad Request: message is too long"},
		{name: "4096 Cyrillic", text: strings.Repeat("ж", 4096)},
		{name: "2048 emoji are 4096 UTF-16 units", text: strings.Repeat("🚀", 2048)},
		{name: "2049 emoji", text: strings.Repeat("🚀", 2048) + "🚀", want: "Bad Request: message is too long"},
		{name: "counted after entity parsing", text: "<b>" + strings.Repeat("&lt;", 4096) + "</b>", mode: "HTML"},
		{name: "empty", text: "", want: "Bad Request: message text is empty"},
		{name: "blank", text: " \n ", want: "Bad Request: message text is empty"},
		{name: "empty after parsing", text: "<b></b>", mode: "HTML", want: "Bad Request: message text is empty"},
		{name: "not UTF-8", text: "ab\xff", want: "Bad Request: message text must be encoded in UTF-8"},
		{name: "unknown parse mode", text: "x", mode: "HTML5", want: "Bad Request: unsupported parse_mode"},
		{name: "parse mode any case", text: "<i>x</i>", mode: "html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, r := b.call(t, "sendMessage", url.Values{"chat_id": {"1"}, "text": {tt.text}, "parse_mode": {tt.mode}})
			if tt.want == "" {
				requireOK(t, status, r)
				return
			}
			requireError(t, status, r, http.StatusBadRequest, tt.want)
		})
	}
}

func TestEntityErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{NoLimits: true})

	tests := []struct {
		text, mode, want string
	}{
		{"<b>BTC crossed 100k", "HTML", `Can't find end tag corresponding to start tag "b"`},
		{"price < 100", "HTML", `Unsupported start tag "" at byte offset 6`},
		{"<p>hi</p>", "HTML", `Unsupported start tag "p" at byte offset 0`},
		{"<b>x</i>", "HTML", `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{"x</b>", "HTML", "Unexpected end tag at byte offset 1"},
		{"RSI 71.5", "MarkdownV2", `Character '.' is reserved and must be escaped with the preceding '\'`},
		{"*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"},
		{"*bold", "Markdown", "Can't find end of the entity starting at byte offset 0"},
	}
	for _, tt := range tests {
		status, r := b.call(t, "sendMessage", url.Values{"chat_id": {"1"}, "text": {tt.text}, "parse_mode": {tt.mode}})
		requireError(t, status, r, http.StatusBadRequest, "Bad Request: can't parse entities: "+tt.want)
	}
	require.Empty(t, b.srv.AllMessages())
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func (b *testBundle) sendPhoto(t *testing.T, fields map[string]string, photo []byte) (int, reply) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if photo != nil {
		fw, err := mw.CreateFormFile("photo", "chart.png")
		require.NoError(t, err)
		_, err = fw.Write(photo)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	resp, err := http.Post(b.srv.URL()+"/bot"+b.srv.Token()+"/sendPhoto", mw.FormDataContentType(), &body)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var r reply
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	return resp.StatusCode, r
}

func TestSendPhoto(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{NoLimits: true})
	img := pngBytes(t, 64, 48)

	status, r := b.sendPhoto(t, map[string]string{"chat_id": "9", "caption": "<b>BTC</b> 1h", "parse_mode": "HTML"}, img)
	requireOK(t, status, r)
	var msg struct {
		Caption string `json:"caption"`
		Photo   []struct {
			Width  int `json:"width"`
			Height int `json:"height"`
		} `json:"photo"`
	}
	require.NoError(t, json.Unmarshal(r.Result, &msg))
	require.Equal(t, "BTC 1h", msg.Caption)
	require.Equal(t, 64, msg.Photo[0].Width)
	require.Equal(t, 48, msg.Photo[0].Height)
	got := b.srv.Messages(9)
	require.Len(t, got, 1)
	require.Equal(t, "sendPhoto", got[0].Method)
	require.Equal(t, img, got[0].Photo)

	status, r = b.sendPhoto(t, map[string]string{"chat_id": "9", "caption": strings.Repeat("c", 1025)}, img)
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: message caption is too long")
	status, r = b.sendPhoto(t, map[string]string{"chat_id": "9"}, []byte("not an image"))
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: IMAGE_PROCESS_FAILED")
	status, r = b.sendPhoto(t, map[string]string{"chat_id": "9"}, nil)
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: there is no photo in the request")
}

func TestFaults(t *testing.T) {
	t.Parallel()

	t.Run("TooManyRequests", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.srv.Inject(Fault{Kind: TooManyRequests, RetryAfter: 7})
		status, r := b.send(t, 1, "x")
		requireTooMany(t, status, r, 7)
		require.Zero(t, b.srv.Violations(), "an injected 429 is not a violation")
		status, r = b.send(t, 1, "x")
		requireOK(t, status, r)
	})
	t.Run("BotBlocked", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.srv.Inject(Fault{Kind: BotBlocked, ChatID: 2, Times: -1})
		for range 2 {
			status, r := b.send(t, 2, "x")
			requireError(t, status, r, http.StatusForbidden, "Forbidden: bot was blocked by the user")
		}
		status, r := b.send(t, 3, "other chats are fine")
		requireOK(t, status, r)
		b.srv.ClearFaults()
		status, r = b.send(t, 2, "unblocked")
		requireOK(t, status, r)
	})
	t.Run("ChatNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.srv.Inject(Fault{Kind: ChatNotFound})
		status, r := b.send(t, 4, "x")
		requireError(t, status, r, http.StatusBadRequest, "Bad Request: chat not found")
		require.Empty(t, b.srv.Messages(4))
	})
	t.Run("ServerError", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.srv.Inject(Fault{Kind: ServerError})
		status, r := b.send(t, 1, "x")
		requireError(t, status, r, http.StatusInternalServerError, "Internal Server Error")

		b.srv.Inject(Fault{Kind: ServerError, Status: http.StatusBadGateway})
		resp, err := http.PostForm(b.srv.URL()+"/bot"+b.srv.Token()+"/sendMessage", url.Values{"chat_id": {"1"}, "text": {"x"}})
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusBadGateway, resp.StatusCode)
		require.Contains(t, string(body), "<title>502 Bad Gateway</title>")
		require.Empty(t, b.srv.AllMessages())
	})
	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.srv.Inject(Fault{Kind: Timeout})
		client := &http.Client{Timeout: 200 * time.Millisecond}
		_, err := client.PostForm(b.srv.URL()+"/bot"+b.srv.Token()+"/sendMessage", url.Values{"chat_id": {"1"}, "text": {"x"}})
		require.Error(t, err)
		require.Empty(t, b.srv.AllMessages())
	})
	t.Run("DropReply", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.srv.Inject(Fault{Kind: DropReply})
		_, err := http.PostForm(b.srv.URL()+"/bot"+b.srv.Token()+"/sendMessage", url.Values{"chat_id": {"1"}, "text": {"x"}})
		require.Error(t, err, "the client gets no reply")
		require.Len(t, b.srv.Messages(1), 1, "but the message was delivered")
	})
	t.Run("Method", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.srv.Inject(Fault{Kind: ServerError, Method: "getupdates"})
		status, r := b.send(t, 1, "sending is not affected")
		requireOK(t, status, r)
		status, r = b.call(t, "getUpdates", nil)
		requireError(t, status, r, http.StatusInternalServerError, "Internal Server Error")
		status, r = b.call(t, "getUpdates", nil)
		requireOK(t, status, r)
	})
	t.Run("UnknownKindPanics", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		require.Panics(t, func() { b.srv.Inject(Fault{}) })
	})
}

type update struct {
	UpdateID int `json:"update_id"`
	Message  *struct {
		Text string `json:"text"`
		From struct {
			ID int64 `json:"id"`
		} `json:"from"`
		Chat struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		Entities []struct {
			Type   string `json:"type"`
			Offset int    `json:"offset"`
			Length int    `json:"length"`
		} `json:"entities"`
	} `json:"message"`
	CallbackQuery *struct {
		ID   string `json:"id"`
		Data string `json:"data"`
	} `json:"callback_query"`
}

func (b *testBundle) getUpdates(t *testing.T, offset, timeout int) []update {
	t.Helper()
	status, r := b.call(t, "getUpdates", url.Values{"offset": {strconv.Itoa(offset)}, "timeout": {strconv.Itoa(timeout)}})
	requireOK(t, status, r)
	var ups []update
	require.NoError(t, json.Unmarshal(r.Result, &ups))
	return ups
}

func ids(ups []update) []int {
	out := []int{}
	for _, u := range ups {
		out = append(out, u.UpdateID)
	}
	return out
}

func TestGetUpdatesOffset(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	require.Equal(t, 1, b.srv.SendUpdate(1001, 1001, "/start"))
	require.Equal(t, 2, b.srv.SendUpdate(1001, 1001, "/alerts list"))
	require.Equal(t, 3, b.srv.SendUpdate(-55, 1002, "hello group"))

	ups := b.getUpdates(t, 0, 0)
	require.Equal(t, []int{1, 2, 3}, ids(ups))
	m := ups[0].Message
	require.Equal(t, "/start", m.Text)
	require.Equal(t, int64(1001), m.From.ID)
	require.Equal(t, int64(1001), m.Chat.ID)
	require.Equal(t, "private", m.Chat.Type)
	require.Len(t, m.Entities, 1)
	require.Equal(t, "bot_command", m.Entities[0].Type)
	require.Equal(t, 6, m.Entities[0].Length)
	require.Equal(t, 7, ups[1].Message.Entities[0].Length, "/alerts")
	require.Equal(t, "group", ups[2].Message.Chat.Type)
	require.Empty(t, ups[2].Message.Entities)

	require.Equal(t, []int{1, 2, 3}, ids(b.getUpdates(t, 0, 0)), "unconfirmed updates are returned again")
	require.Equal(t, []int{3}, ids(b.getUpdates(t, 3, 0)), "offset 3 confirms 1 and 2")
	require.Equal(t, []int{3}, ids(b.getUpdates(t, 0, 0)), "confirmed updates are forgotten")
	require.Equal(t, 1, b.srv.PendingUpdates())
	require.Empty(t, b.getUpdates(t, 4, 0))
	require.Zero(t, b.srv.PendingUpdates())

	for range 3 {
		b.srv.SendUpdate(1001, 1001, "x")
	}
	require.Equal(t, []int{6}, ids(b.getUpdates(t, -1, 0)), "a negative offset keeps the last updates")
	require.Equal(t, []int{6}, ids(b.getUpdates(t, 0, 0)), "and forgets the others")
}

func TestGetUpdatesLongPoll(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	// A long poll returns when an update arrives. The context only keeps a
	// broken long poll (one waiting its full 60 s) from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan []update, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL()+"/bot"+b.srv.Token()+"/getUpdates",
			strings.NewReader("offset=0&timeout=60"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- nil
			return
		}
		defer func() { _ = resp.Body.Close() }()
		var r struct {
			Result []update `json:"result"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&r)
		done <- r.Result
	}()
	time.Sleep(100 * time.Millisecond)
	b.srv.SendUpdate(7, 7, "/help")
	ups := <-done
	require.Len(t, ups, 1, "the long poll returned with the update")
	require.Equal(t, "/help", ups[0].Message.Text)

	// With nothing queued it returns an empty list after the timeout.
	require.Empty(t, b.getUpdates(t, 2, 1))
}

func TestGetUpdatesConflict(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	first := make(chan reply, 1)
	go func() {
		resp, err := http.PostForm(b.srv.URL()+"/bot"+b.srv.Token()+"/getUpdates", url.Values{"timeout": {"30"}})
		if err != nil {
			first <- reply{}
			return
		}
		defer func() { _ = resp.Body.Close() }()
		var r reply
		_ = json.NewDecoder(resp.Body).Decode(&r)
		first <- r
	}()
	// The second poll must start after the first; retry until the first
	// has been ended by one.
	var r reply
	for {
		b.getUpdates(t, 0, 0)
		select {
		case r = <-first:
		case <-time.After(50 * time.Millisecond):
			continue
		}
		break
	}
	require.Equal(t, http.StatusConflict, r.ErrorCode)
	require.Equal(t, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", r.Description)
}

func TestCommandsAndCallbacks(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	status, r := b.call(t, "setMyCommands", url.Values{"commands": {`[{"command":"start","description":"Start"},{"command":"alerts","description":"List alerts"}]`}})
	requireOK(t, status, r)
	require.Equal(t, []BotCommand{{"start", "Start"}, {"alerts", "List alerts"}}, b.srv.Commands())
	status, r = b.call(t, "getMyCommands", nil)
	requireOK(t, status, r)
	require.JSONEq(t, `[{"command":"start","description":"Start"},{"command":"alerts","description":"List alerts"}]`, string(r.Result))
	status, r = b.call(t, "setMyCommands", url.Values{"commands": {`[{"command":"Start","description":"x"}]`}})
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: BOT_COMMAND_INVALID")

	id := b.srv.SendCallbackQuery(1001, 1001, 5, "alert:42:pause")
	ups := b.getUpdates(t, 0, 0)
	require.Len(t, ups, 1)
	require.Equal(t, id, ups[0].CallbackQuery.ID)
	require.Equal(t, "alert:42:pause", ups[0].CallbackQuery.Data)

	status, r = b.call(t, "answerCallbackQuery", url.Values{"callback_query_id": {id}, "text": {"Paused"}})
	requireOK(t, status, r)
	require.Equal(t, []CallbackAnswer{{CallbackQueryID: id, Text: "Paused"}}, b.srv.CallbackAnswers())
	status, r = b.call(t, "answerCallbackQuery", url.Values{"callback_query_id": {id}})
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: query is too old and response timeout expired or query ID is invalid")
}

func TestKnownChatsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{KnownChatsOnly: true})
	status, r := b.send(t, 1001, "before /start")
	requireError(t, status, r, http.StatusBadRequest, "Bad Request: chat not found")
	b.srv.SendUpdate(1001, 1001, "/start")
	status, r = b.send(t, 1001, "after /start")
	requireOK(t, status, r)
}

// go-telegram-bot-api, the client vigil uses, works against the stand-in.
func TestClientLibraryRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(b.srv.Token(), b.srv.Endpoint())
	require.NoError(t, err)
	require.Equal(t, DefaultUsername, bot.Self.UserName)

	b.srv.SendUpdate(1001, 1001, "/start now")
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: 0, Timeout: 0})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	require.True(t, ups[0].Message.IsCommand())
	require.Equal(t, "start", ups[0].Message.Command())
	require.Equal(t, "now", ups[0].Message.CommandArguments())

	sent, err := bot.Send(tgbotapi.NewMessage(1001, "Welcome"))
	require.NoError(t, err)
	require.Equal(t, "Welcome", sent.Text)

	b.clock.Advance(time.Second)

	_, err = bot.Send(tgbotapi.NewPhoto(1001, tgbotapi.FileBytes{Name: "c.png", Bytes: pngBytes(t, 8, 8)}))
	require.NoError(t, err)

	_, err = bot.Send(tgbotapi.NewMessage(1001, "too soon"))
	var apiErr *tgbotapi.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 429, apiErr.Code)
	require.Equal(t, 1, apiErr.RetryAfter)

	_, err = bot.Request(tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "Help"}))
	require.NoError(t, err)
	require.Equal(t, []BotCommand{{"help", "Help"}}, b.srv.Commands())
}

func TestChatPage(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{NoLimits: true})
	page := b.srv.URL() + "/dev/chat"

	resp, err := http.Get(page)
	require.NoError(t, err)
	html, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(html), "<script>")
	require.NotContains(t, string(html), "src=\"http", "no external assets")

	resp, err = http.PostForm(page+"/send", url.Values{"chat_id": {"1001"}, "user_id": {"1001"}, "text": {"/start"}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ups := b.getUpdates(t, 0, 0)
	require.Len(t, ups, 1)
	require.Equal(t, "/start", ups[0].Message.Text)

	status, r := b.call(t, "sendMessage", url.Values{"chat_id": {"1001"}, "text": {"<b>Hi</b>"}, "parse_mode": {"HTML"},
		"reply_markup":         {`{"inline_keyboard":[[{"text":"Pause","callback_data":"p"},{"text":"Delete","callback_data":"d"}],[{"text":"Docs","url":"https://example.com"}]]}`},
		"disable_notification": {"true"}})
	requireOK(t, status, r)
	status, _ = b.sendPhoto(t, map[string]string{"chat_id": "1001"}, pngBytes(t, 4, 4))
	require.Equal(t, http.StatusOK, status)
	b.send(t, 2002, "another chat")

	var transcript struct {
		Messages []chatEntry `json:"messages"`
	}
	resp, err = http.Get(page + "/messages?chat_id=1001&after=0")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&transcript))
	_ = resp.Body.Close()
	require.Len(t, transcript.Messages, 3)
	require.Equal(t, "user", transcript.Messages[0].From)
	require.Equal(t, "/start", transcript.Messages[0].Text)
	require.Equal(t, "bot", transcript.Messages[1].From)
	require.Equal(t, "Hi", transcript.Messages[1].Text)
	require.Equal(t, [][]string{{"Pause", "Delete"}, {"Docs"}}, transcript.Messages[1].Buttons, "the keyboard is shown")
	require.True(t, transcript.Messages[1].Silent)
	require.Nil(t, transcript.Messages[2].Buttons)
	require.True(t, transcript.Messages[2].Photo)

	resp, err = http.Get(page + "/messages?chat_id=1001&after=" + strconv.Itoa(transcript.Messages[1].Seq))
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&transcript))
	_ = resp.Body.Close()
	require.Len(t, transcript.Messages, 1, "only what came after")

	resp, err = http.Get(page + "/photo?message_id=" + strconv.Itoa(transcript.Messages[0].MessageID))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
}

// A stand-in started with FirstUpdateID continues the update ids there, so
// a bot whose stored offset outlived an earlier stand-in sees every update.
func TestFirstUpdateID(t *testing.T) {
	t.Parallel()
	s := New(Options{FirstUpdateID: 42})
	t.Cleanup(s.Close)
	require.Equal(t, 42, s.SendUpdate(7, 7, "/start"))
	require.Equal(t, 43, s.SendUpdate(7, 7, "/help"))
	fresh := New(Options{})
	t.Cleanup(fresh.Close)
	require.Equal(t, 1, fresh.SendUpdate(7, 7, "/start"))
}
