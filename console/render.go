package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

// staticFS serves the assets under Prefix/static/.
var staticFS fs.FS = staticRoot

// pages holds every page's template: the layout with the page's content.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"utc":       fmtUTC,
	"local":     fmtLocal,
	"ago":       ago,
	"cronWords": CronWords,
	"str":       deref[string],
	"i32":       deref[int32],
	"i64":       deref[int64],
	"pretty":    prettyJSON,
	"lower":     strings.ToLower,
	"query":     func(v url.Values) template.URL { return template.URL(v.Encode()) },
	"dur":       fmtDuration,
	"add":       func(a, b int) int { return a + b },
	"list":      func(v ...string) []string { return v },
	"dict":      dict,
	"money":     money,
	"has":       slices.Contains[[]string],
	"pct":       func(f float64) string { return fmt.Sprintf("%+.2f%%", f) },
}

// money shows an amount with two decimals (a *decimal.Decimal: "" for nil).
func money(v any) string {
	switch d := v.(type) {
	case decimal.Decimal:
		return d.StringFixed(2)
	case *decimal.Decimal:
		if d == nil {
			return ""
		}
		return d.StringFixed(2)
	}
	return fmt.Sprint(v)
}

// dict builds a map of alternating keys and values for a partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// view is what the layout gets.
type view struct {
	Title string
	S     *session
	// Nav is the section of the page, to highlight in the menu.
	Nav  string
	Data any
}

// render writes a page with status.
func (c *Console) render(w http.ResponseWriter, _ *http.Request, s *session, status int, name, title string, data any) {
	t, ok := c.pages.byName[name]
	if !ok {
		c.log.Error("no such template", "template", name)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	nav, _, _ := strings.Cut(name, "_")
	if err := t.Execute(&buf, view{Title: title, S: s, Nav: nav, Data: data}); err != nil {
		c.log.Error("render page", "template", name, "error", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type message struct {
	Heading string
	Text    string
}

// renderStatus writes a message page with status.
func (c *Console) renderStatus(w http.ResponseWriter, r *http.Request, s *session, status int, heading, text string) {
	c.render(w, r, s, status, "message", heading, message{Heading: heading, Text: text})
}

// notFound is the 404 page: missing, or not the user's.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request, s *session, what string) {
	c.renderStatus(w, r, s, http.StatusNotFound, "Not found", what)
}

// badRequest is the 400 page naming the field at fault.
func (c *Console) badRequest(w http.ResponseWriter, r *http.Request, s *session, field, msg string) {
	c.renderStatus(w, r, s, http.StatusBadRequest, "Bad request", field+": "+msg)
}

// fail logs an unexpected error and answers 500.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	attrs := []any{"error", err, "path", r.URL.Path}
	if s != nil {
		attrs = append(attrs, "user_id", s.UserID)
	}
	c.log.Error("console request failed", attrs...)
	c.renderStatus(w, r, s, http.StatusInternalServerError, "Something went wrong", "The error was logged.")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// fmtUTC shows an instant in UTC ("" for none).
func fmtUTC(t any) string {
	tt, ok := instant(t)
	if !ok {
		return ""
	}
	return tt.UTC().Format("2006-01-02 15:04:05 UTC")
}

// fmtLocal shows an instant in a time zone with its abbreviation.
func fmtLocal(t any, tz string) string {
	tt, ok := instant(t)
	if !ok {
		return ""
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmtUTC(tt)
	}
	return tt.In(loc).Format("2006-01-02 15:04:05 MST")
}

func instant(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, !v.IsZero()
	case *time.Time:
		if v == nil || v.IsZero() {
			return time.Time{}, false
		}
		return *v, true
	}
	return time.Time{}, false
}

// ago says how long before now an instant was, coarsely.
func ago(now time.Time, t any) string {
	tt, ok := instant(t)
	if !ok {
		return "never"
	}
	d := now.Sub(tt)
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, " from now"
	}
	return fmtDuration(d) + suffix
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// prettyJSON indents a JSON document for a <pre>.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
