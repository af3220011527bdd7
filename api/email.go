package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/useremail"
)

const putEmailDoc = "Sets the address your email notifications go to and mails a six-digit confirmation code to it: " +
	"nothing is sent there until you confirm it with `POST /api/me/email/confirm` (or the bot's `/email confirm CODE`) " +
	"within an hour. Until then your previous address, if any, gets nothing either. One code per minute at most (429 " +
	"with Retry-After). 409 when this server has no email channel (no `smtp_host`); 422 naming `body.email` when the " +
	"address is malformed or the mail server refuses it; 503 when the mail could not be sent now (try again)."

// EmailRequest sets the caller's email address.
type EmailRequest struct {
	Email string `json:"email" maxLength:"254" example:"ann@example.com" doc:"The address to send notifications to"`
}

// EmailConfirmRequest confirms the caller's address.
type EmailConfirmRequest struct {
	Code string `json:"code" maxLength:"16" example:"492817" doc:"The six digits of the confirmation mail"`
}

// EmailAddress is the caller's email address and its state.
type EmailAddress struct {
	Email  string `json:"email,omitempty" doc:"The address; empty when none is set"`
	Status string `json:"status" enum:"none,unconfirmed,confirmed,bouncing,unsubscribed" doc:"Only confirmed addresses get mail"`
	// ConfirmationExpiresAt is when the pending code expires.
	ConfirmationExpiresAt *time.Time `json:"confirmation_expires_at,omitempty" doc:"When the mailed code expires (unconfirmed only)"`
	ConfirmedAt           *time.Time `json:"confirmed_at,omitempty"`
	BouncingSince         *time.Time `json:"bouncing_since,omitempty" doc:"The mail server refused the address: set it again once it works"`
	BounceReason          string     `json:"bounce_reason,omitempty"`
	UnsubscribedAt        *time.Time `json:"unsubscribed_at,omitempty" doc:"Email was turned off with the preferences link in a mail"`
}

type emailOutput struct {
	Body EmailAddress
}

type putEmailInput struct {
	Body EmailRequest
}

type confirmEmailInput struct {
	Body EmailConfirmRequest
}

func (h *handler) registerEmail(api huma.API) {
	op(api, "get-my-email", http.MethodGet, "/api/me/email", "Your email address and its state", "notifications", 0, h.getEmail)
	opd(api, "put-my-email", http.MethodPut, "/api/me/email", "Set your email address (mails a confirmation code)", putEmailDoc,
		"notifications", http.StatusAccepted, h.putEmail,
		http.StatusConflict, http.StatusTooManyRequests, http.StatusServiceUnavailable)
	op(api, "confirm-my-email", http.MethodPost, "/api/me/email/confirm", "Confirm your email address with the mailed code", "notifications", 0,
		h.confirmEmail, http.StatusConflict)
	op(api, "delete-my-email", http.MethodDelete, "/api/me/email", "Remove your email address", "notifications", http.StatusNoContent,
		h.deleteEmail)
}

func (h *handler) getEmail(ctx context.Context, _ *struct{}) (*emailOutput, error) {
	u, err := h.q.UserGetByID(ctx, h.pool, caller(ctx).UserID)
	if err != nil {
		return nil, h.problem(err)
	}
	a := EmailAddress{Status: useremail.Status(u), ConfirmedAt: u.EmailConfirmedAt, BouncingSince: u.EmailBouncingAt,
		UnsubscribedAt: u.EmailUnsubscribedAt}
	if u.Email != nil {
		a.Email = *u.Email
	}
	if u.EmailBounceReason != nil {
		a.BounceReason = *u.EmailBounceReason
	}
	if a.Status == "unconfirmed" {
		a.ConfirmationExpiresAt = u.EmailCodeExpiresAt
	}
	return &emailOutput{Body: a}, nil
}

func (h *handler) putEmail(ctx context.Context, in *putEmailInput) (*emailOutput, error) {
	p := caller(ctx)
	if h.email == nil {
		return nil, huma.Error409Conflict("email is not configured on this server: its operator has not set smtp_host (VIGIL_SMTP_HOST)")
	}
	var pending useremail.Pending
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		pending, err = useremail.Request(ctx, tx, auditlog.Entry{Actor: p.UserID, Source: auditlog.SourceAPI}, p.UserID, in.Body.Email, h.now())
		return err
	})
	if err == nil {
		err = useremail.Send(ctx, h.pool, h.email, pending)
	}
	if err != nil {
		return nil, h.emailProblem(err)
	}
	return &emailOutput{Body: EmailAddress{Email: pending.To, Status: "unconfirmed", ConfirmationExpiresAt: &pending.Expires}}, nil
}

func (h *handler) confirmEmail(ctx context.Context, in *confirmEmailInput) (*emailOutput, error) {
	p := caller(ctx)
	var addr string
	var confirmErr error
	// A wrong code is counted even though the request fails: commit it.
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		addr, err = useremail.Confirm(ctx, tx, auditlog.Entry{Actor: p.UserID, Source: auditlog.SourceAPI}, p.UserID, in.Body.Code, h.now())
		if _, ok := useremail.AsError(err); ok {
			confirmErr = err
			return nil
		}
		return err
	})
	if err == nil {
		err = confirmErr
	}
	if err != nil {
		return nil, h.emailProblem(err)
	}
	now := h.now()
	return &emailOutput{Body: EmailAddress{Email: addr, Status: "confirmed", ConfirmedAt: &now}}, nil
}

func (h *handler) deleteEmail(ctx context.Context, _ *struct{}) (*struct{}, error) {
	p := caller(ctx)
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		return useremail.Clear(ctx, tx, auditlog.Entry{Actor: p.UserID, Source: auditlog.SourceAPI}, p.UserID)
	})
	if err != nil {
		return nil, h.emailProblem(err)
	}
	return nil, nil
}

// emailProblem maps a useremail error to its HTTP problem.
func (h *handler) emailProblem(err error) error {
	e, ok := useremail.AsError(err)
	if !ok {
		return h.problem(err)
	}
	var where []error
	if e.Field != "" {
		where = append(where, &huma.ErrorDetail{Location: "body." + e.Field, Message: e.Msg})
	}
	switch e.Kind {
	case useremail.KindTooSoon:
		return huma.ErrorWithHeaders(huma.NewError(http.StatusTooManyRequests, e.Msg),
			http.Header{"Retry-After": {strconv.Itoa(int(e.RetryAfter.Seconds() + 0.999))}})
	case useremail.KindNoCode:
		return huma.NewError(http.StatusConflict, e.Msg, where...)
	case useremail.KindNotFound:
		return huma.Error404NotFound(e.Msg)
	case useremail.KindUnavailable:
		return huma.NewError(http.StatusServiceUnavailable, e.Msg)
	}
	return huma.NewError(http.StatusUnprocessableEntity, e.Msg, where...)
}
