package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/notify/mailtest"
)

var testLinkKey = []byte("0123456789abcdef0123456789abcdef")

// setupEmail starts a mail catcher and an Email channel that sends to it
// in plain text (as `vigil serve` does to its catcher).
func setupEmail(t *testing.T, opts mailtest.Options, modify ...func(*EmailConfig)) (*Email, *mailtest.Server) {
	t.Helper()
	srv, err := mailtest.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c := EmailConfig{Host: srv.Host(), Port: srv.Port(), From: "Vigil <alerts@vigil.example>", TLS: EmailNoTLS,
		Timeout: 10 * time.Second, Links: &EmailLinks{Base: "https://vigil.example/app", Keys: [][]byte{testLinkKey}}}
	for _, m := range modify {
		m(&c)
	}
	e, err := NewEmail(c)
	require.NoError(t, err)
	return e, srv
}

func emailMessage(id, text string) Message {
	return Message{MessageID: id, UserID: 42, Text: text, Priority: PriorityNormal, Type: TypeAlert, Attempt: 1, CreatedAt: testNow}
}

// A notification arrives as one mail with a text and an HTML part: the
// subject names its type, the HTML escapes the text, Message-ID comes from
// the message id and List-Unsubscribe carries the signed preferences link.
func TestEmailSend(t *testing.T) {
	t.Parallel()
	e, srv := setupEmail(t, mailtest.Options{})
	ctx := context.Background()
	text := "AAPL crossed above 150.00 <script>alert(1)</script> & more\nclose 151.20"
	m := emailMessage("7d4e1c1e-3c52-4c59-9a61-0d4bbf4c1a01", text)
	m.Priority = PriorityUrgent
	receipt, err := e.Send(ctx, Destination{Email: "ann@example.com"}, m)
	require.NoError(t, err)
	require.Contains(t, receipt.ProviderMessageID, "OK", "the server's answer to the message")

	got := srv.To("ann@example.com")
	require.Len(t, got, 1)
	mail := got[0]
	require.Empty(t, mail.ParseError)
	require.Equal(t, "alerts@vigil.example", mail.From, "envelope sender")
	require.Equal(t, "[Vigil alert] AAPL crossed above 150.00 <script>alert(1)</script> & more", mail.Subject)
	require.Equal(t, "7d4e1c1e-3c52-4c59-9a61-0d4bbf4c1a01@vigil.example", mail.MessageID())
	require.Equal(t, "high", strings.ToLower(mail.Header.Get("Importance")), "urgent is high importance")
	require.Contains(t, mail.Text, text, "the text part is the message as is")
	require.Contains(t, mail.HTML, "AAPL crossed above 150.00 &lt;script&gt;alert(1)&lt;/script&gt; &amp; more")
	require.NotContains(t, mail.HTML, "<script>")

	unsub := mail.Header.Get("List-Unsubscribe")
	require.True(t, strings.HasPrefix(unsub, "<https://vigil.example/app/email/preferences?") && strings.HasSuffix(unsub, ">"), unsub)
	link, err := url.Parse(strings.Trim(unsub, "<>"))
	require.NoError(t, err)
	require.Equal(t, "42", link.Query().Get("u"))
	links := &EmailLinks{Keys: [][]byte{testLinkKey}}
	require.True(t, links.Verify(42, "ann@example.com", link.Query().Get("t")), "the link is signed for this user and address")
	require.Equal(t, "List-Unsubscribe=One-Click", mail.Header.Get("List-Unsubscribe-Post"))
	require.Contains(t, mail.Text, strings.Trim(unsub, "<>"), "the footer links to the preferences too")
	require.Contains(t, mail.HTML, `href="`+strings.ReplaceAll(strings.Trim(unsub, "<>"), "&", "&amp;")+`"`)

	// A retry of the same notification carries the same Message-ID: the
	// receiver's idempotency key.
	m.Attempt = 2
	_, err = e.Send(ctx, Destination{Email: "ann@example.com"}, m)
	require.NoError(t, err)
	got = srv.To("ann@example.com")
	require.Len(t, got, 2)
	require.Equal(t, got[0].MessageID(), got[1].MessageID())
}

// A report's charts are inline images of the mail itself, each referenced
// by its Content-ID from the HTML part.
func TestEmailInlineImages(t *testing.T) {
	t.Parallel()
	e, srv := setupEmail(t, mailtest.Options{})
	png1 := append([]byte("\x89PNG\r\n\x1a\n"), []byte(strings.Repeat("chart one ", 50))...)
	png2 := append([]byte("\x89PNG\r\n\x1a\n"), []byte("chart two")...)
	m := emailMessage("5b0c42d0-0000-4000-8000-000000000001", "Weekly report\nAAPL +3.1%")
	m.Type = TypeReport
	m.Images = []Image{{Name: "price.png", Caption: "AAPL price", PNG: png1}, {Name: "volume.png", PNG: png2}}
	_, err := e.Send(context.Background(), Destination{Email: "bob@example.com"}, m)
	require.NoError(t, err)

	got := srv.To("bob@example.com")
	require.Len(t, got, 1, "text and charts are one mail")
	mail := got[0]
	require.Equal(t, "[Vigil report] Weekly report", mail.Subject)
	require.Len(t, mail.Inline, 2)
	require.Empty(t, mail.Attachments, "charts are inline, not attachments")
	for i, want := range [][]byte{png1, png2} {
		part := mail.Inline[i]
		require.Equal(t, "image/png", part.ContentType)
		require.Equal(t, want, part.Data)
		require.Contains(t, mail.HTML, `src="cid:`+part.ContentID+`"`, "the HTML shows the image by Content-ID")
	}
	require.Contains(t, mail.HTML, "AAPL price")
	require.Contains(t, mail.Header.Get("Content-Type"), "multipart/")
	require.Contains(t, mail.Text, "- AAPL price\n- volume.png", "the text part names the charts")
}

// SMTP replies decide the class of an error: 4xx and connection errors
// are transient, 5xx to RCPT TO bounces the address, 5xx to the message
// is permanent.
func TestEmailErrorClasses(t *testing.T) {
	t.Parallel()
	e, srv := setupEmail(t, mailtest.Options{})
	ctx := context.Background()
	send := func(to string) error {
		_, err := e.Send(ctx, Destination{Email: to}, emailMessage("11111111-2222-4333-8444-555555555555", "hello"))
		return err
	}

	srv.Fail(mailtest.StageRcpt, "busy@example.com", mailtest.Reply{Code: 421, Message: "service not available, try later"}, 1)
	err := send("busy@example.com")
	require.Error(t, err)
	require.False(t, IsPermanent(err), "421 is transient: %v", err)
	require.Contains(t, err.Error(), "RCPT TO: 421")
	require.NoError(t, send("busy@example.com"), "the next attempt is delivered")

	srv.Fail(mailtest.StageData, "", mailtest.Reply{Code: 451, Message: "local error in processing"}, 1)
	err = send("later@example.com")
	require.Error(t, err)
	require.False(t, IsPermanent(err), "451 is transient: %v", err)
	require.Contains(t, err.Error(), "DATA: 451")

	srv.Fail(mailtest.StageRcpt, "gone@example.com", mailtest.Reply{Code: 550, Message: "no such user"}, -1)
	err = send("gone@example.com")
	require.True(t, IsBouncing(err), "550 to RCPT TO bounces: %v", err)
	require.True(t, IsPermanent(err))
	require.False(t, IsUnreachable(err), "the user's other channels go on")
	smtpErr, ok := errors.AsType[*SMTPError](err)
	require.True(t, ok)
	require.Equal(t, 550, smtpErr.Code)
	require.Equal(t, "RCPT TO", smtpErr.Stage)

	srv.Fail(mailtest.StageData, "big@example.com", mailtest.Reply{Code: 552, Message: "message too big"}, 1)
	err = send("big@example.com")
	require.True(t, IsPermanent(err), "552 to the message is permanent: %v", err)
	require.False(t, IsBouncing(err), "the address is fine")

	srv.Fail(mailtest.StageMail, "", mailtest.Reply{Code: 553, Message: "sender not allowed"}, 1)
	err = send("any@example.com")
	require.Error(t, err)
	require.False(t, IsPermanent(err), "a refused sender is our settings: messages wait for the fix: %v", err)

	srv.Stop()
	err = send("down@example.com")
	require.Error(t, err)
	require.False(t, IsPermanent(err), "a server that is down is transient: %v", err)
	require.NoError(t, srv.Resume())
	require.NoError(t, send("down@example.com"), "delivered once the server is back")

	_, err = e.Send(ctx, Destination{}, emailMessage("11111111-2222-4333-8444-555555555555", "hello"))
	require.ErrorIs(t, err, ErrNoDestination)
	require.True(t, IsPermanent(err))

	require.Equal(t, 2, len(srv.To("busy@example.com"))+len(srv.To("down@example.com"))+len(srv.To("later@example.com")),
		"only the accepted attempts were kept (busy and down once each, later never)")
}

// With starttls the channel encrypts before logging in; a server without
// STARTTLS is refused (transient: a deployment problem); a wrong password
// is transient too.
func TestEmailStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	serverTLS, roots, err := mailtest.SelfSignedTLS()
	require.NoError(t, err)
	withTLS := func(c *EmailConfig) {
		c.TLS, c.TLSConfig = EmailStartTLS, &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}
		c.Username, c.Password = "vigil", "s3cret"
	}
	e, srv := setupEmail(t, mailtest.Options{TLS: serverTLS, Username: "vigil", Password: "s3cret"}, withTLS)
	msg := emailMessage("22222222-2222-4333-8444-555555555555", "hello over TLS")
	_, err = e.Send(context.Background(), Destination{Email: "tls@example.com"}, msg)
	require.NoError(t, err)
	require.Len(t, srv.To("tls@example.com"), 1)

	wrong, _ := setupEmail(t, mailtest.Options{TLS: serverTLS, Username: "vigil", Password: "other"}, withTLS)
	_, err = wrong.Send(context.Background(), Destination{Email: "tls@example.com"}, msg)
	require.Error(t, err)
	require.False(t, IsPermanent(err), "bad credentials keep the messages: %v", err)
	require.NotContains(t, err.Error(), "s3cret")

	plain, plainSrv := setupEmail(t, mailtest.Options{}, withTLS)
	_, err = plain.Send(context.Background(), Destination{Email: "tls@example.com"}, msg)
	require.Error(t, err, "starttls is required")
	require.False(t, IsPermanent(err))
	require.Empty(t, plainSrv.Messages())
}

func TestEmailConfirmation(t *testing.T) {
	t.Parallel()
	e, srv := setupEmail(t, mailtest.Options{})
	_, err := e.SendConfirmation(context.Background(), Confirmation{UserID: 7, To: "new@example.com", Code: "492817",
		Expires: testNow.Add(time.Hour)})
	require.NoError(t, err)
	got := srv.To("new@example.com")
	require.Len(t, got, 1)
	require.Equal(t, "Your Vigil confirmation code", got[0].Subject)
	require.Contains(t, got[0].Text, "/email confirm 492817")
	require.Contains(t, got[0].Text, "2026-03-01 13:00 UTC")
	require.Empty(t, got[0].Header.Get("List-Unsubscribe"), "the address is not the user's yet")
}

func TestEmailSubject(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ typ, text, want string }{
		{TypeAlert, "AAPL > 150\nmore", "[Vigil alert] AAPL > 150"},
		{TypeScreener, "\n\n  5 matches  \n", "[Vigil screener] 5 matches"},
		{TypeTrade, "BUY 10 AAPL", "[Vigil trade] BUY 10 AAPL"},
		{TypeSystem, "Incident opened", "[Vigil] Incident opened"},
		{TypeReport, "", "[Vigil report] report notification"},
		{TypeAlert, "tab\there\r", "[Vigil alert] tab here"},
		{TypeAlert, strings.Repeat("é", 200), "[Vigil alert] " + strings.Repeat("é", 119) + "…"},
	} {
		require.Equal(t, tt.want, EmailSubject(tt.typ, tt.text), "%q", tt.text)
	}
}

func TestEmailLinks(t *testing.T) {
	t.Parallel()
	l := &EmailLinks{Base: "http://localhost:8001", Keys: [][]byte{testLinkKey}}
	raw := l.PreferencesURL(9, "Ann@Example.com")
	u, err := url.Parse(raw)
	require.NoError(t, err)
	require.Equal(t, "/email/preferences", u.Path)
	tok := u.Query().Get("t")
	require.True(t, l.Verify(9, "ann@example.com", tok), "addresses compare case-insensitively")
	require.False(t, l.Verify(10, "ann@example.com", tok), "another user")
	require.False(t, l.Verify(9, "other@example.com", tok), "a changed address")
	require.False(t, l.Verify(9, "ann@example.com", tok[:len(tok)-1]))
	require.False(t, l.Verify(9, "ann@example.com", ""))
	rotated := &EmailLinks{Keys: [][]byte{[]byte("another key of thirty-two bytes!"), testLinkKey}}
	require.True(t, rotated.Verify(9, "ann@example.com", tok), "links signed before a rotation still verify")
	require.Empty(t, (&EmailLinks{}).PreferencesURL(9, "a@b"), "no key, no link")
}

// A cancelled delivery (the worker stopping) ends the SMTP session in
// progress: a server that never answers does not hold the attempt until
// the channel's timeout.
func TestEmailCancelEndsSession(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c // never greets
		}
	}()
	addr := ln.Addr().(*net.TCPAddr)
	e, err := NewEmail(EmailConfig{Host: "127.0.0.1", Port: addr.Port, From: "vigil@vigil.test", TLS: EmailNoTLS, Timeout: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		c := <-accepted
		defer c.Close()
		cancel()
	}()
	_, err = e.Send(ctx, Destination{Email: "x@example.com"}, emailMessage("33333333-2222-4333-8444-555555555555", "hello"))
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, IsPermanent(err))
}
