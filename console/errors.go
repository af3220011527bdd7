package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
)

// fieldErrors maps what the schedule service refuses to the form fields at
// fault, as the API maps them to problem locations: a cron or time zone
// problem to cron or timezone, a task_params problem to task_params (with
// its JSON pointer in the message). general is the problem no field owns;
// ok is false for an unexpected error.
func fieldErrors(err error) (fields map[string]string, general string, status int, ok bool) {
	fields = map[string]string{}
	var (
		se *schedules.Error
		ve *schemas.ValidationError
		ce *schedule.Error
	)
	switch {
	case errors.As(err, &se):
		status = http.StatusUnprocessableEntity
		switch se.Kind {
		case schedules.KindNotFound:
			return fields, se.Msg, http.StatusNotFound, true
		case schedules.KindForbidden, schedules.KindQuota:
			status = http.StatusForbidden
		case schedules.KindStale:
			return fields, "Someone changed this schedule since you opened the form; your edit was not saved. Reload the form to edit the current version.",
				http.StatusPreconditionFailed, true
		case schedules.KindPreconditionRequired:
			return fields, se.Msg, http.StatusPreconditionRequired, true
		}
		if se.Field == "" {
			return fields, se.Msg, status, true
		}
		fields[topField(se.Field)] = se.Error()
		return fields, "", status, true
	case errors.As(err, &ve):
		msg := ""
		for _, p := range ve.Problems {
			if msg != "" {
				msg += "; "
			}
			msg += "task_params" + p.Pointer + ": " + p.Message
		}
		fields["task_params"] = msg
		return fields, "", http.StatusUnprocessableEntity, true
	case errors.Is(err, schemas.ErrInvalidJSON):
		fields["task_params"] = err.Error()
		return fields, "", http.StatusUnprocessableEntity, true
	case errors.As(err, &ce):
		field := ce.Column()
		fields[field] = ce.Error()
		return fields, "", http.StatusUnprocessableEntity, true
	case errors.Is(err, jobs.ErrOverlap):
		return fields, jobs.ErrOverlap.Error(), http.StatusConflict, true
	case errors.Is(err, jobs.ErrNotFireable):
		return fields, jobs.ErrNotFireable.Error(), http.StatusUnprocessableEntity, true
	}
	return nil, "", 0, false
}

// topField is the form field of a service field ("task_params/user_id" is
// the task_params box).
func topField(f string) string {
	for i, r := range f {
		if r == '/' || r == '.' {
			return f[:i]
		}
	}
	return f
}

// refusal maps err as fieldErrors does and answers what no form can show
// (an unexpected error, a missing schedule); ok is false when it answered.
func (c *Console) refusal(w http.ResponseWriter, r *http.Request, s *session, err error) (fields map[string]string, general string, status int, ok bool) {
	fields, general, status, ok = fieldErrors(err)
	if !ok {
		c.fail(w, r, s, err)
		return nil, "", 0, false
	}
	if status == http.StatusNotFound {
		c.notFound(w, r, s, general)
		return nil, "", 0, false
	}
	return fields, general, status, true
}

// actionError answers a failed action (pause, trigger, ...) with the page
// its error calls for.
func (c *Console) actionError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	fields, general, status, ok := c.refusal(w, r, s, err)
	if !ok {
		return
	}
	msg := general
	for _, m := range fields {
		if msg != "" {
			msg += "; "
		}
		msg += m
	}
	c.renderStatus(w, r, s, status, fmt.Sprintf("Refused (%d)", status), msg)
}
