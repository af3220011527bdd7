package mailtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// send mails raw from a@test to the recipients with the standard library's
// client: the catcher is a real SMTP server to any client.
func send(t *testing.T, s *Server, raw string, to ...string) error {
	t.Helper()
	return smtp.SendMail(s.Addr(), nil, "a@test", to, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func TestKeepsBoundedNewest(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{Keep: 3})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	for i := 1; i <= 5; i++ {
		require.NoError(t, send(t, s, fmt.Sprintf("Subject: mail %d\n\nbody %d\n", i, i), "b@test"))
	}
	msgs := s.Messages()
	require.Len(t, msgs, 3, "only the newest Keep")
	require.Equal(t, "mail 3", msgs[0].Subject)
	require.Equal(t, 5, msgs[2].Seq)
	require.Equal(t, "body 5\n", msgs[2].Text)
	_, ok := s.Message(1)
	require.False(t, ok, "the oldest was dropped")

	big, err := Start(Options{MaxTotalBytes: 300})
	require.NoError(t, err)
	t.Cleanup(big.Close)
	for i := 0; i < 4; i++ {
		require.NoError(t, send(t, big, "Subject: x\n\n"+strings.Repeat("y", 100)+"\n", "b@test"))
	}
	total := 0
	for _, m := range big.Messages() {
		total += len(m.Raw)
	}
	require.LessOrEqual(t, total, 300, "the kept bytes stay within MaxTotalBytes")
	require.Less(t, len(big.Messages()), 4)
}

func TestFaultsAndStop(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	s.Fail(StageRcpt, "b@test", Reply{Code: 450, Message: "4.2.1 mailbox busy"}, 1)
	err = send(t, s, "Subject: x\n\nx\n", "b@test")
	require.ErrorContains(t, err, "4.2.1 mailbox busy")
	require.ErrorContains(t, err, "450")
	require.NoError(t, send(t, s, "Subject: x\n\nx\n", "b@test"), "the fault answered once")
	s.Fail(StageData, "", Reply{Code: 554, Message: "5.7.1 refused"}, -1)
	require.ErrorContains(t, send(t, s, "Subject: x\n\nx\n", "c@test"), "5.7.1 refused")
	require.ErrorContains(t, send(t, s, "Subject: x\n\nx\n", "c@test"), "554", "until cleared")
	s.ClearFaults()
	require.NoError(t, send(t, s, "Subject: x\n\nx\n", "c@test"))
	require.Len(t, s.To("C@TEST"), 1, "addresses compare case-insensitively")

	s.Stop()
	require.Error(t, send(t, s, "Subject: x\n\nx\n", "c@test"), "refused while stopped")
	require.NoError(t, s.Resume())
	require.NoError(t, send(t, s, "Subject: x\n\nx\n", "c@test"), "the same address after Resume")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := s.Wait(ctx, "c@test", 2)
	require.NoError(t, err)
	require.Len(t, got, 2)
}

// The page escapes everything from a message and serves inline images by
// Content-ID; the HTML part is in a sandboxed frame.
func TestPage(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	raw := "Subject: <script>alert(1)</script>\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: multipart/related; boundary=B\n\n" +
		"--B\nContent-Type: text/html; charset=utf-8\n\n<p onclick=\"x\">hi</p><img src=\"cid:img1@test\">\n" +
		"--B\nContent-Type: image/png\nContent-ID: <img1@test>\nContent-Disposition: inline; filename=\"a.png\"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n" +
		"--B--\n"
	require.NoError(t, send(t, s, raw, "b@test"))
	srv := httptest.NewServer(s.Page("/dev/mail"))
	t.Cleanup(srv.Close)
	get := func(path string) (int, http.Header, string) {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(b)
	}
	code, h, list := get("/dev/mail")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, list, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.NotContains(t, list, "<script>")
	require.Contains(t, h.Get("Content-Security-Policy"), "default-src 'none'", "no scripts run on the page")

	code, _, one := get("/dev/mail/1")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, one, `<iframe sandbox srcdoc="`)
	require.Contains(t, one, "/dev/mail/1/cid/img1@test", "cid: points at the part")
	require.NotContains(t, one, `<p onclick`, "the HTML part is escaped into srcdoc")

	code, h, img := get("/dev/mail/1/cid/img1@test")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "image/png", h.Get("Content-Type"))
	require.Equal(t, "\x89PNG\r\n\x1a\n", img)
	code, _, _ = get("/dev/mail/9")
	require.Equal(t, http.StatusNotFound, code)
	code, _, _ = get("/dev/mail/x/raw")
	require.Equal(t, http.StatusNotFound, code)
	code, _, rawOut := get("/dev/mail/1/raw")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, rawOut, "Content-ID: <img1@test>")
}
