package mailtest

import (
	"strings"

	"github.com/emersion/go-smtp"
)

// Stage is the SMTP command a fault answers.
type Stage string

// The stages Fail can refuse.
const (
	StageMail Stage = "MAIL" // MAIL FROM; addr is the sender
	StageRcpt Stage = "RCPT" // RCPT TO; addr is the recipient
	StageData Stage = "DATA" // the end of the message; addr is a recipient
)

// Reply is the answer a fault gives, such as 451 "4.3.0 try again later"
// or 550 "5.1.1 no such user".
type Reply struct {
	Code    int
	Message string
}

type fault struct {
	stage Stage
	addr  string // "" = any
	reply Reply
	left  int // < 0 = until ClearFaults
}

// Fail makes the next n commands of stage for addr ("" = any address)
// answer reply instead of accepting; n < 0 keeps answering it until
// ClearFaults. Faults added earlier answer first.
func (s *Server) Fail(stage Stage, addr string, reply Reply, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{stage: stage, addr: addr, reply: reply, left: n})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// fault returns the reply of the first matching fault, using one of its
// answers, or nil.
func (s *Server) fault(stage Stage, addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.stage != stage || (f.addr != "" && !strings.EqualFold(f.addr, addr)) || f.left == 0 {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		// The message as given: include an enhanced code ("5.1.1 no such
		// user") to send one.
		return &smtp.SMTPError{Code: f.reply.Code, EnhancedCode: smtp.NoEnhancedCode, Message: f.reply.Message}
	}
	return nil
}
