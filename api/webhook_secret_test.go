package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

const testSecretKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestRotateWebhookSecret(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{cfg: func(c *config.Config) { c.SecretKey = testSecretKey }})
	alice, bob := b.user("alice", userOpts{}), b.user("bob", userOpts{})

	r := b.do(http.MethodPost, "/api/me/webhook-secret", alice.token, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	first := r.json(t)["secret"].(string)
	require.GreaterOrEqual(t, len(first), 40)
	require.Equal(t, "X-Vigil-Signature", r.json(t)["header"])

	var sealed string
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT webhook_secret FROM users WHERE id = $1", alice.id).Scan(&sealed))
	require.True(t, strings.HasPrefix(sealed, "v1."), sealed)
	require.NotContains(t, sealed, first, "stored encrypted")

	r = b.do(http.MethodPost, "/api/me/webhook-secret", alice.token, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.NotEqual(t, first, r.json(t)["secret"], "a rotation issues a new secret")
	require.Zero(t, b.count("SELECT count(*) FROM users WHERE id = $1 AND webhook_secret IS NOT NULL", bob.id), "only the caller's row changes")
	require.Equal(t, 2, b.count(`SELECT count(*) FROM audit_log WHERE action = 'user.webhook_secret.rotate' AND source = 'api'
		AND actor_user_id = $1 AND owner_user_id = $1`, alice.id))
	require.Zero(t, b.count("SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || $1 || '%'", first), "the secret is never audited")
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodPost, "/api/me/webhook-secret", "", nil).status)
}

func TestRotateWebhookSecretWithoutKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	r := b.do(http.MethodPost, "/api/me/webhook-secret", alice.token, nil)
	require.Equal(t, http.StatusConflict, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "VIGIL_SECRET_KEY")
	require.Zero(t, b.count("SELECT count(*) FROM users WHERE webhook_secret IS NOT NULL"))
}
