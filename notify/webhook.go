package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigilhq/vigil/health/outcome"
	"github.com/vigilhq/vigil/retryafter"
)

// Webhook request headers.
const (
	HeaderTimestamp = "X-Vigil-Timestamp"  // unix seconds, part of the signed content
	HeaderSignature = "X-Vigil-Signature"  // "sha256=<hex>", absent when unsigned
	HeaderMessageID = "X-Vigil-Message-Id" // Message.MessageID, the idempotency key
	HeaderRequestID = "X-Request-Id"       // read from the response into Receipt
)

// Webhook defaults and limits.
const (
	DefaultWebhookTimeout   = 10 * time.Second
	DefaultWebhookUserAgent = "vigil-webhook/1"
	// DefaultTolerance is the timestamp tolerance Verify uses when given 0.
	DefaultTolerance = 5 * time.Minute

	maxResponseBody = 64 << 10 // bytes of a response body read at most
	maxErrorBody    = 200      // bytes of a response body quoted in errors
)

// Signature verification errors returned by Verify.
var (
	ErrInvalidSignature = errors.New("notify: invalid webhook signature")
	ErrStaleTimestamp   = errors.New("notify: webhook timestamp outside tolerance")
)

// WebhookPayload is the JSON body of a webhook request; receivers may decode
// into it.
type WebhookPayload struct {
	MessageID        string    `json:"message_id"`
	UserID           int64     `json:"user_id"`
	Text             string    `json:"text"`
	Priority         string    `json:"priority"`
	NotificationType string    `json:"notification_type"`
	Attempt          int       `json:"attempt"`
	CreatedAt        time.Time `json:"created_at"` // RFC 3339, UTC
}

// StatusError is a non-2xx webhook response. Send returns it wrapped in the
// classification for its status (Permanent, Unreachable, *RetryAfterError or
// plain transient).
type StatusError struct {
	URL        string // scheme://host/path: no user info, query or fragment
	StatusCode int
	Body       string // first 200 bytes of the body, valid UTF-8, only for permanent 4xx
}

// Error returns e.g. "webhook POST https://host/path: 502 Bad Gateway".
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("webhook POST %s: %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	msg = strings.TrimSpace(msg)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Webhook posts the message as JSON to Destination.WebhookURL, signed with
// HMAC-SHA256 (see Sign) with the user's own Destination.WebhookSecret, or
// the shared Secret for users without one.
//
// Request: POST with headers Content-Type: application/json,
// X-Vigil-Timestamp (unix seconds), X-Vigil-Signature ("sha256=<hex>"),
// X-Vigil-Message-Id (idempotency key, stable across attempts) and
// User-Agent; the body is a WebhookPayload.
//
// Response: 2xx is delivered (Receipt from X-Request-Id); 429, and 503 with
// Retry-After, give *RetryAfterError (429 without a usable Retry-After waits
// DefaultRetryAfter); 408, 425, other 5xx, network errors and timeouts are
// transient; 410 Gone is Unreachable; other 4xx and unexpected statuses
// (1xx, 3xx) are Permanent. An empty or invalid URL (not http or https) is
// Permanent and wraps ErrNoDestination.
//
// The default client does not follow redirects (a 3xx is permanent: configure
// the final URL). Errors name the URL without user info, query or fragment,
// and never contain the secret.
type Webhook struct {
	Client *http.Client // nil = a client with Timeout that does not follow redirects
	// Secret is the HMAC key. Empty sends unsigned requests (no
	// X-Vigil-Signature header): allowed, but receivers then cannot tell our
	// requests from forged ones, so production should always set it.
	Secret    []byte
	Timeout   time.Duration    // per request including reading the response; default 10s
	Now       func() time.Time // nil = time.Now
	UserAgent string           // default "vigil-webhook/1"

	outcome outcome.Recorder
}

var _ Channel = (*Webhook)(nil)

// Name returns "webhook".
func (w *Webhook) Name() string { return ChannelWebhook }

// Outcome records the result of every request the channel made: a 2xx is a
// success, anything else (no answer, a timeout, any other status) a
// failure, with the error. A request the caller cancelled, and a message
// refused before any request (no or an invalid URL), record nothing.
func (w *Webhook) Outcome() *outcome.Recorder { return &w.outcome }

// Send makes one delivery attempt; see Webhook for the request and the
// classification of the outcome.
func (w *Webhook) Send(ctx context.Context, dest Destination, m Message) (Receipt, error) {
	u, err := parseWebhookURL(dest.WebhookURL)
	if err != nil {
		return Receipt{}, Permanent(err)
	}
	target := redactURL(u)
	if m.MessageID == "" {
		return Receipt{}, Permanent(fmt.Errorf("webhook POST %s: message has no MessageID", target))
	}

	body, err := json.Marshal(WebhookPayload{
		MessageID:        m.MessageID,
		UserID:           m.UserID,
		Text:             m.Text,
		Priority:         m.Priority,
		NotificationType: m.Type,
		Attempt:          m.Attempt,
		CreatedAt:        m.CreatedAt.UTC(),
	})
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("webhook POST %s: encode message %s: %w", target, m.MessageID, err))
	}

	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("webhook POST %s: build request: %w", target, unwrapURLError(err)))
	}
	timestamp := strconv.FormatInt(w.now().Unix(), 10)
	userAgent := w.UserAgent
	if userAgent == "" {
		userAgent = DefaultWebhookUserAgent
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderTimestamp, timestamp)
	req.Header.Set(HeaderMessageID, m.MessageID)
	if secret := cmp.Or(string(dest.WebhookSecret), string(w.Secret)); secret != "" {
		req.Header.Set(HeaderSignature, Sign([]byte(secret), timestamp, body))
	}

	client := w.Client
	if client == nil {
		client = &http.Client{
			Timeout:       timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	receipt, err := w.post(client, req, target)
	if !errors.Is(err, context.Canceled) {
		w.outcome.Record(time.Now(), err)
	}
	return receipt, err
}

// post makes the request and classifies its outcome.
func (w *Webhook) post(client *http.Client, req *http.Request, target string) (Receipt, error) {
	resp, err := client.Do(req)
	if err != nil {
		// Transient, including timeouts and cancellation (errors.Is works
		// with context.Canceled and context.DeadlineExceeded).
		return Receipt{}, fmt.Errorf("webhook POST %s: %w", target, unwrapURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	// Read (a bounded amount) so the connection can be reused; a read error
	// does not change the outcome, which the status already decided.
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))

	code := resp.StatusCode
	statusErr := &StatusError{URL: target, StatusCode: code}
	switch {
	case code >= 200 && code <= 299:
		return Receipt{ProviderMessageID: resp.Header.Get(HeaderRequestID)}, nil
	case code == http.StatusTooManyRequests:
		after, ok := parseRetryAfter(resp.Header.Get("Retry-After"), w.now())
		if !ok {
			after = DefaultRetryAfter
		}
		return Receipt{}, &RetryAfterError{After: after, Err: statusErr}
	case code == http.StatusServiceUnavailable:
		if after, ok := parseRetryAfter(resp.Header.Get("Retry-After"), w.now()); ok {
			return Receipt{}, &RetryAfterError{After: after, Err: statusErr}
		}
		return Receipt{}, statusErr
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code >= 500:
		return Receipt{}, statusErr
	case code == http.StatusGone:
		return Receipt{}, Unreachable(statusErr)
	default: // other 4xx, and 1xx/3xx that a receiver should not send
		statusErr.Body = errorSnippet(respBody)
		return Receipt{}, Permanent(statusErr)
	}
}

func (w *Webhook) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Sign returns the signature header value "sha256=<hex>" of
// HMAC-SHA256(secret, timestamp + "." + body).
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks, for a receiver, that signature is Sign(secret, timestamp,
// body) (compared in constant time) and that timestamp (unix seconds) is
// within tolerance of now in either direction; tolerance <= 0 means
// DefaultTolerance. It returns nil, or an error wrapping ErrInvalidSignature
// (including for an empty secret or signature) or ErrStaleTimestamp.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: empty secret", ErrInvalidSignature)
	}
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return fmt.Errorf("%w: want the form sha256=<hex>", ErrInvalidSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrInvalidSignature)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrInvalidSignature
	}

	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not unix seconds", ErrStaleTimestamp, timestamp)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	skew := now.Sub(time.Unix(sec, 0))
	if skew > tolerance || skew < -tolerance {
		return fmt.Errorf("%w: timestamp is %s from now, tolerance %s", ErrStaleTimestamp, skew.Round(time.Second), tolerance)
	}
	return nil
}

// parseWebhookURL accepts absolute http and https URLs with a host. Its
// errors wrap ErrNoDestination and do not repeat the URL, which may carry
// credentials.
func parseWebhookURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("webhook: %w: no webhook URL", ErrNoDestination)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w: invalid webhook URL", ErrNoDestination)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("webhook: %w: webhook URL scheme must be http or https", ErrNoDestination)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("webhook: %w: webhook URL has no host", ErrNoDestination)
	}
	return u, nil
}

// redactURL returns scheme://host/path, dropping user info, query and
// fragment, which often carry tokens.
func redactURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}

// unwrapURLError drops net/http's *url.Error, whose message repeats the full
// URL (query included), keeping the cause for errors.Is/As.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok && ue.Err != nil {
		return ue.Err
	}
	return err
}

// parseRetryAfter parses a Retry-After value, delay-seconds or an HTTP date,
// into a wait in [0, MaxRetryAfter].
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	d, ok := retryafter.Parse(v, now)
	return min(d, MaxRetryAfter), ok
}

// errorSnippet returns the first maxErrorBody bytes of body as trimmed,
// valid UTF-8, cut at a rune boundary.
func errorSnippet(body []byte) string {
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
		// Drop a rune cut in half at the end.
		for i := 0; i < utf8.UTFMax && len(body) > 0; i++ {
			if r, size := utf8.DecodeLastRune(body); r != utf8.RuneError || size != 1 {
				break
			}
			body = body[:len(body)-1]
		}
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
}
