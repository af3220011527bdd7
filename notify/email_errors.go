package notify

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// SMTPError is a delivery the mail server refused with a reply code. Send
// returns it wrapped in its class (Bouncing, Permanent or plain transient).
type SMTPError struct {
	To      string // the recipient
	Stage   string // "connect" (greeting, EHLO, STARTTLS, AUTH), "MAIL FROM", "RCPT TO", "DATA"
	Code    int    // the reply code, e.g. 550; 0 when the server gave none
	Message string // the server's words, e.g. "5.1.1 no such user"
}

// Error returns e.g. "email to a@example.com: RCPT TO: 550 5.1.1 no such user".
func (e *SMTPError) Error() string {
	msg := fmt.Sprintf("email to %s: %s", e.To, e.Stage)
	if e.Code != 0 {
		msg += fmt.Sprintf(": %d", e.Code)
	}
	if e.Message != "" {
		msg += " " + e.Message
	}
	return msg
}

// Temporary reports a 4xx reply.
func (e *SMTPError) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// classify wraps the outcome of one SMTP session in its class (see Email).
func (e *Email) classify(to string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("email to %s: %w", to, err)
	}
	se, ok := errors.AsType[*gomail.SendError](err)
	if !ok {
		// No message was started: connecting, the greeting, EHLO,
		// STARTTLS or AUTH failed. A reply code there means the server or
		// our settings are wrong (421 busy, 535 bad credentials), not this
		// message: transient either way.
		if tp, ok := errors.AsType[*textproto.Error](err); ok {
			return &SMTPError{To: to, Stage: "connect", Code: tp.Code, Message: tp.Msg}
		}
		return fmt.Errorf("email to %s: connect to the mail server: %w", to, err)
	}
	smtpErr := &SMTPError{To: to, Stage: stageOf(se.Reason), Code: se.ErrorCode(), Message: sendErrorText(se)}
	if tp, ok := errors.AsType[*textproto.Error](err); ok {
		smtpErr.Code, smtpErr.Message = tp.Code, tp.Msg
	}
	if smtpErr.Code < 500 || smtpErr.Code > 599 {
		return smtpErr // 4xx, or a connection that broke mid-session
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo:
		return Bouncing(smtpErr)
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
		return Permanent(smtpErr)
	}
	// MAIL FROM refused (sender not allowed, authentication required): our
	// settings, not this message. Keep the messages until they are fixed.
	return smtpErr
}

// stageOf names the SMTP step a go-mail send error happened at.
func stageOf(r gomail.SendErrReason) string {
	switch r {
	case gomail.ErrSMTPMailFrom:
		return "MAIL FROM"
	case gomail.ErrSMTPRcptTo:
		return "RCPT TO"
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
		return "DATA"
	}
	return r.String()
}

// sendErrorText is a send error's message without go-mail's stage prefix
// and message id.
func sendErrorText(se *gomail.SendError) string {
	s := se.Error()
	s = strings.TrimPrefix(s, se.Reason.String())
	s = strings.TrimPrefix(s, ":")
	if i := strings.Index(s, ", affected recipient(s)"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ", affected message ID"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	// A server reply reads "550 no such user", or since Go 1.26
	// `550 "no such user"`: keep the words; the code is a field of its own.
	if code, rest, ok := strings.Cut(s, " "); ok && len(code) == 3 && strings.Trim(code, "0123456789") == "" {
		s = rest
		if unq, err := strconv.Unquote(s); err == nil {
			s = unq
		}
	}
	return s
}
