package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/secrets"
)

// webhookSecretBytes is the size of a generated webhook signing secret.
const webhookSecretBytes = 32

// WebhookSecretWhere is the additional data a user's sealed webhook secret
// is bound to: the value opens only in that user's row.
func WebhookSecretWhere(userID int64) string { return fmt.Sprintf("users.webhook_secret:%d", userID) }

// OpenWebhookSecret opens a user's sealed webhook signing secret.
func OpenWebhookSecret(kr *secrets.Keyring, userID int64, sealed string) ([]byte, error) {
	secret, err := kr.Open(sealed, WebhookSecretWhere(userID))
	if err != nil {
		return nil, fmt.Errorf("open webhook signing secret of user %d: %w", userID, err)
	}
	return secret, nil
}

// RotateWebhookSecret gives the user a new random webhook signing secret,
// stores it sealed and audits the change (never the secret) in tx, and
// returns it: the only time it is shown. A user without one is signed with
// the shared webhook_secret until then.
func RotateWebhookSecret(ctx context.Context, tx pgx.Tx, kr *secrets.Keyring, e audit.Entry) (string, error) {
	userID := e.Owner
	secret, err := secrets.NewSecret(webhookSecretBytes)
	if err != nil {
		return "", err
	}
	sealed, err := kr.Seal([]byte(secret), WebhookSecretWhere(userID))
	if err != nil {
		return "", fmt.Errorf("seal webhook secret: %w", err)
	}
	if _, err := dbsqlc.New().UserSetWebhookSecret(ctx, tx, dbsqlc.UserSetWebhookSecretParams{ID: userID, Sealed: sealed}); err != nil {
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return "", fmt.Errorf("user %d: %w", userID, db.ErrNotFound)
		}
		return "", fmt.Errorf("store webhook secret of user %d: %w", userID, err)
	}
	e.Action, e.EntityType, e.EntityID = "user.webhook_secret.rotate", "user", userID
	e.Details = map[string]any{"key_id": kr.KeyID()}
	if err := audit.Write(ctx, tx, e); err != nil {
		return "", err
	}
	return secret, nil
}

// ResealResult counts what ResealSecrets did.
type ResealResult struct {
	Checked  int `json:"checked"`
	Resealed int `json:"resealed"`
	Current  int `json:"current"`
}

// ResealSecrets re-seals, under the keyring's current key, every stored
// secret sealed with a previous key (a key rotation), in tx, and audits the
// rotation. A value that opens with no configured key fails the whole
// rotation, naming the row, so nothing is left half-rotated.
func ResealSecrets(ctx context.Context, tx pgx.Tx, kr *secrets.Keyring, e audit.Entry) (ResealResult, error) {
	var res ResealResult
	if !kr.Enabled() {
		return res, secrets.ErrNoKey
	}
	q := dbsqlc.New()
	rows, err := q.UserSealedSecrets(ctx, tx)
	if err != nil {
		return res, fmt.Errorf("list sealed secrets: %w", err)
	}
	for _, r := range rows {
		res.Checked++
		if !kr.Stale(r.WebhookSecret) {
			res.Current++
			continue
		}
		plain, err := OpenWebhookSecret(kr, r.ID, r.WebhookSecret)
		if err != nil {
			return res, err
		}
		resealed, err := kr.Seal(plain, WebhookSecretWhere(r.ID))
		if err != nil {
			return res, fmt.Errorf("reseal webhook secret of user %d: %w", r.ID, err)
		}
		n, err := q.UserResealSecret(ctx, tx, dbsqlc.UserResealSecretParams{ID: r.ID, Sealed: r.WebhookSecret, Resealed: resealed})
		if err != nil {
			return res, fmt.Errorf("store resealed secret of user %d: %w", r.ID, err)
		}
		if n == 1 {
			res.Resealed++
		}
	}
	e.Action, e.EntityType, e.EntityID = "secrets.rotate", "secret_key", kr.KeyID()
	e.Details = map[string]any{"checked": res.Checked, "resealed": res.Resealed}
	if err := audit.Write(ctx, tx, e); err != nil {
		return res, err
	}
	return res, nil
}
