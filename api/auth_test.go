package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})

	r := b.do(http.MethodGet, "/api/schedules", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, `Bearer realm="vigil"`, r.header.Get("WWW-Authenticate"))
	require.Contains(t, r.header.Get("Content-Type"), "application/problem+json")
	require.Contains(t, string(r.raw), "missing bearer token")

	for _, header := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer vgl_nope", "Bearer " + strings.TrimPrefix(u.token, "vgl_"),
		"Bearer " + u.token + "x"} {
		r := b.do(http.MethodGet, "/api/schedules", "", nil, "Authorization", header)
		require.Equal(t, http.StatusUnauthorized, r.status, header)
	}
	b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", "", nil, "Authorization", "bearer "+u.token))

	// Tokens are stored hashed, with a display prefix.
	var hash []byte
	var prefix string
	var lastUsed *time.Time
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT token_hash, token_prefix, last_used_at FROM api_tokens WHERE user_id = $1", u.id).
		Scan(&hash, &prefix, &lastUsed))
	require.Equal(t, api.HashToken(u.token), hash)
	require.Equal(t, u.token[:8], prefix)
	require.Len(t, u.token, 4+43)
	require.Equal(t, 0, b.count("SELECT count(*) FROM api_tokens WHERE token_hash = $1", []byte(u.token)))

	// last_used_at is written at most once a minute.
	require.NotNil(t, lastUsed)
	b.exec("UPDATE api_tokens SET last_used_at = now() - interval '30 seconds' WHERE user_id = $1", u.id)
	b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", u.token, nil))
	require.Equal(t, 1, b.count("SELECT count(*) FROM api_tokens WHERE user_id = $1 AND last_used_at < now() - interval '29 seconds'", u.id))
	b.exec("UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE user_id = $1", u.id)
	b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", u.token, nil))
	require.Equal(t, 1, b.count("SELECT count(*) FROM api_tokens WHERE user_id = $1 AND last_used_at > now() - interval '1 minute'", u.id))

	// A second token; revoking one leaves the other working.
	second, row, err := api.CreateToken(b.ctx, b.pool, &u.id, u.id, "ci")
	require.NoError(t, err)
	b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", second, nil))
	_, err = api.RevokeToken(b.ctx, b.pool, nil, row.ID)
	require.NoError(t, err)
	r = b.do(http.MethodGet, "/api/schedules", second, nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Contains(t, string(r.raw), "invalid or revoked token")
	b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", u.token, nil))
	require.Equal(t, 2, b.audits("token.create"), "ann's first token and the ci token")
	require.Equal(t, 1, b.audits("token.revoke"))

	// Blocked users are refused, with any token.
	b.exec("UPDATE users SET status = 'blocked' WHERE id = $1", u.id)
	r = b.do(http.MethodGet, "/api/schedules", u.token, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, string(r.raw), "user is blocked")
	require.Equal(t, http.StatusForbidden, b.do(http.MethodPost, "/api/notify", u.token, map[string]any{"user_id": u.id, "message": "x"}).status)

	// Public: the spec and the docs.
	require.Equal(t, http.StatusOK, b.do(http.MethodGet, "/openapi.json", "", nil).status)
}

func TestRequestMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules", u.token, nil))
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodGet, "/api/schedules", "", nil).status)
	families, err := b.metrics.Registry.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "vigil_api_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[fmt.Sprintf("%s %s %s", labels["method"], labels["route"], labels["status"])] = m.GetCounter().GetValue()
		}
	}
	require.Equal(t, map[string]float64{"GET /api/schedules 200": 1, "GET /api/schedules 401": 1}, got)
}
