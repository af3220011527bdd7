package mailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// maxParts bounds the MIME parts one message is read into.
const maxParts = 100

// Message is one received mail, as sent and as read.
type Message struct {
	Seq      int // 1, 2, ... in order of arrival
	Received time.Time
	// From and To are the envelope (MAIL FROM, RCPT TO).
	From string
	To   []string
	Raw  []byte // the message as sent (headers and body)

	// Header is the top-level header; Subject is decoded.
	Header  mail.Header
	Subject string
	// Text and HTML are the decoded text/plain and text/html parts, with
	// line ends as "\n".
	Text, HTML string
	// Inline are the parts referenced by Content-ID (inline images);
	// Attachments the other non-text parts.
	Inline, Attachments []Part
	// ParseError says why the message could not be read, if it could not.
	ParseError string
}

// Part is a decoded MIME part.
type Part struct {
	ContentType string
	// ContentID is the Content-ID without angle brackets.
	ContentID   string
	Disposition string // inline, attachment or ""
	Filename    string
	Data        []byte
}

// MessageID is the Message-ID header without angle brackets.
func (m Message) MessageID() string { return strings.Trim(m.Header.Get("Message-Id"), "<> ") }

// parseMessage reads raw into a Message; a message it cannot read keeps
// Raw and says why in ParseError.
func parseMessage(raw []byte) Message {
	m := Message{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.ParseError = err.Error()
		return m
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subj
	} else {
		m.Subject = msg.Header.Get("Subject")
	}
	n := 0
	if err := m.walk(textproto.MIMEHeader(msg.Header), msg.Body, &n); err != nil {
		m.ParseError = err.Error()
	}
	return m
}

// walk reads one part (recursively for multipart) into m.
func (m *Message) walk(h textproto.MIMEHeader, body io.Reader, n *int) error {
	*n++
	if *n > maxParts {
		return nil
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.walk(p.Header, p, n); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(decoder(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	cid := strings.Trim(h.Get("Content-Id"), "<> ")
	switch {
	case mediaType == "text/plain" && disp != "attachment" && m.Text == "":
		m.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
	case mediaType == "text/html" && disp != "attachment" && m.HTML == "":
		m.HTML = strings.ReplaceAll(string(data), "\r\n", "\n")
	default:
		p := Part{ContentType: mediaType, ContentID: cid, Disposition: disp, Filename: dparams["filename"], Data: data}
		if p.Filename == "" {
			p.Filename = params["name"]
		}
		if cid != "" && disp != "attachment" {
			m.Inline = append(m.Inline, p)
		} else {
			m.Attachments = append(m.Attachments, p)
		}
	}
	return nil
}

// decoder undoes a Content-Transfer-Encoding.
func decoder(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // skips the line breaks
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}
