package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/secrets"
)

// BrokerCredentialsWhere is the additional data a user's sealed broker
// secret is bound to: it opens only in that user's row for that broker.
func BrokerCredentialsWhere(userID int64, broker string) string {
	return fmt.Sprintf("broker_credentials:%d:%s", userID, broker)
}

// BrokerCredentials is a user's API key for a broker, the secret opened.
type BrokerCredentials struct {
	UserID    int64
	Broker    string
	KeyID     string
	SecretKey string
	Paper     bool
	// BaseURL overrides the broker's paper endpoint ("" none).
	BaseURL string
	// UpdatedAt is when the row was last stored (read only: set by
	// GetBrokerCredentials, ignored by SetBrokerCredentials).
	UpdatedAt time.Time
}

// ErrBrokerCredentials is a credential that cannot be stored; the message
// names the field.
var ErrBrokerCredentials = errors.New("broker credentials")

// SetBrokerCredentials stores c with its secret sealed under kr, replacing
// the user's earlier key for the broker, and audits the change (the key id,
// never the secret) in tx with e's actor and source.
func SetBrokerCredentials(ctx context.Context, tx pgx.Tx, kr *secrets.Keyring, e audit.Entry, c BrokerCredentials) (dbsqlc.BrokerCredential, error) {
	switch {
	case c.Broker != "alpaca":
		return dbsqlc.BrokerCredential{}, fmt.Errorf("%w: broker %q: only alpaca takes credentials", ErrBrokerCredentials, c.Broker)
	case strings.TrimSpace(c.KeyID) == "" || len(c.KeyID) > 128:
		return dbsqlc.BrokerCredential{}, fmt.Errorf("%w: key_id: 1 to 128 characters required", ErrBrokerCredentials)
	case strings.TrimSpace(c.SecretKey) == "":
		return dbsqlc.BrokerCredential{}, fmt.Errorf("%w: secret_key: required", ErrBrokerCredentials)
	case !c.Paper:
		return dbsqlc.BrokerCredential{}, fmt.Errorf("%w: paper: only paper trading is supported", ErrBrokerCredentials)
	}
	sealed, err := kr.Seal([]byte(strings.TrimSpace(c.SecretKey)), BrokerCredentialsWhere(c.UserID, c.Broker))
	if err != nil {
		return dbsqlc.BrokerCredential{}, fmt.Errorf("seal %s secret of user %d: %w", c.Broker, c.UserID, err)
	}
	p := dbsqlc.BrokerCredentialUpsertParams{UserID: c.UserID, Broker: c.Broker, KeyID: strings.TrimSpace(c.KeyID),
		SecretSealed: sealed, Paper: c.Paper}
	if c.BaseURL != "" {
		p.BaseUrl = &c.BaseURL
	}
	row, err := dbsqlc.New().BrokerCredentialUpsert(ctx, tx, p)
	if err != nil {
		return row, fmt.Errorf("store %s credentials of user %d: %w", c.Broker, c.UserID, db.Translate(err))
	}
	e.Owner, e.Action, e.EntityType, e.EntityID = c.UserID, "broker_credentials.set", "broker_credentials", c.Broker
	e.Details = map[string]any{"broker": c.Broker, "key_id": row.KeyID, "paper": row.Paper, "base_url": c.BaseURL,
		"sealed_with": kr.KeyID()}
	if err := audit.Write(ctx, tx, e); err != nil {
		return row, err
	}
	return row, nil
}

// GetBrokerCredentials reads and opens the user's credentials for the
// broker; db.ErrNotFound when there are none.
func GetBrokerCredentials(ctx context.Context, q dbsqlc.DBTX, kr *secrets.Keyring, userID int64, broker string) (BrokerCredentials, error) {
	row, err := dbsqlc.New().BrokerCredentialGet(ctx, q, dbsqlc.BrokerCredentialGetParams{UserID: userID, Broker: broker})
	if err != nil {
		return BrokerCredentials{}, fmt.Errorf("%s credentials of user %d: %w", broker, userID, db.Translate(err))
	}
	secret, err := kr.Open(row.SecretSealed, BrokerCredentialsWhere(userID, broker))
	if err != nil {
		return BrokerCredentials{}, fmt.Errorf("open %s secret of user %d: %w", broker, userID, err)
	}
	c := BrokerCredentials{UserID: userID, Broker: broker, KeyID: row.KeyID, SecretKey: string(secret), Paper: row.Paper,
		UpdatedAt: row.UpdatedAt}
	if row.BaseUrl != nil {
		c.BaseURL = *row.BaseUrl
	}
	return c, nil
}

// DeleteBrokerCredentials removes the user's credentials for the broker
// and audits it; db.ErrNotFound when there were none.
func DeleteBrokerCredentials(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, broker string) error {
	n, err := dbsqlc.New().BrokerCredentialDelete(ctx, tx, dbsqlc.BrokerCredentialDeleteParams{UserID: userID, Broker: broker})
	if err != nil {
		return fmt.Errorf("delete %s credentials of user %d: %w", broker, userID, err)
	}
	if n == 0 {
		return fmt.Errorf("%s credentials of user %d: %w", broker, userID, db.ErrNotFound)
	}
	e.Owner, e.Action, e.EntityType, e.EntityID = userID, "broker_credentials.delete", "broker_credentials", broker
	e.Details = map[string]any{"broker": broker}
	return audit.Write(ctx, tx, e)
}
