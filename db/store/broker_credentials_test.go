package store

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/secrets"
)

// Broker credentials are stored sealed (the secret never in the clear, in
// the row or the audit log), open only for their own user and broker, and
// every change is audited.
func TestBrokerCredentials(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()
	kr, err := secrets.NewKeyring("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	require.NoError(t, err)
	var uid, other int64
	require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO users (name) VALUES ('ann') RETURNING id`).Scan(&uid))
	require.NoError(t, d.Pool.QueryRow(ctx, `INSERT INTO users (name) VALUES ('bob') RETURNING id`).Scan(&other))
	e := audit.Entry{Actor: uid, Source: audit.SourceCLI}
	set := func(c BrokerCredentials) error {
		return pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
			_, err := SetBrokerCredentials(ctx, tx, kr, e, c)
			return err
		})
	}

	for _, tc := range []struct {
		c    BrokerCredentials
		want string
	}{
		{BrokerCredentials{UserID: uid, Broker: "ibkr", KeyID: "k", SecretKey: "s", Paper: true}, `broker "ibkr"`},
		{BrokerCredentials{UserID: uid, Broker: "alpaca", KeyID: " ", SecretKey: "s", Paper: true}, "key_id"},
		{BrokerCredentials{UserID: uid, Broker: "alpaca", KeyID: "k", Paper: true}, "secret_key: required"},
		{BrokerCredentials{UserID: uid, Broker: "alpaca", KeyID: "k", SecretKey: "s"}, "paper: only paper trading"},
	} {
		err := set(tc.c)
		require.ErrorIs(t, err, ErrBrokerCredentials)
		require.ErrorContains(t, err, tc.want)
	}

	require.NoError(t, set(BrokerCredentials{UserID: uid, Broker: "alpaca", KeyID: "PKOLD", SecretKey: "old-secret", Paper: true}))
	require.NoError(t, set(BrokerCredentials{UserID: uid, Broker: "alpaca", KeyID: "PK123", SecretKey: " s3cret-value \n", Paper: true,
		BaseURL: "http://127.0.0.1:9"}))
	c, err := GetBrokerCredentials(ctx, d.Pool, kr, uid, "alpaca")
	require.NoError(t, err)
	require.False(t, c.UpdatedAt.IsZero(), "the row's updated_at")
	c.UpdatedAt = time.Time{}
	require.Equal(t, BrokerCredentials{UserID: uid, Broker: "alpaca", KeyID: "PK123", SecretKey: "s3cret-value", Paper: true,
		BaseURL: "http://127.0.0.1:9"}, c)

	var sealed string
	var rows int
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT secret_sealed, (SELECT count(*) FROM broker_credentials) FROM broker_credentials
		WHERE user_id = $1`, uid).Scan(&sealed, &rows))
	require.Equal(t, 1, rows, "a second set replaces the first")
	require.NotContains(t, sealed, "s3cret")
	// The sealed value is bound to its row: copied to another user it does not open.
	_, err = d.Pool.Exec(ctx, `INSERT INTO broker_credentials (user_id, broker, key_id, secret_sealed) VALUES ($1, 'alpaca', 'PK123', $2)`,
		other, sealed)
	require.NoError(t, err)
	_, err = GetBrokerCredentials(ctx, d.Pool, kr, other, "alpaca")
	require.ErrorContains(t, err, "open alpaca secret of user")

	require.NoError(t, pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		return DeleteBrokerCredentials(ctx, tx, e, uid, "alpaca")
	}))
	_, err = GetBrokerCredentials(ctx, d.Pool, kr, uid, "alpaca")
	require.ErrorIs(t, err, db.ErrNotFound)
	require.ErrorIs(t, pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		return DeleteBrokerCredentials(ctx, tx, e, uid, "alpaca")
	}), db.ErrNotFound)

	var actions []string
	rs, err := d.Pool.Query(ctx, `SELECT action || ' ' || ((details::jsonb)->>'broker') || ' ' || coalesce((details::jsonb)->>'key_id', '-')
		FROM audit_log WHERE owner_user_id = $1 ORDER BY id`, uid)
	require.NoError(t, err)
	for rs.Next() {
		var s string
		require.NoError(t, rs.Scan(&s))
		actions = append(actions, s)
	}
	require.NoError(t, rs.Err())
	require.Equal(t, []string{"broker_credentials.set alpaca PKOLD", "broker_credentials.set alpaca PK123",
		"broker_credentials.delete alpaca -"}, actions)
	var leaked int
	require.NoError(t, d.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE details::text LIKE '%s3cret%'`).Scan(&leaked))
	require.Zero(t, leaked, "the secret is never audited")
}
