// Package mailtest is an SMTP server that keeps what it receives in memory:
// the mail catcher `vigil serve` starts when no smtp_host is configured
// (shown at /dev/mail, see Page), and the server the email tests talk to.
//
// It is a real SMTP server (github.com/emersion/go-smtp) on a loopback
// port: the email channel talks to it exactly as to a production mail
// server, STARTTLS and AUTH included when asked for. It keeps at most
// Options.Keep messages and Options.MaxTotalBytes in all, dropping the
// oldest, so it cannot grow without bound. Faults (Fail, Stop) make it
// answer 4xx or 5xx or go away, for tests of retries, bounces and outages.
package mailtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Defaults of Options.
const (
	DefaultKeep          = 200
	DefaultMaxTotalBytes = 32 << 20
	DefaultMaxMessage    = 10 << 20
)

// Options configure Start.
type Options struct {
	// Addr is the listen address; "" = 127.0.0.1 on a free port.
	Addr string
	// Domain is the name the server greets with; "" = "localhost".
	Domain string
	// Keep bounds the messages kept (0 = DefaultKeep); MaxTotalBytes their
	// raw size in all (0 = DefaultMaxTotalBytes). The oldest go first.
	Keep          int
	MaxTotalBytes int
	// MaxMessageBytes refuses bigger messages with 552 (0 =
	// DefaultMaxMessage).
	MaxMessageBytes int64
	// TLS, when set, offers STARTTLS with this configuration.
	TLS *tls.Config
	// Username and Password, when set, are required (AUTH PLAIN) before
	// MAIL FROM.
	Username, Password string
}

// Server is a running mail catcher. Its methods are safe for concurrent
// use.
type Server struct {
	opts Options
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	messages []Message
	bytes    int
	seq      int
	faults   []*fault
	sessions int // SMTP sessions begun (EHLO), for tests
	changed  chan struct{}
	closed   bool
}

// Start listens on opts.Addr and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Domain == "" {
		opts.Domain = "localhost"
	}
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.MaxTotalBytes <= 0 {
		opts.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessage
	}
	s := &Server{opts: opts, changed: make(chan struct{})}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail catcher: listen on %s: %w", opts.Addr, err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

// serve starts a go-smtp server on ln.
func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = s.opts.Domain
	srv.MaxMessageBytes = s.opts.MaxMessageBytes
	srv.MaxRecipients = 50
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.TLSConfig = s.opts.TLS
	srv.AllowInsecureAuth = true
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// Host is the address's host.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port is the address's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Stop closes the listener and every connection: clients get "connection
// refused" until Resume. Kept messages stay.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Resume listens again on the same address after Stop.
func (s *Server) Resume() error {
	s.mu.Lock()
	running, closed := s.srv != nil, s.closed
	s.mu.Unlock()
	if running || closed {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mail catcher: listen again on %s: %w", s.addr, err)
	}
	s.serve(ln)
	return nil
}

// Close stops the server for good.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.Stop()
}

// Messages returns the kept messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Message returns the kept message with sequence number seq.
func (s *Server) Message(seq int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if m.Seq == seq {
			return m, true
		}
	}
	return Message{}, false
}

// To returns the kept messages to addr (compared case-insensitively),
// oldest first.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Sessions counts the SMTP sessions begun (EHLO/HELO), refused ones too.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Wait blocks until at least n messages to addr ("" = to anyone) are kept,
// or ctx ends, and returns them.
func (s *Server) Wait(ctx context.Context, addr string, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		got := s.Messages()
		if addr != "" {
			got = s.To(addr)
		}
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("mail catcher: %d of %d messages to %q arrived: %w", len(got), n, addr, ctx.Err())
		case <-changed:
		}
	}
}

// keep stores a received message, dropping the oldest over the bounds.
func (s *Server) keep(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m.Seq = s.seq
	s.messages = append(s.messages, m)
	s.bytes += len(m.Raw)
	for len(s.messages) > 1 && (len(s.messages) > s.opts.Keep || s.bytes > s.opts.MaxTotalBytes) {
		s.bytes -= len(s.messages[0].Raw)
		s.messages[0] = Message{}
		s.messages = s.messages[1:]
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// session is one SMTP session.
type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (s *Server) newSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &session{s: s, authed: s.opts.Username == ""}, nil
}

// AuthMechanisms offers PLAIN when a login is required.
func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks the PLAIN login.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	if err := ss.s.fault(StageMail, from); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.fault(StageRcpt, to); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	for _, to := range ss.to {
		if err := ss.s.fault(StageData, to); err != nil {
			return err
		}
	}
	m := parseMessage(buf.Bytes())
	m.From, m.To, m.Received = ss.from, append([]string(nil), ss.to...), time.Now()
	ss.s.keep(m)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
