package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/secrets"
)

const rotateWebhookSecretDoc = "Gives you a new signing secret for your webhook notifications and returns it: " +
	"this answer is the only time it is shown (it is stored encrypted). From now on every request to your " +
	"webhook carries `" + notify.HeaderSignature + ": sha256=HMAC-SHA256(secret, timestamp + \".\" + body)`, " +
	"with the timestamp from `" + notify.HeaderTimestamp + "`; the previous secret (or the server's shared one) " +
	"stops verifying at once. 409 when the server has no `secret_key` to store it with."

// WebhookSecret is a newly issued webhook signing secret.
type WebhookSecret struct {
	Secret string `json:"secret" doc:"The HMAC-SHA256 key, shown only in this answer"`
	Header string `json:"header" example:"X-Vigil-Signature" doc:"The request header that carries the signature"`
}

type webhookSecretOutput struct {
	Body WebhookSecret
}

func (h *handler) registerWebhookSecret(api huma.API) {
	opd(api, "rotate-webhook-secret", http.MethodPost, "/api/me/webhook-secret", "Issue a new webhook signing secret",
		rotateWebhookSecretDoc, "notifications", 0, h.rotateWebhookSecret, http.StatusConflict)
}

func (h *handler) rotateWebhookSecret(ctx context.Context, _ *struct{}) (*webhookSecretOutput, error) {
	p := caller(ctx)
	kr, err := h.cfg.Keyring()
	if err != nil {
		return nil, h.problem(err)
	}
	var secret string
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		secret, err = store.RotateWebhookSecret(ctx, tx, kr,
			auditlog.Entry{Actor: p.UserID, Owner: p.UserID, Source: auditlog.SourceAPI})
		return err
	})
	if errors.Is(err, secrets.ErrNoKey) {
		return nil, huma.Error409Conflict("this server stores no per-user secrets: its operator has not set secret_key (VIGIL_SECRET_KEY)")
	}
	if err != nil {
		return nil, h.problem(err)
	}
	return &webhookSecretOutput{Body: WebhookSecret{Secret: secret, Header: notify.HeaderSignature}}, nil
}
