package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Webhook mode, as the Bot API documents it (setWebhook, deleteWebhook,
// getWebhookInfo): while a webhook is set, getUpdates is refused with 409
// and the queued updates are POSTed to the webhook URL as JSON, with the
// secret_token in the X-Telegram-Bot-Api-Secret-Token header. An update
// leaves the queue when the webhook answers 2xx; any other answer, a
// refused connection or no answer within Options.WebhookTimeout is
// recorded as getWebhookInfo's last_error_message and the same update is
// delivered again after a backoff (Options.WebhookRetryDelay, doubling up
// to 32 times it), until it is answered 2xx or the webhook is deleted.
//
// Unlike api.telegram.org, which accepts only https:// URLs on ports 443,
// 80, 88 and 8443, the stand-in also delivers to http:// URLs on any port,
// as a local Bot API server does: it runs beside the listener it delivers
// to. It delivers one update at a time, in order (max_connections is
// recorded for getWebhookInfo; one connection is within any maximum).

// WebhookSecretHeader is the header carrying setWebhook's secret_token.
const WebhookSecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Default webhook delivery timings (Options.WebhookRetryDelay,
// Options.WebhookTimeout).
const (
	DefaultWebhookRetryDelay = time.Second
	DefaultWebhookTimeout    = 60 * time.Second
)

// Error texts of webhook mode.
const (
	errWebhookActive       = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	errTerminatedByWebhook = "Conflict: terminated by setWebhook request"
	errBadWebhookURL       = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
	errSecretChars         = "Bad Request: secret token contains unallowed characters"
	errAllowedUpdates      = "Bad Request: can't parse allowed updates"
)

// WebhookDelivery is one attempt to POST an update to the webhook.
type WebhookDelivery struct {
	UpdateID int
	URL      string
	// Secret is the X-Telegram-Bot-Api-Secret-Token sent ("" for none).
	Secret string
	// Status is the webhook's HTTP status, 0 when it gave none.
	Status int
	// Error is what getWebhookInfo reports for a failed attempt ("" for a
	// 2xx).
	Error string
}

// WebhookInfo is the webhook as set, what getWebhookInfo reports.
type WebhookInfo struct {
	URL            string
	Secret         string
	AllowedUpdates []string
	MaxConnections int
	// LastErrorDate and LastErrorMessage describe the latest failed
	// delivery.
	LastErrorDate    time.Time
	LastErrorMessage string
}

// webhookState is the webhook and its deliveries (guarded by Server.mu).
type webhookState struct {
	info       WebhookInfo
	gen        int           // bumped by every setWebhook and deleteWebhook
	changed    chan struct{} // closed (and replaced) when gen changes
	deliveries []WebhookDelivery
}

// secretToken is what setWebhook accepts as secret_token.
var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Webhook returns the webhook as set (URL "" when none is).
func (s *Server) Webhook() WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := s.hook.info
	info.AllowedUpdates = slices.Clone(info.AllowedUpdates)
	return info
}

// WebhookDeliveries returns every delivery attempt, oldest first.
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hook.deliveries)
}

func (s *Server) setWebhook(w http.ResponseWriter, _ *http.Request, p params) {
	raw := strings.TrimSpace(p.get("url"))
	if raw == "" {
		s.removeWebhook(w, p)
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		writeError(w, http.StatusBadRequest, errBadWebhookURL, 0)
		return
	}
	secret := p.get("secret_token")
	if secret != "" && !secretToken.MatchString(secret) {
		writeError(w, http.StatusBadRequest, errSecretChars, 0)
		return
	}
	var allowed []string
	if a := strings.TrimSpace(p.get("allowed_updates")); a != "" {
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			writeError(w, http.StatusBadRequest, errAllowedUpdates, 0)
			return
		}
	}
	maxConn := 40
	if m := p.get("max_connections"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Bad Request: max_connections must be a number", 0)
			return
		}
		maxConn = min(max(n, 1), 100)
	}
	drop, _ := strconv.ParseBool(p.get("drop_pending_updates"))
	s.mu.Lock()
	same := s.hook.info.URL == raw
	if drop {
		s.updates = nil
	}
	s.hook.info = WebhookInfo{URL: raw, Secret: secret, AllowedUpdates: allowed, MaxConnections: maxConn}
	s.bumpWebhookLocked()
	// A poll in progress ends, as on Telegram.
	close(s.pollKick)
	s.pollKick = make(chan struct{})
	s.mu.Unlock()
	desc := "Webhook was set"
	if same {
		desc = "Webhook is already set"
	}
	writeJSON(w, http.StatusOK, apiResponse{OK: true, Result: true, Description: desc})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, _ *http.Request, p params) {
	s.removeWebhook(w, p)
}

// removeWebhook is deleteWebhook, and setWebhook with an empty url.
func (s *Server) removeWebhook(w http.ResponseWriter, p params) {
	drop, _ := strconv.ParseBool(p.get("drop_pending_updates"))
	s.mu.Lock()
	was := s.hook.info.URL != ""
	if drop {
		s.updates = nil
	}
	s.hook.info = WebhookInfo{}
	s.bumpWebhookLocked()
	s.mu.Unlock()
	desc := "Webhook is already deleted"
	if was {
		desc = "Webhook was deleted"
	}
	writeJSON(w, http.StatusOK, apiResponse{OK: true, Result: true, Description: desc})
}

func (s *Server) bumpWebhookLocked() {
	s.hook.gen++
	close(s.hook.changed)
	s.hook.changed = make(chan struct{})
}

func (s *Server) getWebhookInfo(w http.ResponseWriter, _ *http.Request, _ params) {
	s.mu.Lock()
	info := s.hook.info
	pending := len(s.updates)
	s.mu.Unlock()
	result := map[string]any{"url": info.URL, "has_custom_certificate": false, "pending_update_count": pending}
	if info.URL != "" {
		result["max_connections"] = info.MaxConnections
		result["ip_address"] = "127.0.0.1"
		if info.AllowedUpdates != nil {
			result["allowed_updates"] = info.AllowedUpdates
		}
	}
	if !info.LastErrorDate.IsZero() {
		result["last_error_date"] = info.LastErrorDate.Unix()
		result["last_error_message"] = info.LastErrorMessage
	}
	writeResult(w, result)
}

// webhookActive reports whether getUpdates must be refused.
func (s *Server) webhookActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hook.info.URL != ""
}

// allows reports whether the webhook takes updates of u's type.
func (info WebhookInfo) allows(u wireUpdate) bool {
	if len(info.AllowedUpdates) == 0 {
		return true
	}
	kind := "message"
	if u.CallbackQuery != nil {
		kind = "callback_query"
	}
	return slices.Contains(info.AllowedUpdates, kind)
}

// deliverWebhooks POSTs queued updates to the webhook until Close.
func (s *Server) deliverWebhooks() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.closed
		cancel()
	}()
	client := &http.Client{Timeout: s.webhookTimeout}
	delay := s.webhookRetry
	for {
		s.mu.Lock()
		info, gen, changed, added := s.hook.info, s.hook.gen, s.hook.changed, s.updateAdded
		var next *wireUpdate
		if info.URL != "" {
			// Updates of types the webhook did not ask for are dropped.
			for len(s.updates) > 0 && !info.allows(s.updates[0]) {
				s.updates = s.updates[1:]
			}
			if len(s.updates) > 0 {
				u := s.updates[0]
				next = &u
			}
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-added:
			case <-changed:
			case <-s.closed:
				return
			}
			continue
		}
		status, failure := postUpdate(ctx, client, info, *next)
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.hook.deliveries = append(s.hook.deliveries, WebhookDelivery{UpdateID: next.UpdateID, URL: info.URL, Secret: info.Secret,
			Status: status, Error: failure})
		if failure == "" {
			if s.hook.gen == gen && len(s.updates) > 0 && s.updates[0].UpdateID == next.UpdateID {
				s.updates = s.updates[1:]
			}
		} else if s.hook.gen == gen {
			s.hook.info.LastErrorDate = s.now()
			s.hook.info.LastErrorMessage = failure
		}
		s.mu.Unlock()
		if failure == "" {
			delay = s.webhookRetry
			continue
		}
		select {
		case <-time.After(delay):
		case <-changed:
		case <-s.closed:
			return
		}
		delay = min(2*delay, 32*s.webhookRetry)
	}
}

// postUpdate delivers u and returns the webhook's status and, for anything
// but a 2xx, the error text getWebhookInfo reports (Telegram's wording).
func postUpdate(ctx context.Context, client *http.Client, info WebhookInfo, u wireUpdate) (int, string) {
	body, err := json.Marshal(u)
	if err != nil {
		return 0, "can't encode the update: " + err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, info.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "Bad webhook URL: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if info.Secret != "" {
		req.Header.Set(WebhookSecretHeader, info.Secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return 0, "Read timeout expired"
		case errors.Is(err, syscall.ECONNREFUSED):
			return 0, "Connection refused"
		}
		return 0, "Connection failed: " + err.Error()
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Sprintf("Wrong response from the webhook: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp.StatusCode, ""
}
