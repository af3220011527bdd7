package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

var alpacaBot = map[string]any{"name": "live", "strategy": "sma_cross", "params": map[string]any{"fast": 3, "slow": 8},
	"symbols": []string{"AAPL"}, "timeframe": "1m", "cash": 10000, "broker": "alpaca"}

// PUT/GET/DELETE /api/me/brokers/alpaca: the secret is stored sealed and
// never shown (GET masks the key id), live trading is refused naming
// body.paper, each user sees and deletes only their own key, every change
// is audited, and an alpaca bot is refused (422 naming body.broker) until
// its owner has a key.
func TestAlpacaCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{cfg: func(c *config.Config) { c.SecretKey = testSecretKey }})
	alice, bob := b.user("alice", userOpts{}), b.user("bob", userOpts{})
	const path = "/api/me/brokers/alpaca"

	// No key yet: GET 404, and an alpaca bot is refused naming the field.
	r := b.do(http.MethodGet, path, alice.token, nil)
	require.Equal(t, http.StatusNotFound, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "no Alpaca credentials for this user")
	r = b.do(http.MethodPost, "/api/bots", alice.token, alpacaBot)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t), "body.broker")
	require.Contains(t, string(r.raw), "no Alpaca credentials for this user: PUT /api/me/brokers/alpaca")
	require.Zero(t, b.count("SELECT count(*) FROM trading_bots"))

	// Live trading is refused, nothing stored.
	r = b.do(http.MethodPut, path, alice.token, map[string]any{"key_id": "PKALICE12345678", "secret_key": "s3cretAlice", "paper": false})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t), "body.paper")
	require.Contains(t, string(r.raw), "live trading is not supported")
	require.Zero(t, b.count("SELECT count(*) FROM broker_credentials"))

	got := b.must(http.StatusOK, b.do(http.MethodPut, path, alice.token, map[string]any{"key_id": "PKALICE12345678",
		"secret_key": "s3cretAlice"}))
	require.Equal(t, "PK…5678", got["key_id"])
	require.Equal(t, true, got["paper"])
	require.NotContains(t, got, "secret_key")
	var sealed string
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT secret_sealed FROM broker_credentials WHERE user_id = $1", alice.id).Scan(&sealed))
	require.NotContains(t, sealed, "s3cretAlice", "stored sealed")

	got = b.must(http.StatusOK, b.do(http.MethodGet, path, alice.token, nil))
	require.Equal(t, "PK…5678", got["key_id"])
	require.NotEmpty(t, got["created_at"])
	require.NotEmpty(t, got["updated_at"])
	r = b.do(http.MethodGet, path, alice.token, nil)
	require.NotContains(t, string(r.raw), "s3cretAlice")
	require.NotContains(t, string(r.raw), "PKALICE12345678")

	// Bob sees nothing of Alice's and cannot delete it.
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, path, bob.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodDelete, path, bob.token, nil).status)
	require.Equal(t, 1, b.count("SELECT count(*) FROM broker_credentials WHERE user_id = $1", alice.id))
	r = b.do(http.MethodPost, "/api/bots", bob.token, alpacaBot)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "alice's key is not bob's: %s", r.raw)

	// With her key, Alice's alpaca bot is accepted.
	bot := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/bots", alice.token, alpacaBot))
	require.Equal(t, "alpaca", bot["broker"])

	// A bad key id names its field.
	r = b.do(http.MethodPut, path, alice.token, map[string]any{"key_id": "PK ALICE", "secret_key": "x"})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t), "body.key_id")

	b.must(http.StatusNoContent, b.do(http.MethodDelete, path, alice.token, nil))
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, path, alice.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodDelete, path, alice.token, nil).status)
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'broker_credentials.set' AND source = 'api'
		AND actor_user_id = $1 AND owner_user_id = $1`, alice.id))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM audit_log WHERE action = 'broker_credentials.delete' AND owner_user_id = $1`, alice.id))
	require.Zero(t, b.count("SELECT count(*) FROM audit_log WHERE details::text LIKE '%s3cretAlice%'"), "the secret is never audited")
}

// Without secret_key the server cannot store a key: 409 naming the setting.
func TestAlpacaCredentialsWithoutKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	r := b.do(http.MethodPut, "/api/me/brokers/alpaca", alice.token, map[string]any{"key_id": "PKALICE12345678", "secret_key": "s"})
	require.Equal(t, http.StatusConflict, r.status, string(r.raw))
	require.True(t, strings.Contains(string(r.raw), "VIGIL_SECRET_KEY"))
}

// An admin's alpaca bot may trade on the operator's account
// (alpaca_key_id / alpaca_secret_key) when the admin stored no key; a
// non-admin's may not.
func TestAlpacaOperatorAccountIsForAdmins(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{cfg: func(c *config.Config) { c.AlpacaKeyID, c.AlpacaSecretKey = "PKOPERATOR", "operator-secret" }})
	admin, plain := b.user("root", userOpts{admin: true}), b.user("ann", userOpts{})
	b.must(http.StatusCreated, b.do(http.MethodPost, "/api/bots", admin.token, alpacaBot))
	r := b.do(http.MethodPost, "/api/bots", plain.token, alpacaBot)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t), "body.broker")
}
