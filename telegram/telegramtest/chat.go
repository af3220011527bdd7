package telegramtest

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed chat.html
var chatHTML []byte

// ChatPage serves a small web page (no external assets) on which a person
// acts as a Telegram user: what they type is queued with SendUpdate, and the
// page polls for the conversation, the bot's replies and notifications
// included. Handler mounts it at /dev/chat; mounted elsewhere, it works
// under any path. Its routes, relative to the page:
//
//	GET  <page>                      the page
//	POST <page>/send                 chat_id, user_id, text (form) → {"update_id":N}
//	GET  <page>/messages?chat_id=&after=   {"messages":[...]} after transcript position after
//	GET  <page>/photo?message_id=    the photo of a sendPhoto message
func (s *Server) ChatPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimRight(r.URL.Path, "/")
		switch {
		case strings.HasSuffix(path, "/send"):
			s.chatSend(w, r)
		case strings.HasSuffix(path, "/messages"):
			s.chatMessages(w, r)
		case strings.HasSuffix(path, "/photo"):
			s.chatPhoto(w, r)
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(chatHTML)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (s *Server) chatSend(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	chatID, err1 := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
	userID, err2 := strconv.ParseInt(r.FormValue("user_id"), 10, 64)
	text := r.FormValue("text")
	if err1 != nil || chatID == 0 || err2 != nil || userID <= 0 || strings.TrimSpace(text) == "" {
		http.Error(w, "need chat_id (non-zero), user_id (positive) and text", http.StatusBadRequest)
		return
	}
	id := s.SendUpdate(chatID, userID, text)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int{"update_id": id})
}

// chatEntry is one line of the chat page's transcript.
type chatEntry struct {
	Seq       int        `json:"seq"`
	From      string     `json:"from"` // "user" or "bot"
	UserID    int64      `json:"user_id,omitempty"`
	MessageID int        `json:"message_id,omitempty"`
	Text      string     `json:"text"`
	ParseMode string     `json:"parse_mode,omitempty"`
	Photo     bool       `json:"photo,omitempty"`
	Buttons   [][]string `json:"buttons,omitempty"` // the keyboard's button labels, by row
	Silent    bool       `json:"silent,omitempty"`  // sent with disable_notification
	Time      time.Time  `json:"time"`
}

// keyboardLabels returns the button labels of an inline or reply keyboard,
// row by row; nil for other markup or none.
func keyboardLabels(markup json.RawMessage) [][]string {
	if len(markup) == 0 {
		return nil
	}
	var kb struct {
		Inline [][]struct {
			Text string `json:"text"`
		} `json:"inline_keyboard"`
		Reply [][]struct {
			Text string `json:"text"`
		} `json:"keyboard"`
	}
	if json.Unmarshal(markup, &kb) != nil {
		return nil
	}
	var rows [][]string
	for _, row := range append(kb.Inline, kb.Reply...) {
		labels := make([]string, 0, len(row))
		for _, b := range row {
			labels = append(labels, b.Text)
		}
		rows = append(rows, labels)
	}
	return rows
}

func (s *Server) chatMessages(w http.ResponseWriter, r *http.Request) {
	chatID, err := strconv.ParseInt(r.URL.Query().Get("chat_id"), 10, 64)
	if err != nil {
		http.Error(w, "need chat_id", http.StatusBadRequest)
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	var out []chatEntry
	s.mu.Lock()
	for i, m := range s.messages {
		if m.ChatID == chatID && s.botSeqs[i] > after {
			out = append(out, chatEntry{Seq: s.botSeqs[i], From: "bot", MessageID: m.MessageID, Text: m.Plain,
				ParseMode: m.ParseMode, Photo: m.Photo != nil, Buttons: keyboardLabels(m.ReplyMarkup), Silent: m.DisableNotification,
				Time: m.Time})
		}
	}
	for _, m := range s.userMessages {
		if m.chatID == chatID && m.seq > after {
			out = append(out, chatEntry{Seq: m.seq, From: "user", UserID: m.userID, Text: m.text, Time: m.time})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b chatEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	if out == nil {
		out = []chatEntry{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out})
}

func (s *Server) chatPhoto(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.URL.Query().Get("message_id"))
	s.mu.Lock()
	var photo []byte
	for _, m := range s.messages {
		if m.MessageID == id {
			photo = m.Photo
		}
	}
	s.mu.Unlock()
	if photo == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", http.DetectContentType(photo))
	_, _ = w.Write(photo)
}
