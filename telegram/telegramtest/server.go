// Package telegramtest is a local stand-in for the Telegram Bot API, for
// tests and for running vigil without a bot token.
//
// It speaks the Bot API's HTTP shape (<base>/bot<token>/<method>, form, JSON
// or multipart parameters, {"ok":true,"result":...} and {"ok":false,
// "error_code":...,"description":...,"parameters":{...}} replies with the
// HTTP status equal to error_code) for the methods vigil uses: getMe,
// getUpdates (long polling with offset and timeout), sendMessage, sendPhoto,
// setMyCommands, getMyCommands, setWebhook, deleteWebhook, getWebhookInfo
// and answerCallbackQuery. With a webhook set it POSTs the updates to it
// instead, retrying until it answers 2xx (see webhook.go).
// Method names are case-insensitive, as in the Bot API.
//
// It enforces what Telegram documents, with Telegram's error texts:
//
//   - the flood limits of the Bots FAQ ("My bot is hitting limits"): about 30
//     messages per second overall, 1 per second in one chat, 20 per minute in
//     one group (a chat with a negative id). A message over a limit is refused
//     with 429 "Too Many Requests: retry after N" and parameters.retry_after N
//     (the seconds until the window frees) and counted in Violations;
//   - message text of 1-4096 UTF-16 code units after entity parsing ("Bad
//     Request: message is too long", "Bad Request: message text is empty"),
//     captions of at most 1024 ("Bad Request: message caption is too long");
//   - parse_mode HTML, MarkdownV2 and Markdown markup, refused with "Bad
//     Request: can't parse entities: ..." and the parser's message (tdlib's).
//
// Failures can be injected with Inject: 429 with retry_after, 403 "Forbidden:
// bot was blocked by the user", 400 "Bad Request: chat not found", 5xx, a
// request that never gets an answer, and a reply dropped after the message
// was delivered (what makes at-least-once delivery send duplicates).
//
// Every delivered message is recorded (Messages). Tests and people act as
// users with SendUpdate, which queues a message update for getUpdates; the
// page served by ChatPage does that from a browser.
//
// The package imports no vigil package and no Telegram client library: it
// tests the client, so it must not share its assumptions.
package telegramtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultToken is the bot token when Options.Token is empty. It has the
// <bot id>:<secret> form that @BotFather gives and config validation wants.
const DefaultToken = "123456789:TEST-telegramtest-token"

// DefaultUsername is the bot's username when Options.Username is empty.
const DefaultUsername = "vigil_test_bot"

// Telegram's documented limits, as the stand-in enforces them.
const (
	MaxMessagesPerSecond      = 30   // all chats together
	MaxChatMessagesPerSecond  = 1    // one chat
	MaxGroupMessagesPerMinute = 20   // one group chat (negative id)
	MaxTextLength             = 4096 // UTF-16 code units after entity parsing
	MaxCaptionLength          = 1024 // UTF-16 code units after entity parsing
)

// Options configure a Server. The zero value is ready to use.
type Options struct {
	// Token is the bot token requests must carry; "" means DefaultToken.
	// Requests with another token get 401 Unauthorized.
	Token string
	// Username is the bot's username in getMe; "" means DefaultUsername.
	Username string
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8081"; ""
	// means a free port on 127.0.0.1.
	Addr string
	// Now is the clock of the limit windows and message dates; nil means
	// time.Now. Long polls always wait in real time.
	Now func() time.Time
	// NoLimits turns the flood limits off.
	NoLimits bool
	// KnownChatsOnly makes sending to a chat that never sent the bot an
	// update fail with "Bad Request: chat not found", as Telegram does for
	// users who never pressed Start.
	KnownChatsOnly bool
	// FirstUpdateID is the update_id of the first update (0 means 1). A
	// stand-in restarted under a bot that stored its offset must continue
	// past it, as Telegram's ids do, or the bot skips the new updates.
	FirstUpdateID int
	// WebhookRetryDelay is the wait before delivering an update to the
	// webhook again after a failed attempt, doubled after each failure up
	// to 32 times it; 0 means DefaultWebhookRetryDelay.
	WebhookRetryDelay time.Duration
	// WebhookTimeout is how long a delivery waits for the webhook's
	// answer; 0 means DefaultWebhookTimeout.
	WebhookTimeout time.Duration
}

// Message is a message the bot delivered, as the stand-in recorded it.
type Message struct {
	MessageID int
	ChatID    int64
	Method    string // "sendMessage" or "sendPhoto"
	Text      string // text or caption as sent, markup included
	Plain     string // what the user sees: Text after entity parsing
	ParseMode string // as sent; "" for plain text
	Photo     []byte // the uploaded photo (sendPhoto), nil otherwise
	// ReplyMarkup is reply_markup as sent (a keyboard's JSON), nil for none.
	ReplyMarkup json.RawMessage
	// DisableNotification is disable_notification: delivered silently.
	DisableNotification bool
	Time                time.Time
}

// BotCommand is one command set with setMyCommands.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CallbackAnswer is an answerCallbackQuery the bot made.
type CallbackAnswer struct {
	CallbackQueryID string
	Text            string
	ShowAlert       bool
}

// Server is the stand-in. Its methods are safe for concurrent use.
type Server struct {
	token     string
	botID     int64
	username  string
	now       func() time.Time
	noLimits  bool
	knownOnly bool

	httpServer *httptest.Server
	closed     chan struct{}
	closeOnce  sync.Once

	mu             sync.Mutex
	seq            int // orders the chat transcript
	nextMessageID  int
	nextUpdateID   int
	nextCallbackID int
	updates        []wireUpdate  // queued and not yet confirmed by an offset
	updateAdded    chan struct{} // closed (and replaced) when an update is queued
	pollKick       chan struct{} // closed (and replaced) when a new getUpdates starts
	messages       []Message
	botSeqs        []int // transcript position of each message
	userMessages   []userMessage
	known          map[int64]bool
	limits         rateWindows
	violations     int
	faults         []*Fault
	commands       []BotCommand
	answers        []CallbackAnswer
	callbacks      map[string]bool // unanswered callback query ids
	hook           webhookState
	webhookRetry   time.Duration
	webhookTimeout time.Duration
}

// userMessage is a message a user sent through SendUpdate, kept for the
// chat page's transcript.
type userMessage struct {
	seq    int
	chatID int64
	userID int64
	text   string
	time   time.Time
}

// New starts a stand-in listening on opts.Addr (or a free local port). Like
// httptest.NewServer it panics if it cannot listen. Close it when done.
func New(opts Options) *Server {
	s := newServer(opts)
	s.httpServer = httptest.NewUnstartedServer(s.Handler())
	if opts.Addr != "" {
		ln, err := net.Listen("tcp", opts.Addr)
		if err != nil {
			panic(fmt.Sprintf("telegramtest: listen on %s: %v", opts.Addr, err))
		}
		_ = s.httpServer.Listener.Close()
		s.httpServer.Listener = ln
	}
	s.httpServer.Start()
	go s.deliverWebhooks()
	return s
}

func newServer(opts Options) *Server {
	token := opts.Token
	if token == "" {
		token = DefaultToken
	}
	botID, _ := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	if botID <= 0 {
		botID = 123456789
	}
	username := opts.Username
	if username == "" {
		username = DefaultUsername
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Server{
		token: token, botID: botID, username: username, now: now,
		noLimits: opts.NoLimits, knownOnly: opts.KnownChatsOnly,
		closed:        make(chan struct{}),
		nextMessageID: 1, nextUpdateID: max(opts.FirstUpdateID, 1), nextCallbackID: 1,
		updateAdded:    make(chan struct{}),
		pollKick:       make(chan struct{}),
		known:          map[int64]bool{},
		limits:         newRateWindows(),
		callbacks:      map[string]bool{},
		hook:           webhookState{changed: make(chan struct{})},
		webhookRetry:   cmp.Or(opts.WebhookRetryDelay, DefaultWebhookRetryDelay),
		webhookTimeout: cmp.Or(opts.WebhookTimeout, DefaultWebhookTimeout),
	}
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234". The Bot API
// lives under URL()+"/bot<token>/<method>"; go-telegram-bot-api takes the
// endpoint URL()+"/bot%s/%s".
func (s *Server) URL() string { return s.httpServer.URL }

// Endpoint is the go-telegram-bot-api endpoint format for this server:
// URL()+"/bot%s/%s".
func (s *Server) Endpoint() string { return s.URL() + "/bot%s/%s" }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Close ends pending long polls and held requests, then stops the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.httpServer.Close()
}

// Handler serves the Bot API under /bot<token>/<method> and the chat page
// under /dev/chat. New serves it; mount it elsewhere to share a listener.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.serveAPI)
	chat := s.ChatPage()
	mux.Handle("/dev/chat", chat)
	mux.Handle("/dev/chat/", chat)
	return mux
}

// Messages returns the messages delivered to chatID, oldest first.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// AllMessages returns every delivered message, oldest first.
func (s *Server) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Violations is the number of messages refused because they broke a flood
// limit. A client that paces itself correctly keeps it at 0.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// Commands returns the commands last set with setMyCommands.
func (s *Server) Commands() []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// CallbackAnswers returns the answerCallbackQuery calls made, oldest first.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.answers)
}

// PendingUpdates is the number of updates queued and not yet confirmed by a
// getUpdates offset.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// SendUpdate queues a message update, as if user userID wrote text in chat
// chatID (a private chat when chatID > 0, a group when < 0), and returns its
// update_id. A text starting with "/" carries a bot_command entity, so
// "/start" is a command as in Telegram.
func (s *Server) SendUpdate(chatID, userID int64, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	msg := &wireMessage{
		MessageID: s.nextMessageID,
		From:      userOf(userID),
		Chat:      chatOf(chatID, userID),
		Date:      now.Unix(),
		Text:      text,
	}
	s.nextMessageID++
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		cmd, _, _ = strings.Cut(cmd, "\n")
		msg.Entities = []wireEntity{{Type: "bot_command", Offset: 0, Length: utf16Len(cmd)}}
	}
	s.known[chatID] = true
	s.seq++
	s.userMessages = append(s.userMessages, userMessage{seq: s.seq, chatID: chatID, userID: userID, text: text, time: now})
	return s.queueLocked(wireUpdate{Message: msg})
}

// SendCallbackQuery queues a callback_query update, as if user userID pressed
// an inline button with callback data on the bot's message messageID in chat
// chatID, and returns the callback query id the bot must answer.
func (s *Server) SendCallbackQuery(chatID, userID int64, messageID int, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(s.nextCallbackID)
	s.nextCallbackID++
	s.callbacks[id] = true
	s.known[chatID] = true
	s.queueLocked(wireUpdate{CallbackQuery: &wireCallbackQuery{
		ID:           id,
		From:         userOf(userID),
		Message:      &wireMessage{MessageID: messageID, From: s.botUser(), Chat: chatOf(chatID, userID), Date: s.now().Unix()},
		ChatInstance: strconv.FormatInt(chatID, 10),
		Data:         data,
	}})
	return id
}

func (s *Server) queueLocked(u wireUpdate) int {
	u.UpdateID = s.nextUpdateID
	s.nextUpdateID++
	s.updates = append(s.updates, u)
	close(s.updateAdded)
	s.updateAdded = make(chan struct{})
	return u.UpdateID
}

// serveAPI routes /bot<token>/<method>.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" || strings.Contains(method, "/") {
		writeError(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	if token != s.token {
		writeError(w, http.StatusUnauthorized, "Unauthorized", 0)
		return
	}
	handler, name := s.method(method)
	if handler == nil {
		writeError(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	p, err := readParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: "+err.Error(), 0)
		return
	}
	if s.applyFault(w, r, name, p, handler) {
		return
	}
	handler(w, r, p)
}

// apiHandler handles one Bot API method.
type apiHandler func(w http.ResponseWriter, r *http.Request, p params)

// method returns the handler of a method name (any case) and its canonical
// spelling.
func (s *Server) method(name string) (apiHandler, string) {
	switch strings.ToLower(name) {
	case "getme":
		return s.getMe, "getMe"
	case "getupdates":
		return s.getUpdates, "getUpdates"
	case "sendmessage":
		return s.sendMessage, "sendMessage"
	case "sendphoto":
		return s.sendPhoto, "sendPhoto"
	case "setmycommands":
		return s.setMyCommands, "setMyCommands"
	case "getmycommands":
		return s.getMyCommands, "getMyCommands"
	case "setwebhook":
		return s.setWebhook, "setWebhook"
	case "deletewebhook":
		return s.deleteWebhook, "deleteWebhook"
	case "getwebhookinfo":
		return s.getWebhookInfo, "getWebhookInfo"
	case "answercallbackquery":
		return s.answerCallbackQuery, "answerCallbackQuery"
	}
	return nil, ""
}

// apiResponse is the Bot API's reply envelope.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      any             `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

type responseParams struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v apiResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeResult(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, apiResponse{OK: true, Result: result})
}

// writeError answers {"ok":false,...} with HTTP status code, as the Bot API
// does. retryAfter > 0 adds parameters.retry_after.
func writeError(w http.ResponseWriter, code int, description string, retryAfter int) {
	resp := apiResponse{ErrorCode: code, Description: description}
	if retryAfter > 0 {
		resp.Parameters = &responseParams{RetryAfter: retryAfter}
	}
	writeJSON(w, code, resp)
}

// Error texts of the Bot API that the stand-in returns.
const (
	errChatNotFound     = "Bad Request: chat not found"
	errBlocked          = "Forbidden: bot was blocked by the user"
	errTooLong          = "Bad Request: message is too long"
	errTextEmpty        = "Bad Request: message text is empty"
	errCaptionTooLong   = "Bad Request: message caption is too long"
	errParseEntities    = "Bad Request: can't parse entities: "
	errUnsupportedMode  = "Bad Request: unsupported parse_mode"
	errChatIDEmpty      = "Bad Request: chat_id is empty"
	errNotUTF8          = "Bad Request: message text must be encoded in UTF-8"
	errNoPhoto          = "Bad Request: there is no photo in the request"
	errReplyMarkup      = "Bad Request: can't parse reply keyboard markup JSON object"
	errImageProcess     = "Bad Request: IMAGE_PROCESS_FAILED"
	errQueryInvalid     = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	errCommandInvalid   = "Bad Request: BOT_COMMAND_INVALID"
	errCommandsTooMuch  = "Bad Request: BOT_COMMANDS_TOO_MUCH"
	errGetUpdatesOthers = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

// tooManyRequests is the 429 description for retryAfter seconds.
func tooManyRequests(retryAfter int) string {
	return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
}
