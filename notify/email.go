package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/vigilhq/vigil/health/outcome"
)

// Connection security of the email channel (config smtp_tls).
const (
	EmailStartTLS = "starttls" // STARTTLS, required: a server without it is refused
	EmailTLS      = "tls"      // implicit TLS from the first byte (usually port 465)
	EmailNoTLS    = "none"     // plain text (a relay on localhost, the mail catcher)
)

// DefaultEmailTimeout bounds one delivery: connecting, the SMTP dialogue
// and the message.
const DefaultEmailTimeout = 30 * time.Second

// EmailConfig configures NewEmail.
type EmailConfig struct {
	Host string
	Port int // 0 = 587
	// Username and Password log in (SMTP AUTH, the best mechanism the
	// server offers); empty: no login.
	Username, Password string
	// From is the From address, e.g. "Vigil <alerts@example.com>"
	// (required).
	From string
	// TLS is EmailStartTLS (the default when ""), EmailTLS or EmailNoTLS.
	TLS string
	// TLSConfig replaces the default (system roots, ServerName Host).
	TLSConfig *tls.Config
	// Timeout bounds one delivery; 0 = DefaultEmailTimeout.
	Timeout time.Duration
	// Links signs the preferences link of each mail (List-Unsubscribe and
	// the footer); nil or without keys sends mails without it.
	Links *EmailLinks
	// HELO is the name the client greets with; "" = the host name.
	HELO string
}

// Email delivers messages to Destination.Email over SMTP, through go-mail.
// Each Send is one SMTP session: one message with
//
//   - a subject per notification type (EmailSubject);
//   - a plain-text and an HTML part (the text HTML-escaped: a message is
//     never markup), and Message.Images inline in the HTML part, referenced
//     by Content-ID (multipart/related), so that a report's charts are in
//     the mail rather than behind links;
//   - Message-ID <MessageID@domain of From>: the same on every retry, so a
//     receiver can drop duplicates;
//   - List-Unsubscribe (and List-Unsubscribe-Post, RFC 8058) with the
//     signed link to the user's email preferences (EmailLinks), also in the
//     footer; Importance high for high and urgent messages.
//
// Outcomes are classified by the SMTP reply:
//
//   - 5xx to RCPT TO (no such mailbox, domain refused): Bouncing (the
//     worker cancels the delivery and marks the address bouncing);
//   - 5xx to MAIL FROM or the message (DATA: too big, refused content):
//     Permanent;
//   - 4xx at any step (421 service not available, 450/451/452 try later),
//     connection errors, timeouts and TLS failures: transient, retried
//     with the worker's outage backoff;
//   - 5xx before MAIL FROM (greeting, EHLO, STARTTLS, AUTH: 535 bad
//     credentials) is a deployment problem: transient, so that messages
//     wait until the operator fixes it.
//
// Errors never contain the password.
type Email struct {
	cfg     EmailConfig
	from    *mail.Address
	domain  string
	outcome outcome.Recorder
}

var _ ImageEmbedder = (*Email)(nil)

// NewEmail returns an Email channel; it makes no connection.
func NewEmail(c EmailConfig) (*Email, error) {
	if strings.TrimSpace(c.Host) == "" {
		return nil, errors.New("email: no SMTP host")
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("email: From %q: %w", c.From, err)
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	if c.Port == 0 {
		c.Port = 587
	}
	if c.TLS == "" {
		c.TLS = EmailStartTLS
	}
	switch c.TLS {
	case EmailStartTLS, EmailTLS, EmailNoTLS:
	default:
		return nil, fmt.Errorf("email: TLS %q: want starttls, tls or none", c.TLS)
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultEmailTimeout
	}
	return &Email{cfg: c, from: from, domain: strings.ToLower(domain)}, nil
}

// Name returns "email".
func (e *Email) Name() string { return ChannelEmail }

// EmbedsImages reports true: Message.Images go inside the mail.
func (e *Email) EmbedsImages() bool { return true }

// Outcome records the result of every delivery attempt the channel made
// (a cancelled one, or a message refused before connecting, records
// nothing).
func (e *Email) Outcome() *outcome.Recorder { return &e.outcome }

// Send makes one delivery attempt of m to dest.Email; see Email.
func (e *Email) Send(ctx context.Context, dest Destination, m Message) (Receipt, error) {
	if strings.TrimSpace(dest.Email) == "" {
		return Receipt{}, Permanent(fmt.Errorf("email: %w: no confirmed address", ErrNoDestination))
	}
	if m.MessageID == "" {
		return Receipt{}, Permanent(fmt.Errorf("email to %s: message has no MessageID", dest.Email))
	}
	if strings.TrimSpace(m.Text) == "" {
		return Receipt{}, Permanent(fmt.Errorf("email to %s: message %s has no text", dest.Email, m.MessageID))
	}
	msg, err := e.message(dest.Email, m)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("email to %s: message %s: %w", dest.Email, m.MessageID, err))
	}
	return e.deliver(ctx, dest.Email, msg)
}

// Confirmation is a mail with a code that proves a user reads an address.
type Confirmation struct {
	UserID  int64
	To      string
	Code    string
	Expires time.Time
}

// SendConfirmation sends the confirmation code c.Code to c.To: a system
// mail, not subject to preferences, without a List-Unsubscribe link (the
// address is not the user's yet). Errors are classified as for Send.
func (e *Email) SendConfirmation(ctx context.Context, c Confirmation) (Receipt, error) {
	text := fmt.Sprintf("Your Vigil confirmation code is %s\n\n"+
		"Send it to the bot as /email confirm %s, or to the API as POST /api/me/email/confirm {\"code\": \"%s\"}.\n"+
		"It expires at %s. If you did not ask for this, ignore this mail: nothing is sent to this address until it is confirmed.",
		c.Code, c.Code, c.Code, c.Expires.UTC().Format("2006-01-02 15:04 UTC"))
	m := Message{MessageID: "confirm-" + strconv.FormatInt(c.UserID, 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		UserID: c.UserID, Text: text, Priority: PriorityHigh, Type: TypeSystem, CreatedAt: time.Now()}
	msg, err := e.build(c.To, m, "Your Vigil confirmation code", "")
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("email to %s: confirmation: %w", c.To, err))
	}
	return e.deliver(ctx, c.To, msg)
}

// message builds the mail of a notification.
func (e *Email) message(to string, m Message) (*gomail.Msg, error) {
	prefs := ""
	if e.cfg.Links != nil {
		prefs = e.cfg.Links.PreferencesURL(m.UserID, to)
	}
	return e.build(to, m, EmailSubject(m.Type, m.Text), prefs)
}

// build makes the go-mail message: headers, text and HTML parts, inline
// images.
func (e *Email) build(to string, m Message, subject, prefs string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(e.from)
	if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(subject)
	msg.SetMessageIDWithValue(m.MessageID + "@" + e.domain)
	created := m.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	msg.SetDateWithValue(created)
	msg.SetUserAgent("Vigil")
	msg.SetGenHeader("X-Vigil-Message-Id", m.MessageID)
	msg.SetGenHeader("X-Vigil-Notification-Type", m.Type)
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	if m.Priority == PriorityHigh || m.Priority == PriorityUrgent {
		msg.SetImportance(gomail.ImportanceHigh)
	}
	if prefs != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+prefs+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	images := make([]emailImage, 0, len(m.Images))
	for i, im := range m.Images {
		if len(im.PNG) == 0 {
			continue
		}
		images = append(images, emailImage{Image: im, cid: fmt.Sprintf("image%d.%s@%s", i+1, m.MessageID, e.domain)})
	}
	msg.SetBodyString(gomail.TypeTextPlain, emailText(m, images, prefs))
	msg.AddAlternativeString(gomail.TypeTextHTML, emailHTML(m, images, prefs))
	for i, im := range images {
		name := im.Name
		if name == "" || strings.ContainsAny(name, "/\\\"\r\n") {
			name = fmt.Sprintf("image%d.png", i+1)
		}
		if err := msg.EmbedReader(name, bytes.NewReader(im.PNG), gomail.WithFileContentID("<"+im.cid+">"),
			gomail.WithFileContentType("image/png"), gomail.WithFileDescription(imageTitle(im.Image))); err != nil {
			return nil, fmt.Errorf("image %s: %w", name, err)
		}
	}
	return msg, nil
}

// deliver makes one SMTP session for msg and classifies its outcome.
func (e *Email) deliver(ctx context.Context, to string, msg *gomail.Msg) (Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	conns := &connTracker{}
	client, err := e.client(conns)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("email to %s: %w", to, err))
	}
	// go-mail watches the context while connecting only: closing the
	// connection when ctx ends stops a session in progress, and closing it
	// afterwards frees one go-mail leaves open after a failed greeting,
	// EHLO or STARTTLS.
	stop := context.AfterFunc(ctx, conns.close)
	sendErr := client.DialAndSendWithContext(ctx, msg)
	stop()
	conns.close()
	if sendErr != nil && ctx.Err() != nil {
		sendErr = fmt.Errorf("%w: %w", ctx.Err(), sendErr)
	}
	if sendErr != nil && msg.IsDelivered() {
		// The server accepted the message; only the goodbye (RSET, QUIT)
		// failed. Sending again would deliver a duplicate.
		sendErr = nil
	}
	err = e.classify(to, sendErr)
	switch {
	case errors.Is(err, context.Canceled):
	case IsBouncing(err):
		// The server answered as it should; the address is the problem.
		e.outcome.Record(time.Now(), nil)
	default:
		e.outcome.Record(time.Now(), err)
	}
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{ProviderMessageID: strings.TrimSpace(msg.ServerResponse())}, nil
}

// client returns a go-mail client for one session whose connections conns
// tracks (except with implicit TLS, where go-mail must dial itself to know
// the connection is encrypted).
func (e *Email) client(conns *connTracker) (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(e.cfg.Port), gomail.WithTimeout(e.cfg.Timeout)}
	switch e.cfg.TLS {
	case EmailStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithDialContextFunc(conns.dial))
	case EmailTLS:
		opts = append(opts, gomail.WithSSL())
	case EmailNoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithDialContextFunc(conns.dial))
	}
	if e.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(e.cfg.TLSConfig))
	}
	if e.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(e.cfg.Username), gomail.WithPassword(e.cfg.Password))
	}
	if e.cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(e.cfg.HELO))
	}
	c, err := gomail.NewClient(e.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", e.cfg.Host, err)
	}
	return c, nil
}

// connTracker dials and remembers the connections of one session, so that
// they can be closed whatever go-mail did with them.
type connTracker struct {
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func (t *connTracker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	t.conns = append(t.conns, c)
	return c, nil
}

// close closes every connection (again: closing twice is harmless).
func (t *connTracker) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for _, c := range t.conns {
		_ = c.Close()
	}
}
