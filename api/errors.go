package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
)

// requestError is a problem a handler found with a request: its status,
// where (a huma location such as body.cron or query.cursor; "" for none) and
// what.
type requestError struct {
	status   int
	location string
	msg      string
	detail   string // the problem's detail; msg when ""
}

func (e *requestError) Error() string { return e.msg }

func badRequest(status int, location, msg string) error {
	return &requestError{status: status, location: location, msg: msg}
}

// notFoundError is an entity the caller cannot see: missing, or not theirs.
type notFoundError struct {
	what string
	id   any
}

func (e *notFoundError) Error() string { return fmt.Sprintf("%s %v not found", e.what, e.id) }

// notFound turns db.ErrNotFound into a notFoundError for what/id and returns
// any other error unchanged (nil stays nil).
func notFound(err error, what string, id any) error {
	if err != nil && errors.Is(db.Translate(err), db.ErrNotFound) {
		return &notFoundError{what: what, id: id}
	}
	return err
}

// located says where in the request the data an error is about came from:
// "body" for the request body, "" for stored data (a schedule's own cron).
type located struct {
	base string
	err  error
	// inline: the task_params document is the data at base itself (the body
	// of POST /api/reports/run), not a task_params field in it.
	inline bool
}

func (l *located) Error() string { return l.err.Error() }
func (l *located) Unwrap() error { return l.err }

func at(base string, err error) error {
	if err == nil {
		return nil
	}
	return &located{base: base, err: err}
}

// atParams says that err is about a task_params document that is the
// request body itself: its schema problems are located at body plus the
// offending path (body.parameters.symbols[0]).
func atParams(err error) error {
	if err == nil {
		return nil
	}
	return &located{base: "body", err: err, inline: true}
}

// dotted turns a JSON pointer (RFC 6901) into huma's location syntax:
// /parameters/symbols/0 becomes .parameters.symbols[0].
func dotted(pointer string) string {
	if pointer == "" {
		return ""
	}
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		b.WriteString("." + tok)
	}
	return b.String()
}

func join(base, field string) string {
	if base == "" {
		return field
	}
	return base + "." + field
}

// problem maps an error to the HTTP problem the client sees. Expected
// errors name the field at fault; anything unexpected is logged and answered
// with a bare 500.
func (h *handler) problem(err error) error {
	if err == nil {
		return nil
	}
	base, inline := "", false
	var loc *located
	if errors.As(err, &loc) {
		base, inline = loc.base, loc.inline
	}
	var (
		re   *requestError
		nf   *notFoundError
		ae   *authError
		ve   *schemas.ValidationError
		ce   *schedule.Error
		se   *schedules.Error
		st   *schedules.Stored
		stat huma.StatusError
	)
	if errors.As(err, &st) {
		base = "" // about the stored schedule, not a request field
	}
	switch {
	case errors.As(err, &stat):
		return stat
	case errors.As(err, &se):
		return scheduleProblem(se, base)
	case errors.As(err, &re):
		detail := re.detail
		if detail == "" {
			detail = re.msg
		}
		if re.location == "" {
			return huma.NewError(re.status, detail)
		}
		return huma.NewError(re.status, detail, &huma.ErrorDetail{Location: re.location, Message: re.msg})
	case errors.As(err, &nf):
		return huma.Error404NotFound(nf.Error())
	case errors.As(err, &ae):
		return huma.NewError(ae.status, ae.msg)
	case errors.Is(err, jobs.ErrTooManyAdhocRuns):
		return huma.Error429TooManyRequests(jobs.ErrTooManyAdhocRuns.Error())
	case errors.Is(err, jobs.ErrOverlap):
		return huma.Error409Conflict(jobs.ErrOverlap.Error())
	case errors.Is(err, jobs.ErrNotFireable):
		return huma.Error422UnprocessableEntity(jobs.ErrNotFireable.Error(),
			&huma.ErrorDetail{Location: join(base, "job_type"), Message: jobs.ErrNotFireable.Error()})
	case errors.As(err, &ve):
		details := make([]error, 0, len(ve.Problems))
		for _, p := range ve.Problems {
			where := join(base, "task_params") + p.Pointer
			if inline {
				where = base + dotted(p.Pointer)
			}
			details = append(details, &huma.ErrorDetail{Location: where, Message: p.Message})
		}
		return huma.Error422UnprocessableEntity(fmt.Sprintf("invalid task_params for job type %s", ve.JobType), details...)
	case errors.Is(err, schemas.ErrInvalidJSON):
		return huma.Error422UnprocessableEntity("invalid task_params",
			&huma.ErrorDetail{Location: join(base, "task_params"), Message: err.Error()})
	case errors.As(err, &ce):
		field := ce.Column()
		title := "invalid cron expression"
		switch {
		case errors.Is(ce, schedule.ErrNotAllowed):
			title = "cron expression not allowed for this user"
		case ce.Field == schedule.FieldTimezone:
			title = "invalid time zone"
		}
		return huma.Error422UnprocessableEntity(title, &huma.ErrorDetail{Location: join(base, field), Message: ce.Error(), Value: ce.Value})
	case errors.Is(err, db.ErrNotFound):
		return huma.Error404NotFound("not found")
	case errors.Is(err, db.ErrConflict):
		return huma.Error409Conflict("conflict with the current state of the resource")
	case errors.Is(err, context.Canceled):
		return huma.NewError(499, "request cancelled")
	}
	h.log.Error("request failed", "error", err)
	return huma.Error500InternalServerError("internal server error")
}

// forbidden is a 403 naming the field that asks for more than the caller may.
func forbidden(location, msg string) error {
	return &requestError{status: http.StatusForbidden, location: location, msg: msg}
}

// scheduleProblem maps a schedule service error to its HTTP problem; base
// is where the definition came from ("body", or "" for a stored one).
func scheduleProblem(e *schedules.Error, base string) error {
	var where []error
	if e.Field != "" {
		where = append(where, &huma.ErrorDetail{Location: join(base, e.Field), Message: e.Msg})
	}
	switch e.Kind {
	case schedules.KindNotFound:
		return huma.Error404NotFound(e.Msg)
	case schedules.KindForbidden:
		return huma.NewError(http.StatusForbidden, e.Msg, where...)
	case schedules.KindQuota:
		return huma.NewError(http.StatusForbidden, e.Msg)
	case schedules.KindStale:
		return huma.NewError(http.StatusPreconditionFailed, e.Msg, &huma.ErrorDetail{Location: "header.If-Match", Message: e.Msg})
	case schedules.KindPreconditionRequired:
		return huma.NewError(http.StatusPreconditionRequired, e.Msg, &huma.ErrorDetail{Location: "header.If-Match", Message: e.Msg})
	}
	return huma.NewError(http.StatusUnprocessableEntity, e.Msg, where...)
}
