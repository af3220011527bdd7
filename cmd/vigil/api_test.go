package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/db/dbtest"
)

func TestAPICommandServesAndStops(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- cmdAPI(ctx, &env{stdout: &out, stderr: &errOut}, []string{"--database-url", d.URL, "--api-addr", addr})
	}()

	base := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/openapi.json")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "vigil api answers")

	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('ann', 'verified') RETURNING id").Scan(&uid))
	token, _, err := api.CreateToken(ctx, d.Pool, nil, uid, "test")
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, base+"/api/schedules", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get(base + "/api/schedules")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	require.Eventually(t, func() bool {
		var n int
		_ = d.Pool.QueryRow(ctx, "SELECT count(*) FROM msg_system_health WHERE system = 'api'").Scan(&n)
		return n > 0
	}, 10*time.Second, 50*time.Millisecond, "the api heartbeat is written")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("vigil api did not stop")
	}
	require.Contains(t, errOut.String(), "stopped cleanly")
}

func TestAPICommandRefusesStaleSchema(t *testing.T) {
	t.Parallel()
	d := dbtest.NewEmpty(t)
	err := cmdAPI(context.Background(), &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}},
		[]string{"--database-url", d.URL, "--api-addr", "127.0.0.1:0"})
	require.ErrorContains(t, err, "vigil migrate up")
}

func TestTokensCLI(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	tokens := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := cmdTokens(ctx, &env{stdout: &out, stderr: &errOut}, append(args, "--database-url", d.URL))
		return out.String(), errOut.String(), err
	}
	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('ann', 'verified') RETURNING id").Scan(&uid))

	out, errOut, err := tokens("create", "--user", fmt.Sprint(uid), "--name", "ci")
	require.NoError(t, err, errOut)
	token := strings.TrimSpace(out)
	require.True(t, strings.HasPrefix(token, api.TokenPrefix), out)
	require.Len(t, token, 47, "the token alone on stdout")
	require.Contains(t, errOut, "cannot be shown again")
	var id int64
	var hash []byte
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT id, token_hash FROM api_tokens WHERE user_id = $1", uid).Scan(&id, &hash))
	require.Equal(t, api.HashToken(token), hash)

	out, _, err = tokens("list", "--user", fmt.Sprint(uid))
	require.NoError(t, err)
	require.Contains(t, out, token[:8])
	require.NotContains(t, out, token)

	out, _, err = tokens("revoke", strconv.FormatInt(id, 10))
	require.NoError(t, err)
	require.Contains(t, out, "revoked")
	var revoked bool
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = $1", id).Scan(&revoked))
	require.True(t, revoked)
	var audits int
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke')").Scan(&audits))
	require.Equal(t, 2, audits)

	_, _, err = tokens("revoke", "999999")
	require.ErrorContains(t, err, "token 999999 does not exist")
	_, _, err = tokens("create", "--user", "999999")
	require.ErrorContains(t, err, "user 999999 does not exist")
	_, _, err = tokens("create")
	require.ErrorContains(t, err, "--user is required")
	_, _, err = tokens("revoke")
	require.ErrorContains(t, err, "expected one token id")
	_, _, err = tokens("rotate")
	require.ErrorContains(t, err, `unknown action "rotate"`)
}
