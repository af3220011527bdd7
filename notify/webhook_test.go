package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var testSecret = []byte("top-secret-hmac-key")

type capturedRequest struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

type webhookBundle struct {
	hook     *Webhook
	url      string
	requests chan capturedRequest // every request the server received, buffered
}

// setupWebhook starts a server that records each request and then calls
// handlerFunc (nil = 200 OK).
func setupWebhook(t *testing.T, handlerFunc http.HandlerFunc) *webhookBundle {
	t.Helper()
	requests := make(chan capturedRequest, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		requests <- capturedRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
		if handlerFunc != nil {
			handlerFunc(rw, r)
		}
	}))
	t.Cleanup(srv.Close)
	return &webhookBundle{
		hook: &Webhook{
			Secret: testSecret,
			Now:    func() time.Time { return testNow },
		},
		url:      srv.URL + "/hooks/vigil",
		requests: requests,
	}
}

func testMessage() Message {
	return Message{
		MessageID: "0f8fad5b-d9cb-469f-a165-70867728950e",
		UserID:    42,
		Text:      "BTCUSDT crossed 100000 ✓ 🚀",
		Priority:  PriorityHigh,
		Type:      TypeAlert,
		Attempt:   2,
		CreatedAt: time.Date(2026, 3, 1, 11, 59, 30, 0, time.FixedZone("CET", 3600)),
	}
}

func TestWebhookSendRequest(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t, func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("X-Request-Id", "req-123")
		rw.WriteHeader(http.StatusOK)
	})

	receipt, err := b.hook.Send(context.Background(), Destination{WebhookURL: b.url}, testMessage())
	require.NoError(t, err)
	require.Equal(t, Receipt{ProviderMessageID: "req-123"}, receipt)

	req := <-b.requests
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "/hooks/vigil", req.Path)
	require.Equal(t, "application/json", req.Header.Get("Content-Type"))
	require.Equal(t, "vigil-webhook/1", req.Header.Get("User-Agent"))
	require.Equal(t, strconv.FormatInt(testNow.Unix(), 10), req.Header.Get("X-Vigil-Timestamp"))
	require.Equal(t, "0f8fad5b-d9cb-469f-a165-70867728950e", req.Header.Get("X-Vigil-Message-Id"))
	require.True(t, strings.HasPrefix(req.Header.Get("X-Vigil-Signature"), "sha256="))

	var body map[string]any
	require.NoError(t, json.Unmarshal(req.Body, &body))
	require.Equal(t, map[string]any{
		"message_id":        "0f8fad5b-d9cb-469f-a165-70867728950e",
		"user_id":           float64(42),
		"text":              "BTCUSDT crossed 100000 ✓ 🚀",
		"priority":          "high",
		"notification_type": "alert",
		"attempt":           float64(2),
		"created_at":        "2026-03-01T10:59:30Z",
	}, body)

	// The receiver verifies the signature.
	sig := req.Header.Get("X-Vigil-Signature")
	ts := req.Header.Get("X-Vigil-Timestamp")
	require.NoError(t, Verify(testSecret, ts, sig, req.Body, testNow.Add(3*time.Second), time.Minute))
	require.ErrorIs(t, Verify([]byte("wrong-secret"), ts, sig, req.Body, testNow, time.Minute), ErrInvalidSignature)
	require.ErrorIs(t, Verify(testSecret, ts, sig, req.Body, testNow.Add(2*time.Minute), time.Minute), ErrStaleTimestamp)
	tampered := []byte(strings.Replace(string(req.Body), `"attempt":2`, `"attempt":3`, 1))
	require.NotEqual(t, req.Body, tampered)
	require.ErrorIs(t, Verify(testSecret, ts, sig, tampered, testNow, time.Minute), ErrInvalidSignature)
	// The timestamp is signed too: replaying the body with a fresh one fails.
	fresh := strconv.FormatInt(testNow.Add(time.Hour).Unix(), 10)
	require.ErrorIs(t, Verify(testSecret, fresh, sig, req.Body, testNow.Add(time.Hour), time.Minute), ErrInvalidSignature)

	var payload WebhookPayload
	require.NoError(t, json.Unmarshal(req.Body, &payload))
	require.Equal(t, 2, payload.Attempt)
	require.True(t, payload.CreatedAt.Equal(testMessage().CreatedAt))
}

func TestWebhookUnsignedAndOptions(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t, nil)
	b.hook.Secret = nil
	b.hook.UserAgent = "custom/2"
	b.hook.Client = &http.Client{}

	receipt, err := b.hook.Send(context.Background(), Destination{WebhookURL: b.url}, testMessage())
	require.NoError(t, err)
	require.Empty(t, receipt.ProviderMessageID)

	req := <-b.requests
	require.Empty(t, req.Header.Values("X-Vigil-Signature"))
	require.NotEmpty(t, req.Header.Get("X-Vigil-Timestamp"))
	require.Equal(t, "custom/2", req.Header.Get("User-Agent"))
}

// kind names the class of a Send error as the worker sees it.
func kind(err error) string {
	switch {
	case err == nil:
		return "ok"
	case IsUnreachable(err):
		return "unreachable"
	case IsPermanent(err):
		return "permanent"
	}
	if _, ok := RetryAfter(err); ok {
		return "retry_after"
	}
	return "transient"
}

func TestWebhookStatusClassification(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		status     int
		retryAfter string
		body       string
		wantKind   string
		wantAfter  time.Duration
		wantErr    string // substring of the error message
	}{
		{name: "200", status: 200, wantKind: "ok"},
		{name: "201", status: 201, wantKind: "ok"},
		{name: "204", status: 204, wantKind: "ok"},
		{name: "400", status: 400, body: `{"error":"bad payload"}`, wantKind: "permanent", wantErr: `400 Bad Request: {"error":"bad payload"}`},
		{name: "401", status: 401, body: "no", wantKind: "permanent", wantErr: "401 Unauthorized: no"},
		{name: "404", status: 404, wantKind: "permanent", wantErr: "404 Not Found"},
		{name: "410", status: 410, wantKind: "unreachable", wantErr: "410 Gone"},
		{name: "408", status: 408, wantKind: "transient", wantErr: "408 Request Timeout"},
		{name: "425", status: 425, wantKind: "transient", wantErr: "425 Too Early"},
		{name: "429 retry-after seconds", status: 429, retryAfter: "7", wantKind: "retry_after", wantAfter: 7 * time.Second},
		{name: "429 retry-after date", status: 429, retryAfter: testNow.Add(2 * time.Minute).Format(http.TimeFormat), wantKind: "retry_after", wantAfter: 2 * time.Minute},
		{name: "429 retry-after past date", status: 429, retryAfter: testNow.Add(-time.Minute).Format(http.TimeFormat), wantKind: "retry_after", wantAfter: 0},
		{name: "429 retry-after huge", status: 429, retryAfter: "99999999999999999", wantKind: "retry_after", wantAfter: MaxRetryAfter},
		{name: "429 no header", status: 429, wantKind: "retry_after", wantAfter: 30 * time.Second},
		{name: "429 garbage header", status: 429, retryAfter: "soon", wantKind: "retry_after", wantAfter: 30 * time.Second},
		{name: "500", status: 500, wantKind: "transient", wantErr: "500 Internal Server Error"},
		{name: "502", status: 502, wantKind: "transient", wantErr: "502 Bad Gateway"},
		{name: "503 retry-after", status: 503, retryAfter: "120", wantKind: "retry_after", wantAfter: 2 * time.Minute},
		{name: "503 no header", status: 503, wantKind: "transient", wantErr: "503 Service Unavailable"},
		{name: "302 not followed", status: 302, wantKind: "permanent", wantErr: "302 Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupWebhook(t, func(rw http.ResponseWriter, _ *http.Request) {
				if tt.retryAfter != "" {
					rw.Header().Set("Retry-After", tt.retryAfter)
				}
				if tt.status == 302 {
					rw.Header().Set("Location", "/elsewhere")
				}
				rw.Header().Set("X-Request-Id", "rid-"+tt.name)
				rw.WriteHeader(tt.status)
				_, _ = io.WriteString(rw, tt.body)
			})

			receipt, err := b.hook.Send(context.Background(), Destination{WebhookURL: b.url}, testMessage())
			require.Equal(t, tt.wantKind, kind(err), "error: %v", err)
			require.Len(t, b.requests, 1, "exactly one request, no redirect followed")
			if tt.wantKind == "ok" {
				require.Equal(t, "rid-"+tt.name, receipt.ProviderMessageID)
				return
			}
			require.Equal(t, Receipt{}, receipt)
			require.Contains(t, err.Error(), "webhook POST "+b.url+": ")
			if tt.wantErr != "" {
				require.Contains(t, err.Error(), tt.wantErr)
			}
			statusErr, ok := errors.AsType[*StatusError](err)
			require.True(t, ok)
			require.Equal(t, tt.status, statusErr.StatusCode)
			after, ok := RetryAfter(err)
			require.Equal(t, tt.wantKind == "retry_after", ok)
			require.Equal(t, tt.wantAfter, after)
		})
	}
}

func TestWebhookPermanentBodyTruncated(t *testing.T) {
	t.Parallel()
	// 1 MiB of 3-byte runes: only 64 KiB is read, 200 bytes quoted, and the
	// cut does not leave half a rune.
	b := setupWebhook(t, func(rw http.ResponseWriter, _ *http.Request) {
		rw.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(rw, strings.Repeat("€", 1<<20/3))
	})

	_, err := b.hook.Send(context.Background(), Destination{WebhookURL: b.url}, testMessage())
	require.True(t, IsPermanent(err))
	statusErr, ok := errors.AsType[*StatusError](err)
	require.True(t, ok)
	require.Equal(t, strings.Repeat("€", 66), statusErr.Body) // 198 bytes
}

func TestWebhookTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	b := setupWebhook(t, func(rw http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server closes
	b.hook.Timeout = 50 * time.Millisecond

	_, err := b.hook.Send(context.Background(), Destination{WebhookURL: b.url}, testMessage())
	require.Error(t, err)
	require.Equal(t, "transient", kind(err), "error: %v", err)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, strings.HasPrefix(err.Error(), "webhook POST "+b.url+": "), err.Error())
}

func TestWebhookContextCanceled(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	release := make(chan struct{})
	b := setupWebhook(t, func(rw http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	_, err := b.hook.Send(ctx, Destination{WebhookURL: b.url}, testMessage())
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "transient", kind(err))
}

func TestWebhookNetworkError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now

	hook := &Webhook{Secret: testSecret}
	_, err := hook.Send(context.Background(), Destination{WebhookURL: url}, testMessage())
	require.Error(t, err)
	require.Equal(t, "transient", kind(err))
	require.True(t, strings.HasPrefix(err.Error(), "webhook POST "+url+": "), err.Error())
}

func TestWebhookInvalidDestination(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"",
		"   ",
		"ftp://example.com/hook",
		"example.com/hook",
		"/relative/path",
		"http://",
		"https://exa mple.com/",
		"http://[::1",
		"javascript:alert(1)",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			hook := &Webhook{Secret: testSecret}
			_, err := hook.Send(context.Background(), Destination{WebhookURL: raw}, testMessage())
			require.ErrorIs(t, err, ErrNoDestination)
			require.True(t, IsPermanent(err))
			require.False(t, IsUnreachable(err))
		})
	}
}

func TestWebhookMissingMessageID(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t, nil)
	m := testMessage()
	m.MessageID = ""

	_, err := b.hook.Send(context.Background(), Destination{WebhookURL: b.url}, m)
	require.True(t, IsPermanent(err))
	require.Empty(t, b.requests)
}

func TestWebhookErrorsRedactURLAndSecret(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t, func(rw http.ResponseWriter, _ *http.Request) {
		rw.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(rw, "rejected")
	})
	target := strings.Replace(b.url, "http://", "http://user:hunter2@", 1) + "?token=query-token#frag"

	_, err := b.hook.Send(context.Background(), Destination{WebhookURL: target}, testMessage())
	require.True(t, IsPermanent(err))
	require.Contains(t, err.Error(), "webhook POST "+b.url+": 400 Bad Request: rejected")
	for _, secret := range []string{"hunter2", "query-token", "frag", string(testSecret)} {
		require.NotContains(t, err.Error(), secret)
	}

	// Network errors too: net/http's own error would repeat the query.
	hook := &Webhook{Secret: testSecret, Timeout: 50 * time.Millisecond}
	_, err = hook.Send(context.Background(), Destination{WebhookURL: "http://127.0.0.1:1/x?token=query-token"}, testMessage())
	require.Error(t, err)
	require.NotContains(t, err.Error(), "query-token")
	require.NotContains(t, err.Error(), string(testSecret))
}

func TestSign(t *testing.T) {
	t.Parallel()
	// Independent vector: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac top-secret
	const want = "sha256=d2025794836f47aaa594a141e200ddfcf1ac5c703eeec4de43cd38a72262c5f3"
	require.Equal(t, want, Sign([]byte("top-secret"), "1700000000", []byte(`{"a":1}`)))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"message_id":"m1"}`)
	ts := strconv.FormatInt(testNow.Unix(), 10)
	sig := Sign(testSecret, ts, body)

	tests := []struct {
		name      string
		secret    []byte
		timestamp string
		signature string
		body      []byte
		now       time.Time
		tolerance time.Duration
		wantErr   error
	}{
		{name: "valid", secret: testSecret, timestamp: ts, signature: sig, body: body, now: testNow, tolerance: time.Minute},
		{name: "valid at edge past", secret: testSecret, timestamp: ts, signature: sig, body: body, now: testNow.Add(time.Minute), tolerance: time.Minute},
		{name: "valid at edge future", secret: testSecret, timestamp: ts, signature: sig, body: body, now: testNow.Add(-time.Minute), tolerance: time.Minute},
		{name: "default tolerance", secret: testSecret, timestamp: ts, signature: sig, body: body, now: testNow.Add(4 * time.Minute)},
		{name: "default tolerance stale", secret: testSecret, timestamp: ts, signature: sig, body: body, now: testNow.Add(6 * time.Minute), wantErr: ErrStaleTimestamp},
		{name: "stale", secret: testSecret, timestamp: ts, signature: sig, body: body, now: testNow.Add(61 * time.Second), tolerance: time.Minute, wantErr: ErrStaleTimestamp},
		{name: "future", secret: testSecret, timestamp: ts, signature: sig, body: body, now: testNow.Add(-61 * time.Second), tolerance: time.Minute, wantErr: ErrStaleTimestamp},
		{name: "wrong secret", secret: []byte("other"), timestamp: ts, signature: sig, body: body, now: testNow, tolerance: time.Minute, wantErr: ErrInvalidSignature},
		{name: "empty secret", secret: nil, timestamp: ts, signature: Sign(nil, ts, body), body: body, now: testNow, tolerance: time.Minute, wantErr: ErrInvalidSignature},
		{name: "tampered body", secret: testSecret, timestamp: ts, signature: sig, body: []byte(`{"message_id":"m2"}`), now: testNow, tolerance: time.Minute, wantErr: ErrInvalidSignature},
		{name: "no prefix", secret: testSecret, timestamp: ts, signature: strings.TrimPrefix(sig, "sha256="), body: body, now: testNow, tolerance: time.Minute, wantErr: ErrInvalidSignature},
		{name: "not hex", secret: testSecret, timestamp: ts, signature: "sha256=zz", body: body, now: testNow, tolerance: time.Minute, wantErr: ErrInvalidSignature},
		{name: "empty signature", secret: testSecret, timestamp: ts, signature: "", body: body, now: testNow, tolerance: time.Minute, wantErr: ErrInvalidSignature},
		{name: "bad timestamp", secret: testSecret, timestamp: "yesterday", signature: Sign(testSecret, "yesterday", body), body: body, now: testNow, tolerance: time.Minute, wantErr: ErrStaleTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(tt.secret, tt.timestamp, tt.signature, tt.body, tt.now, tt.tolerance)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}
