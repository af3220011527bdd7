package telegramtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// FaultKind is a failure that Inject makes the stand-in answer with.
type FaultKind int

// Injectable failures, each with what the Bot API (or the proxy in front of
// it) answers.
const (
	// TooManyRequests answers 429 "Too Many Requests: retry after N" with
	// parameters.retry_after N (Fault.RetryAfter, default 5).
	TooManyRequests FaultKind = iota + 1
	// BotBlocked answers 403 "Forbidden: bot was blocked by the user".
	BotBlocked
	// ChatNotFound answers 400 "Bad Request: chat not found".
	ChatNotFound
	// ServerError answers Fault.Status (default 500): 500 as a Bot API
	// error, 502-504 as the HTML page of the proxy in front of the API.
	ServerError
	// Timeout never answers: the request is held until the client gives up
	// or the server closes. Nothing is delivered.
	Timeout
	// DropReply carries the request out (a message is delivered and
	// recorded) and then closes the connection without a reply, so the
	// client cannot tell it was delivered.
	DropReply
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case TooManyRequests:
		return "TooManyRequests"
	case BotBlocked:
		return "BotBlocked"
	case ChatNotFound:
		return "ChatNotFound"
	case ServerError:
		return "ServerError"
	case Timeout:
		return "Timeout"
	case DropReply:
		return "DropReply"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is an injected failure: the next Times requests matching Method and
// ChatID fail with Kind instead of being handled normally.
type Fault struct {
	Kind FaultKind
	// Method limits the fault to one Bot API method (any case); "" means
	// the sending methods, sendMessage and sendPhoto.
	Method string
	// ChatID limits the fault to requests for one chat; 0 means any.
	ChatID int64
	// RetryAfter is the retry_after of TooManyRequests; 0 means 5.
	RetryAfter int
	// Status is the HTTP status of ServerError; 0 means 500.
	Status int
	// Times is how many matching requests fail; 0 means 1, negative means
	// every one until ClearFaults.
	Times int
}

// Inject adds a fault. Faults are matched in the order they were added.
func (s *Server) Inject(f Fault) {
	if f.Kind < TooManyRequests || f.Kind > DropReply {
		panic(fmt.Sprintf("telegramtest: Inject: unknown fault kind %d", f.Kind))
	}
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns (a copy of) the first fault matching a request to
// method, using up one of its times.
func (s *Server) takeFault(method string, p params) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method == "" {
			if method != "sendMessage" && method != "sendPhoto" {
				continue
			}
		} else if !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.ChatID != 0 {
			id, err := strconv.ParseInt(strings.TrimSpace(p.get("chat_id")), 10, 64)
			if err != nil || id != f.ChatID {
				continue
			}
		}
		taken := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return taken, true
	}
	return Fault{}, false
}

// applyFault answers the request with a matching fault, if any, and reports
// whether it did.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, method string, p params, handler apiHandler) bool {
	f, ok := s.takeFault(method, p)
	if !ok {
		return false
	}
	switch f.Kind {
	case TooManyRequests:
		retry := f.RetryAfter
		if retry <= 0 {
			retry = 5
		}
		writeError(w, http.StatusTooManyRequests, tooManyRequests(retry), retry)
	case BotBlocked:
		writeError(w, http.StatusForbidden, errBlocked, 0)
	case ChatNotFound:
		writeError(w, http.StatusBadRequest, errChatNotFound, 0)
	case ServerError:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		if status == http.StatusInternalServerError {
			writeError(w, status, "Internal Server Error", 0)
			break
		}
		text := fmt.Sprintf("%d %s", status, http.StatusText(status))
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", text, text)
	case Timeout:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
	case DropReply:
		handler(httptest.NewRecorder(), r, p)
		panic(http.ErrAbortHandler) // net/http closes the connection without a reply
	}
	return true
}
