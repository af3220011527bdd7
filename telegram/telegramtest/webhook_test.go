package telegramtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// receiver is a webhook endpoint that records what it is sent and answers
// with the statuses it is given, then 200.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	bodies   []map[string]any
	secrets  []string
	types    []string
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{statuses: statuses}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, m)
		rc.secrets = append(rc.secrets, r.Header.Get(WebhookSecretHeader))
		rc.types = append(rc.types, r.Header.Get("Content-Type"))
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) received() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.bodies)
}

func (b *testBundle) webhookInfo(t *testing.T) map[string]any {
	t.Helper()
	status, r := b.call(t, "getWebhookInfo", nil)
	requireOK(t, status, r)
	var info map[string]any
	require.NoError(t, json.Unmarshal(r.Result, &info))
	return info
}

func TestWebhookDelivers(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{WebhookRetryDelay: time.Millisecond})
	rc := newReceiver(t)
	require.Equal(t, "", b.webhookInfo(t)["url"])

	status, r := b.call(t, "setWebhook", url.Values{"url": {rc.srv.URL + "/telegram/webhook"}, "secret_token": {"s3cret_-X"},
		"allowed_updates": {`["message"]`}, "max_connections": {"1"}})
	requireOK(t, status, r)
	require.Equal(t, "Webhook was set", r.Description)
	require.Equal(t, WebhookInfo{URL: rc.srv.URL + "/telegram/webhook", Secret: "s3cret_-X", AllowedUpdates: []string{"message"}, MaxConnections: 1},
		b.srv.Webhook())

	id := b.srv.SendUpdate(42, 42, "/start")
	require.Eventually(t, func() bool { return rc.received() == 1 && b.srv.PendingUpdates() == 0 }, 10*time.Second, time.Millisecond)
	rc.mu.Lock()
	require.Equal(t, float64(id), rc.bodies[0]["update_id"])
	require.Equal(t, "/start", rc.bodies[0]["message"].(map[string]any)["text"])
	require.Equal(t, "s3cret_-X", rc.secrets[0])
	require.Equal(t, "application/json", rc.types[0])
	rc.mu.Unlock()

	// An update type the webhook did not ask for is dropped.
	b.srv.SendCallbackQuery(42, 42, 1, "x")
	require.Eventually(t, func() bool { return b.srv.PendingUpdates() == 0 }, 10*time.Second, time.Millisecond)
	require.Equal(t, 1, rc.received())

	info := b.webhookInfo(t)
	require.Equal(t, rc.srv.URL+"/telegram/webhook", info["url"])
	require.Equal(t, float64(0), info["pending_update_count"])
	require.Equal(t, float64(1), info["max_connections"])
	require.Equal(t, []any{"message"}, info["allowed_updates"])
	require.NotContains(t, info, "last_error_message")

	// getUpdates is refused while the webhook is set.
	status, r = b.call(t, "getUpdates", nil)
	requireError(t, status, r, http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")

	status, r = b.call(t, "setWebhook", url.Values{"url": {rc.srv.URL + "/telegram/webhook"}, "secret_token": {"s3cret_-X"}})
	requireOK(t, status, r)
	require.Equal(t, "Webhook is already set", r.Description)
}

func TestWebhookRetriesUntil2xx(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{WebhookRetryDelay: time.Millisecond})
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusBadGateway)
	status, r := b.call(t, "setWebhook", url.Values{"url": {rc.srv.URL}})
	requireOK(t, status, r)
	id := b.srv.SendUpdate(7, 7, "hello")
	second := b.srv.SendUpdate(7, 7, "again")
	require.Eventually(t, func() bool { return rc.received() == 4 && b.srv.PendingUpdates() == 0 }, 10*time.Second, time.Millisecond)

	d := b.srv.WebhookDeliveries()
	require.Len(t, d, 4)
	require.Equal(t, []WebhookDelivery{
		{UpdateID: id, URL: rc.srv.URL, Status: 500, Error: "Wrong response from the webhook: 500 Internal Server Error"},
		{UpdateID: id, URL: rc.srv.URL, Status: 502, Error: "Wrong response from the webhook: 502 Bad Gateway"},
		{UpdateID: id, URL: rc.srv.URL, Status: 200},
		{UpdateID: second, URL: rc.srv.URL, Status: 200},
	}, d)
	info := b.webhookInfo(t)
	require.Equal(t, "Wrong response from the webhook: 502 Bad Gateway", info["last_error_message"])
	require.Equal(t, float64(b.clock.Now().Unix()), info["last_error_date"])
	require.Equal(t, "", d[0].Secret, "no secret_token, no header")
}

func TestWebhookUnreachableKeepsUpdate(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{WebhookRetryDelay: time.Millisecond})
	rc := newReceiver(t)
	addr := rc.srv.URL
	rc.srv.Close() // nothing listens there any more
	status, r := b.call(t, "setWebhook", url.Values{"url": {addr}})
	requireOK(t, status, r)
	b.srv.SendUpdate(7, 7, "hello")
	require.Eventually(t, func() bool { return len(b.srv.WebhookDeliveries()) >= 2 }, 10*time.Second, time.Millisecond)
	require.Equal(t, "Connection refused", b.srv.WebhookDeliveries()[0].Error)
	require.Equal(t, 1, b.srv.PendingUpdates())

	// Deleting the webhook stops the deliveries; the update is polled.
	status, r = b.call(t, "deleteWebhook", nil)
	requireOK(t, status, r)
	require.Equal(t, "Webhook was deleted", r.Description)
	got := b.getUpdates(t, 0, 0)
	require.Len(t, got, 1)
	status, r = b.call(t, "deleteWebhook", nil)
	requireOK(t, status, r)
	require.Equal(t, "Webhook is already deleted", r.Description)
}

func TestSetWebhookEndsPoll(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	rc := newReceiver(t)
	first := make(chan reply, 1)
	started := make(chan struct{})
	go func() {
		close(started)
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
	<-started
	// setWebhook must come after the poll started waiting; set it until the
	// poll has ended (a poll arriving after it is refused the same way).
	var r reply
	for {
		status, sr := b.call(t, "setWebhook", url.Values{"url": {rc.srv.URL}})
		requireOK(t, status, sr)
		select {
		case r = <-first:
		case <-time.After(50 * time.Millisecond):
			status, dr := b.call(t, "deleteWebhook", nil)
			requireOK(t, status, dr)
			continue
		}
		break
	}
	require.Equal(t, http.StatusConflict, r.ErrorCode)
	require.Contains(t, []string{"Conflict: terminated by setWebhook request",
		"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}, r.Description)
}

func TestSetWebhookRefuses(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"url": {"ftp://example.com/hook"}}, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"},
		{url.Values{"url": {"https:///nohost"}}, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"},
		{url.Values{"url": {"https://example.com/hook"}, "secret_token": {"has space"}}, "Bad Request: secret token contains unallowed characters"},
		{url.Values{"url": {"https://example.com/hook"}, "secret_token": {"bot:token"}}, "Bad Request: secret token contains unallowed characters"},
		{url.Values{"url": {"https://example.com/hook"}, "allowed_updates": {"message"}}, "Bad Request: can't parse allowed updates"},
	} {
		status, r := b.call(t, "setWebhook", tc.form)
		requireError(t, status, r, http.StatusBadRequest, tc.want)
	}
	require.Equal(t, "", b.srv.Webhook().URL)
	// An empty url removes the webhook, as on Telegram.
	status, r := b.call(t, "setWebhook", url.Values{"url": {""}})
	requireOK(t, status, r)
	require.Equal(t, "Webhook is already deleted", r.Description)
}
