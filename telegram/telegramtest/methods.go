package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // sendPhoto accepts GIF
	_ "image/jpeg" // and JPEG
	_ "image/png"  // and PNG (charts)
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bot API objects, with the fields vigil uses.

type wireUser struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	Username  string `json:"username,omitempty"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

type wireEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

type wirePhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireMessage struct {
	MessageID int             `json:"message_id"`
	From      *wireUser       `json:"from,omitempty"`
	Chat      *wireChat       `json:"chat"`
	Date      int64           `json:"date"`
	Text      string          `json:"text,omitempty"`
	Entities  []wireEntity    `json:"entities,omitempty"`
	Photo     []wirePhotoSize `json:"photo,omitempty"`
	Caption   string          `json:"caption,omitempty"`
}

type wireCallbackQuery struct {
	ID           string       `json:"id"`
	From         *wireUser    `json:"from"`
	Message      *wireMessage `json:"message,omitempty"`
	ChatInstance string       `json:"chat_instance"`
	Data         string       `json:"data,omitempty"`
}

type wireUpdate struct {
	UpdateID      int                `json:"update_id"`
	Message       *wireMessage       `json:"message,omitempty"`
	CallbackQuery *wireCallbackQuery `json:"callback_query,omitempty"`
}

func userOf(id int64) *wireUser {
	return &wireUser{ID: id, FirstName: fmt.Sprintf("User %d", id), Username: fmt.Sprintf("user%d", id)}
}

func (s *Server) botUser() *wireUser {
	return &wireUser{ID: s.botID, IsBot: true, FirstName: "Vigil (test)", Username: s.username}
}

// chatOf describes chat id: a private chat with the user for positive ids, a
// group for negative ones (a supergroup for -100...).
func chatOf(id, userID int64) *wireChat {
	switch {
	case id > 0:
		u := userOf(userID)
		return &wireChat{ID: id, Type: "private", FirstName: u.FirstName, Username: u.Username}
	case id <= -1000000000000:
		return &wireChat{ID: id, Type: "supergroup", Title: fmt.Sprintf("Group %d", id)}
	default:
		return &wireChat{ID: id, Type: "group", Title: fmt.Sprintf("Group %d", id)}
	}
}

// params are a request's parameters, from the query string, a form, a
// multipart form or a JSON body, as the Bot API accepts them.
type params struct {
	values url.Values
	files  map[string][]byte
}

func (p params) get(name string) string { return p.values.Get(name) }

const maxUpload = 50 << 20 // the Bot API's upload limit for bots

func readParams(r *http.Request) (params, error) {
	p := params{values: url.Values{}, files: map[string][]byte{}}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			return p, fmt.Errorf("can't parse multipart form: %w", err)
		}
		for k, vs := range r.MultipartForm.Value {
			p.values[k] = vs
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			f, err := fhs[0].Open()
			if err != nil {
				return p, fmt.Errorf("can't read file %s: %w", k, err)
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return p, fmt.Errorf("can't read file %s: %w", k, err)
			}
			p.files[k] = data
		}
		for k, vs := range r.URL.Query() {
			if !p.values.Has(k) {
				p.values[k] = vs
			}
		}
	case "application/json":
		var body map[string]json.RawMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, maxUpload)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return p, fmt.Errorf("can't parse JSON object: %w", err)
		}
		for k, raw := range body {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				p.values.Set(k, str)
			} else {
				p.values.Set(k, string(raw)) // numbers, booleans, objects, arrays
			}
		}
		for k, vs := range r.URL.Query() {
			if !p.values.Has(k) {
				p.values[k] = vs
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return p, fmt.Errorf("can't parse form: %w", err)
		}
		p.values = r.Form
	}
	return p, nil
}

// chatID reads chat_id. A missing one is errChatIDEmpty; a non-numeric one
// (an @username) names no chat the stand-in knows.
func (s *Server) chatID(p params) (int64, string) {
	raw := strings.TrimSpace(p.get("chat_id"))
	if raw == "" {
		return 0, errChatIDEmpty
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, errChatNotFound
	}
	if s.knownOnly {
		s.mu.Lock()
		known := s.known[id]
		s.mu.Unlock()
		if !known {
			return 0, errChatNotFound
		}
	}
	return id, ""
}

func (s *Server) getMe(w http.ResponseWriter, _ *http.Request, _ params) {
	u := s.botUser()
	writeResult(w, map[string]any{
		"id": u.ID, "is_bot": true, "first_name": u.FirstName, "username": u.Username,
		"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
	})
}

// getUpdates returns queued updates. offset confirms (forgets) every update
// with a smaller id; a negative offset keeps only the last -offset updates.
// With timeout > 0 and nothing queued it waits until an update arrives or
// the timeout passes. A newer getUpdates ends a waiting one with 409
// Conflict, as Telegram does when two bot instances poll, and so does
// setWebhook; while a webhook is set getUpdates is refused with 409.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p params) {
	if s.webhookActive() {
		writeError(w, http.StatusConflict, errWebhookActive, 0)
		return
	}
	offset, _ := strconv.Atoi(p.get("offset"))
	limit, err := strconv.Atoi(p.get("limit"))
	if err != nil || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeoutSec, _ := strconv.Atoi(p.get("timeout"))
	deadline := time.NewTimer(time.Duration(max(timeoutSec, 0)) * time.Second)
	defer deadline.Stop()

	s.mu.Lock()
	close(s.pollKick)
	s.pollKick = make(chan struct{})
	kick := s.pollKick
	switch {
	case offset > 0:
		i := 0
		for i < len(s.updates) && s.updates[i].UpdateID < offset {
			i++
		}
		s.updates = s.updates[i:]
	case offset < 0:
		if keep := -offset; len(s.updates) > keep {
			s.updates = s.updates[len(s.updates)-keep:]
		}
	}
	s.mu.Unlock()

	for {
		s.mu.Lock()
		batch := make([]wireUpdate, 0, min(limit, len(s.updates)))
		for _, u := range s.updates {
			if len(batch) == limit {
				break
			}
			batch = append(batch, u)
		}
		added := s.updateAdded
		s.mu.Unlock()
		if len(batch) > 0 || timeoutSec <= 0 {
			writeResult(w, batch)
			return
		}
		select {
		case <-added:
		case <-deadline.C:
			writeResult(w, batch)
			return
		case <-kick:
			if s.webhookActive() {
				writeError(w, http.StatusConflict, errTerminatedByWebhook, 0)
				return
			}
			writeError(w, http.StatusConflict, errGetUpdatesOthers, 0)
			return
		case <-r.Context().Done():
			return
		case <-s.closed:
			writeResult(w, batch)
			return
		}
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, _ *http.Request, p params) {
	chatID, e := s.chatID(p)
	if e != "" {
		writeError(w, http.StatusBadRequest, e, 0)
		return
	}
	text, mode := p.get("text"), p.get("parse_mode")
	plain, code, e := checkText(text, mode, MaxTextLength, errTooLong)
	if e != "" {
		writeError(w, code, e, 0)
		return
	}
	if strings.TrimSpace(plain) == "" {
		writeError(w, http.StatusBadRequest, errTextEmpty, 0)
		return
	}
	markup, silent, e := replyOptions(p)
	if e != "" {
		writeError(w, http.StatusBadRequest, e, 0)
		return
	}
	msg, retry := s.deliver(Message{ChatID: chatID, Method: "sendMessage", Text: text, Plain: plain, ParseMode: mode,
		ReplyMarkup: markup, DisableNotification: silent})
	if retry > 0 {
		writeError(w, http.StatusTooManyRequests, tooManyRequests(retry), retry)
		return
	}
	writeResult(w, &wireMessage{
		MessageID: msg.MessageID, From: s.botUser(), Chat: chatOf(chatID, chatID),
		Date: msg.Time.Unix(), Text: plain,
	})
}

func (s *Server) sendPhoto(w http.ResponseWriter, _ *http.Request, p params) {
	chatID, e := s.chatID(p)
	if e != "" {
		writeError(w, http.StatusBadRequest, e, 0)
		return
	}
	photo, uploaded := p.files["photo"]
	if !uploaded && strings.TrimSpace(p.get("photo")) == "" {
		writeError(w, http.StatusBadRequest, errNoPhoto, 0)
		return
	}
	size := wirePhotoSize{Width: 320, Height: 320}
	if uploaded {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(photo))
		if err != nil {
			writeError(w, http.StatusBadRequest, errImageProcess, 0)
			return
		}
		size = wirePhotoSize{Width: cfg.Width, Height: cfg.Height, FileSize: len(photo)}
	}
	caption, mode := p.get("caption"), p.get("parse_mode")
	plain, code, e := checkText(caption, mode, MaxCaptionLength, errCaptionTooLong)
	if e != "" {
		writeError(w, code, e, 0)
		return
	}
	markup, silent, e := replyOptions(p)
	if e != "" {
		writeError(w, http.StatusBadRequest, e, 0)
		return
	}
	msg, retry := s.deliver(Message{ChatID: chatID, Method: "sendPhoto", Text: caption, Plain: plain, ParseMode: mode, Photo: photo,
		ReplyMarkup: markup, DisableNotification: silent})
	if retry > 0 {
		writeError(w, http.StatusTooManyRequests, tooManyRequests(retry), retry)
		return
	}
	size.FileID = fmt.Sprintf("photo-%d", msg.MessageID)
	size.FileUniqueID = size.FileID
	writeResult(w, &wireMessage{
		MessageID: msg.MessageID, From: s.botUser(), Chat: chatOf(chatID, chatID),
		Date: msg.Time.Unix(), Photo: []wirePhotoSize{size}, Caption: plain,
	})
}

// replyOptions reads reply_markup, which must be a JSON object (an inline
// or reply keyboard, a keyboard removal or a force reply), and
// disable_notification.
func replyOptions(p params) (json.RawMessage, bool, string) {
	silent, _ := strconv.ParseBool(p.get("disable_notification"))
	raw := strings.TrimSpace(p.get("reply_markup"))
	if raw == "" {
		return nil, silent, ""
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return nil, silent, errReplyMarkup
	}
	_, inline := obj["inline_keyboard"]
	_, keyboard := obj["keyboard"]
	_, remove := obj["remove_keyboard"]
	_, force := obj["force_reply"]
	if !inline && !keyboard && !remove && !force {
		return nil, silent, errReplyMarkup
	}
	return json.RawMessage(raw), silent, ""
}

// checkText validates a text or caption sent with parse mode and returns
// what the user would see, or an HTTP status and Bot API error.
func checkText(text, mode string, limit int, tooLong string) (plain string, code int, e string) {
	if !validParseMode(mode) {
		return "", http.StatusBadRequest, errUnsupportedMode
	}
	if !utf8.ValidString(text) {
		return "", http.StatusBadRequest, errNotUTF8
	}
	plain, perr := parseText(text, mode)
	if perr != "" {
		return "", http.StatusBadRequest, errParseEntities + perr
	}
	if utf16Len(plain) > limit {
		return "", http.StatusBadRequest, tooLong
	}
	return plain, 0, ""
}

// deliver checks the flood limits for m and records it, returning the
// recorded message, or the retry_after seconds when a limit refuses it.
func (s *Server) deliver(m Message) (Message, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.noLimits {
		if retry := s.limits.check(now, m.ChatID); retry > 0 {
			s.violations++
			return Message{}, retry
		}
		s.limits.record(now, m.ChatID)
	}
	m.MessageID = s.nextMessageID
	s.nextMessageID++
	m.Time = now
	s.messages = append(s.messages, m)
	s.seq++
	s.botSeqs = append(s.botSeqs, s.seq)
	return m, 0
}

// commandName is what setMyCommands accepts: 1-32 lowercase English
// letters, digits and underscores.
var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setMyCommands(w http.ResponseWriter, _ *http.Request, p params) {
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(p.get("commands")), &cmds); err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: can't parse commands JSON object", 0)
		return
	}
	if len(cmds) > 100 {
		writeError(w, http.StatusBadRequest, errCommandsTooMuch, 0)
		return
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			writeError(w, http.StatusBadRequest, errCommandInvalid, 0)
			return
		}
	}
	s.mu.Lock()
	s.commands = cmds
	s.mu.Unlock()
	writeResult(w, true)
}

func (s *Server) getMyCommands(w http.ResponseWriter, _ *http.Request, _ params) {
	cmds := s.Commands()
	if cmds == nil {
		cmds = []BotCommand{}
	}
	writeResult(w, cmds)
}

func (s *Server) answerCallbackQuery(w http.ResponseWriter, _ *http.Request, p params) {
	id := p.get("callback_query_id")
	s.mu.Lock()
	ok := s.callbacks[id]
	if ok {
		delete(s.callbacks, id)
		showAlert, _ := strconv.ParseBool(p.get("show_alert"))
		s.answers = append(s.answers, CallbackAnswer{CallbackQueryID: id, Text: p.get("text"), ShowAlert: showAlert})
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusBadRequest, errQueryInvalid, 0)
		return
	}
	writeResult(w, true)
}
