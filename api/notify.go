package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schedules"
)

// NotifyRequest is the design's NotificationRequest (section 15.2).
type NotifyRequest struct {
	UserID           int64  `json:"user_id" minimum:"1" doc:"Who to notify: yourself, or anyone for an admin"`
	Message          string `json:"message" minLength:"1" maxLength:"20000"`
	Priority         string `json:"priority,omitempty" enum:"normal,high,urgent" default:"normal"`
	NotificationType string `json:"notification_type,omitempty" enum:"alert,report,screener,system,trade" default:"alert"`
	// Channels are the schema's (notify/channels: the one list).
	Channels []string `json:"channels,omitempty" enum:"telegram,email,webhook,log" minItems:"1" maxItems:"4" uniqueItems:"true" doc:"Where to deliver: telegram, email, webhook (log for admins). Omitted: every channel the user has an address on. A channel this server has not configured, or one the user has no address on, is refused (422)."`
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
	args.Channels = req.Channels
	// The request is a notification's task_params: the same schema applies.
	doc := map[string]any{"user_id": args.UserID, "message": args.Message,
		"priority": args.Priority, "notification_type": args.NotificationType}
	if len(req.Channels) > 0 {
		doc["channels"] = req.Channels
	}
	params, err := json.Marshal(doc)
	if err != nil {
		return nil, h.problem(fmt.Errorf("encode notification: %w", err))
	}
	if err := h.validator.Validate(config.JobNotification, params); err != nil {
		return nil, h.problem(notifyAt(err))
	}
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		target, err := h.q.UserGetByID(ctx, tx, req.UserID)
		if err != nil {
			if nf := notFound(err, "user", req.UserID); nf != err {
				return badRequest(http.StatusUnprocessableEntity, "body.user_id", fmt.Sprintf("user %d does not exist", req.UserID))
			}
			return fmt.Errorf("load user %d: %w", req.UserID, err)
		}
		if err := h.checkNotifyChannels(req.Channels, p, target); err != nil {
			return err
		}
		// The priority comes from NotifyArgs.InsertOpts (River merges them).
		res, err := h.client.InsertTx(ctx, tx, args, jobs.InsertOpts(h.cfg, config.JobNotification))
		if err != nil {
			return fmt.Errorf("enqueue notification: %w", err)
		}
		return audit(ctx, tx, p.actor(), "notification.queue", "notification", args.MessageID, map[string]any{
			"user_id": args.UserID, "priority": args.Priority, "notification_type": args.NotificationType, "channels": args.Channels,
			"river_job_id": res.Job.ID})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return &notifyOutput{Body: NotifyResponse{Status: "queued", MessageID: args.MessageID}}, nil
}

// checkNotifyChannels applies the schedules' channel rules to the channels
// of POST /api/notify: configured on this server, log for admins, an
// address of the target's on each.
func (h *handler) checkNotifyChannels(names []string, p *principal, target dbsqlc.User) error {
	chosen := make([]schedules.ChosenChannel, len(names))
	for i, n := range names {
		chosen[i] = schedules.ChosenChannel{Name: n, Field: "channels/" + strconv.Itoa(i)}
	}
	err := schedules.CheckChannels(chosen, h.channels, p.IsAdmin, schedules.RecipientOf(target), target.ID == p.UserID)
	if se, ok := schedules.AsError(err); ok {
		return scheduleProblem(&schedules.Error{Kind: se.Kind, Field: dottedField(se.Field), Msg: se.Msg}, "body")
	}
	return err
}

// dottedField turns a slash path ("channels/1") into huma's location
// syntax ("channels[1]").
func dottedField(field string) string { return strings.TrimPrefix(dotted("/"+field), ".") }

// notifyAt locates the schema problems of a notify request's fields in
// the body (body.channels[0]), whose fields are the task_params document.
func notifyAt(err error) error { return atParams(err) }
