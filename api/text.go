package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigilhq/vigil/textcheck"
)

// maxTextProblems caps the fields one refusal names.
const maxTextProblems = 20

// defaultMaxBodyBytes is huma's body limit of an operation that sets none.
const defaultMaxBodyBytes = 1 << 20

// textMiddleware refuses a request with text PostgreSQL cannot store, with
// 422 and a problem document naming each field (body.name,
// body.task_params.message, path.name, query.cursor, header.If-Match):
// a NUL character (raw or \u0000), bytes that are not UTF-8, or a \u escape
// of a lone surrogate, in any string or key of the JSON body and in any
// path, query or header parameter the operation declares. It runs before
// authentication and the handler, so such a request touches no table; a
// body with nothing to report costs one pass over its bytes.
func textMiddleware(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		var details []error
		add := func(location string, err error) {
			if len(details) < maxTextProblems {
				details = append(details, &huma.ErrorDetail{Location: location, Message: err.Error()})
			}
		}
		for _, p := range op.Parameters {
			for _, v := range paramValues(ctx, p) {
				if err := textcheck.String(v); err != nil {
					add(p.In+"."+p.Name, err)
					break
				}
			}
		}
		if op.RequestBody != nil {
			body, rest, read := readForCheck(ctx.BodyReader(), op.MaxBodyBytes)
			if read {
				for _, e := range textcheck.JSON(body, maxTextProblems) {
					add("body"+e.Path, e)
				}
			}
			ctx = &bodyContext{humaContext: ctx, body: rest}
		}
		if len(details) > 0 {
			_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity,
				"text must be valid UTF-8 without NUL characters", details...)
			return
		}
		next(ctx)
	}
}

// paramValues returns the values a request gives parameter p.
func paramValues(ctx huma.Context, p *huma.Param) []string {
	switch p.In {
	case "path":
		return []string{ctx.Param(p.Name)}
	case "query":
		u := ctx.URL()
		return u.Query()[p.Name]
	case "header":
		return []string{ctx.Header(p.Name)}
	case "cookie":
		if c, err := huma.ReadCookie(ctx, p.Name); err == nil {
			return []string{c.Value}
		}
	}
	return nil
}

// readForCheck reads the body up to the operation's limit and returns it
// with a reader that yields the whole body again for the handler. read is
// false when the body is over the limit (huma answers 413 for it) or could
// not be read (huma reports the read error: the reader repeats it).
func readForCheck(r io.Reader, maxBytes int64) (body []byte, rest io.Reader, read bool) {
	if r == nil {
		return nil, bytes.NewReader(nil), true
	}
	if maxBytes == 0 {
		maxBytes = defaultMaxBodyBytes
	}
	var buf bytes.Buffer
	var err error
	if maxBytes > 0 {
		_, err = io.Copy(&buf, io.LimitReader(r, maxBytes))
	} else {
		_, err = io.Copy(&buf, r)
	}
	body = buf.Bytes()
	switch {
	case err != nil:
		return nil, io.MultiReader(bytes.NewReader(body), errReader{err}), false
	case maxBytes > 0 && int64(len(body)) == maxBytes:
		return nil, io.MultiReader(bytes.NewReader(body), r), false
	}
	return body, bytes.NewReader(body), true
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// humaContext names the embedded huma.Context of bodyContext (a field named
// Context would hide the interface's Context method).
type humaContext = huma.Context

// bodyContext is a huma.Context whose body is read again from the start.
type bodyContext struct {
	humaContext
	body io.Reader
}

func (c *bodyContext) BodyReader() io.Reader { return c.body }

// Unwrap returns the adapter's context (humago.Unwrap follows it).
func (c *bodyContext) Unwrap() huma.Context { return c.humaContext }

// textGuard is textMiddleware for a handler outside huma: River UI's own
// API, which answered 500 for a queue name with NUL. It checks the decoded
// URL path, every query key and value and a JSON body, and answers 422 with
// River UI's error shape ({"message": ...}) naming the first bad field.
func textGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := requestTextProblem(r); msg != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestTextProblem describes the first text of r that cannot be stored,
// "" for none; it leaves r.Body readable from the start.
func requestTextProblem(r *http.Request) string {
	if err := textcheck.String(r.URL.Path); err != nil {
		return "path: " + err.Error()
	}
	query := r.URL.Query()
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := textcheck.String(k); err != nil {
			return "query: a parameter name " + err.Error()
		}
		for _, v := range query[k] {
			if err := textcheck.String(v); err != nil {
				return "query." + k + ": " + err.Error()
			}
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	body, rest, read := readForCheck(r.Body, defaultMaxBodyBytes)
	r.Body = struct {
		io.Reader
		io.Closer
	}{rest, r.Body}
	if read {
		if found := textcheck.JSON(body, 1); len(found) > 0 {
			return "body" + found[0].Path + ": " + found[0].Error()
		}
	}
	return ""
}
