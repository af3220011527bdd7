package mailtest

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Page serves the kept messages for people, mounted at prefix (such as
// "/dev/mail"; the handler sees full paths, so mount it without
// StripPrefix):
//
//	GET <prefix>                    the list, newest first (refreshes every 5 s)
//	GET <prefix>/<seq>              one message: headers, text part, HTML part, images
//	GET <prefix>/<seq>/raw          the message as received
//	GET <prefix>/<seq>/cid/<id>     an inline part by Content-ID
//
// Every value from a message is HTML-escaped; the HTML part is shown in a
// sandboxed frame (no scripts, no same origin) with its cid: images
// pointing at the cid URLs. The page runs no scripts itself.
func (s *Server) Page(prefix string) http.Handler {
	prefix = strings.TrimRight(prefix, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		parts := strings.SplitN(strings.Trim(rest, "/"), "/", 3)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
		if parts[0] == "" {
			s.listPage(w, prefix)
			return
		}
		seq, err := strconv.Atoi(parts[0])
		m, found := s.Message(seq)
		if err != nil || !found {
			http.Error(w, "no such message (the catcher keeps the latest "+strconv.Itoa(s.opts.Keep)+")", http.StatusNotFound)
			return
		}
		switch {
		case len(parts) == 1:
			s.messagePage(w, prefix, m)
		case len(parts) == 2 && parts[1] == "raw":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(m.Raw)
		case len(parts) == 3 && parts[1] == "cid":
			for _, p := range m.Inline {
				if p.ContentID == parts[2] {
					ct := p.ContentType
					if !strings.HasPrefix(ct, "image/") {
						ct = "application/octet-stream"
						w.Header().Set("Content-Disposition", "attachment")
					}
					w.Header().Set("Content-Type", ct)
					_, _ = w.Write(p.Data)
					return
				}
			}
			http.NotFound(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

const pageStyle = `<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 10px;border-bottom:1px solid #eee;vertical-align:top}
th{font-size:13px;color:#555}a{color:#0b5cad}pre{white-space:pre-wrap;background:#f7f7f7;padding:12px;border-radius:6px}
iframe{width:100%;height:520px;border:1px solid #ddd;border-radius:6px}dt{font-weight:600;font-size:13px;color:#555}dd{margin:0 0 8px 0}
.muted{color:#777;font-size:13px}</style>`

func (s *Server) listPage(w http.ResponseWriter, prefix string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Vigil dev mail</title>` + pageStyle + `</head><body>`)
	fmt.Fprintf(&b, `<h1>Dev mail</h1><p class="muted">Mail Vigil sent while no smtp_host is set, kept in memory (the latest %d) on %s. This page refreshes every 5 seconds.</p>`,
		s.opts.Keep, html.EscapeString(s.Addr()))
	msgs := s.Messages()
	if len(msgs) == 0 {
		b.WriteString(`<p>No mail yet.</p></body></html>`)
		_, _ = w.Write([]byte(b.String()))
		return
	}
	b.WriteString(`<table><tr><th>#</th><th>Received</th><th>To</th><th>Subject</th><th>Images</th></tr>`)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		fmt.Fprintf(&b, `<tr><td>%d</td><td>%s</td><td>%s</td><td><a href="%s/%d">%s</a></td><td>%d</td></tr>`,
			m.Seq, m.Received.Format("2006-01-02 15:04:05"), html.EscapeString(strings.Join(m.To, ", ")),
			html.EscapeString(prefix), m.Seq, html.EscapeString(orDash(m.Subject)), len(m.Inline))
	}
	b.WriteString(`</table></body></html>`)
	_, _ = w.Write([]byte(b.String()))
}

// cidRef finds cid: references in an HTML part.
var cidRef = regexp.MustCompile(`(?i)(["'(])cid:([^"')\s]+)`)

func (s *Server) messagePage(w http.ResponseWriter, prefix string, m Message) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	base := fmt.Sprintf("%s/%d", prefix, m.Seq)
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title>%s</head><body>`, html.EscapeString(orDash(m.Subject)), pageStyle)
	fmt.Fprintf(&b, `<p><a href="%s">← all mail</a> · <a href="%s/raw">raw</a></p><h1>%s</h1><dl>`,
		html.EscapeString(prefix), html.EscapeString(base), html.EscapeString(orDash(m.Subject)))
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, `<dt>%s</dt><dd>%s</dd>`, name, html.EscapeString(value))
		}
	}
	field("From", m.Header.Get("From"))
	field("To", m.Header.Get("To"))
	field("Envelope", m.From+" → "+strings.Join(m.To, ", "))
	field("Date", m.Header.Get("Date"))
	field("Message-ID", m.Header.Get("Message-Id"))
	field("List-Unsubscribe", m.Header.Get("List-Unsubscribe"))
	field("Parse error", m.ParseError)
	b.WriteString(`</dl>`)
	if m.HTML != "" {
		doc := cidRef.ReplaceAllStringFunc(m.HTML, func(ref string) string {
			sub := cidRef.FindStringSubmatch(ref)
			return sub[1] + base + "/cid/" + urlPathEscape(sub[2])
		})
		fmt.Fprintf(&b, `<h2>HTML part</h2><iframe sandbox srcdoc="%s"></iframe>`, html.EscapeString(doc))
	}
	if m.Text != "" {
		fmt.Fprintf(&b, `<h2>Text part</h2><pre>%s</pre>`, html.EscapeString(m.Text))
	}
	if len(m.Inline) > 0 {
		b.WriteString(`<h2>Inline parts</h2><ul>`)
		for _, p := range m.Inline {
			fmt.Fprintf(&b, `<li><a href="%s/cid/%s">%s</a> (%s, %d bytes)</li>`, html.EscapeString(base), html.EscapeString(urlPathEscape(p.ContentID)),
				html.EscapeString(orDash(p.Filename)), html.EscapeString(p.ContentType), len(p.Data))
		}
		b.WriteString(`</ul>`)
	}
	b.WriteString(`</body></html>`)
	_, _ = w.Write([]byte(b.String()))
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// urlPathEscape escapes a Content-ID for one path segment.
func urlPathEscape(s string) string {
	return strings.NewReplacer("%", "%25", "/", "%2F", "?", "%3F", "#", "%23", " ", "%20", `"`, "%22", "'", "%27", "<", "%3C", ">", "%3E").Replace(s)
}
