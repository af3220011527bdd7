package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/jobs"
)

// NotifyRequest is the design's NotificationRequest (section 15.2).
type NotifyRequest struct {
	UserID           int64  `json:"user_id" minimum:"1" doc:"Who to notify: yourself, or anyone for an admin"`
	Message          string `json:"message" minLength:"1" maxLength:"20000"`
	Priority         string `json:"priority,omitempty" enum:"normal,high,urgent" default:"normal"`
	NotificationType string `json:"notification_type,omitempty" enum:"alert,report,screener" default:"alert"`
}

// NotifyResponse is the design's answer: the notification is queued.
type NotifyResponse struct {
	Status    string `json:"status" example:"queued"`
	MessageID string `json:"message_id" format:"uuid" doc:"Idempotency key receivers can use"`
}

type notifyInput struct {
	Body NotifyRequest
}

type notifyOutput struct {
	Body NotifyResponse
}

// notify enqueues a durable notification job; delivery happens in a worker.
func (h *handler) notify(ctx context.Context, in *notifyInput) (*notifyOutput, error) {
	p := caller(ctx)
	req := in.Body
	if req.UserID != p.UserID && !p.IsAdmin {
		return nil, h.problem(forbidden("body.user_id", fmt.Sprintf("you may only notify yourself (user %d)", p.UserID)))
	}
	args := jobs.NewNotifyArgs(req.UserID, req.Message, req.Priority, req.NotificationType)
	// The request is a notification's task_params: the same schema applies.
	params, err := json.Marshal(map[string]any{"user_id": args.UserID, "message": args.Message,
		"priority": args.Priority, "notification_type": args.NotificationType})
	if err != nil {
		return nil, h.problem(fmt.Errorf("encode notification: %w", err))
	}
	if err := h.validator.Validate(config.JobNotification, params); err != nil {
		return nil, h.problem(at("body", err))
	}
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if req.UserID != p.UserID {
			if _, err := h.q.UserGetByID(ctx, tx, req.UserID); err != nil {
				if nf := notFound(err, "user", req.UserID); nf != err {
					return badRequest(http.StatusUnprocessableEntity, "body.user_id", fmt.Sprintf("user %d does not exist", req.UserID))
				}
				return fmt.Errorf("load user %d: %w", req.UserID, err)
			}
		}
		// The priority comes from NotifyArgs.InsertOpts (River merges them).
		res, err := h.client.InsertTx(ctx, tx, args, jobs.InsertOpts(h.cfg, config.JobNotification))
		if err != nil {
			return fmt.Errorf("enqueue notification: %w", err)
		}
		return audit(ctx, tx, p.actor(), "notification.queue", "notification", args.MessageID, map[string]any{
			"user_id": args.UserID, "priority": args.Priority, "notification_type": args.NotificationType, "river_job_id": res.Job.ID})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &notifyOutput{Body: NotifyResponse{Status: "queued", MessageID: args.MessageID}}, nil
}
