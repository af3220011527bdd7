package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

const (
	cliSecretKey  = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	cliSecretKey2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
)

func secretsConfig(t *testing.T, key, previous string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vigil.json")
	require.NoError(t, os.WriteFile(path, fmt.Appendf(nil, `{"secret_key": %q, "secret_key_previous": %q}`, key, previous), 0o600))
	return path
}

// `vigil users webhook-secret` issues a secret, stored sealed; `vigil
// secrets rotate` re-seals it under a new key; both are audited; without the
// old key the rotation refuses and names the variable to set.
func TestSecretsCLI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('ann', 'verified') RETURNING id").Scan(&uid))
	oldCfg := secretsConfig(t, cliSecretKey, "")

	out, errOut, code := vigil(ctx, t, nil, "users", "webhook-secret", fmt.Sprint(uid), "--database-url", d.URL, "--config", oldCfg)
	require.Zero(t, code, errOut)
	secret := strings.TrimSpace(out)
	require.GreaterOrEqual(t, len(secret), 40)
	var sealed string
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT webhook_secret FROM users WHERE id = $1", uid).Scan(&sealed))
	require.NotContains(t, sealed, secret)

	_, errOut, code = vigil(ctx, t, nil, "users", "webhook-secret", "999999", "--database-url", d.URL, "--config", oldCfg)
	require.NotZero(t, code)
	require.Contains(t, errOut, "no user 999999")
	_, errOut, code = vigil(ctx, t, nil, "users", "webhook-secret", "x", "--database-url", d.URL, "--config", oldCfg)
	require.NotZero(t, code)
	require.Contains(t, errOut, "must be a positive integer")
	_, errOut, code = vigil(ctx, t, nil, "users", "webhook-secret", fmt.Sprint(uid), "--database-url", d.URL,
		"--config", secretsConfig(t, "", ""))
	require.NotZero(t, code)
	require.Contains(t, errOut, "VIGIL_SECRET_KEY")

	// The new key without the old one cannot open what the old one sealed.
	_, errOut, code = vigil(ctx, t, nil, "secrets", "rotate", "--database-url", d.URL, "--config", secretsConfig(t, cliSecretKey2, ""))
	require.NotZero(t, code)
	require.Contains(t, errOut, "VIGIL_SECRET_KEY_PREVIOUS")

	out, errOut, code = vigil(ctx, t, nil, "secrets", "rotate", "--database-url", d.URL,
		"--config", secretsConfig(t, cliSecretKey2, cliSecretKey))
	require.Zero(t, code, errOut)
	require.Contains(t, out, `"checked":1,"resealed":1`)
	out, _, code = vigil(ctx, t, nil, "secrets", "rotate", "--database-url", d.URL,
		"--config", secretsConfig(t, cliSecretKey2, cliSecretKey))
	require.Zero(t, code)
	require.Contains(t, out, `"resealed":0,"current":1`, "a second rotation has nothing to do")

	var actions []string
	rows, err := d.Pool.Query(ctx, "SELECT action FROM audit_log WHERE source = 'cli' ORDER BY id")
	require.NoError(t, err)
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		actions = append(actions, a)
	}
	require.Equal(t, []string{"user.webhook_secret.rotate", "secrets.rotate", "secrets.rotate"}, actions)
}
