package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/tradingview"
)

// `vigil users tradingview-token ID` prints a token and its webhook path
// once, stores only the selector and a hash of the secret, audits the
// issue as the CLI's and refuses a bad or unknown user id.
func TestUsersTradingViewToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('ann', 'verified') RETURNING id").Scan(&uid))

	out, errOut, code := vigil(ctx, t, nil, "users", "tradingview-token", fmt.Sprint(uid), "--database-url", d.URL)
	require.Zero(t, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	token := lines[0]
	require.Equal(t, "/hooks/tradingview/"+token, lines[1])
	selector, hash, ok := tradingview.ParseToken(token)
	require.True(t, ok, token)
	var storedSelector string
	var storedHash []byte
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT selector, secret_hash FROM tradingview_tokens WHERE user_id = $1", uid).
		Scan(&storedSelector, &storedHash))
	require.Equal(t, selector, storedSelector)
	require.True(t, tradingview.SecretMatches(storedHash, hash))
	var source string
	require.NoError(t, d.Pool.QueryRow(ctx, "SELECT source FROM audit_log WHERE action = 'user.tradingview_token.rotate'").Scan(&source))
	require.Equal(t, "cli", source)

	_, errOut, code = vigil(ctx, t, nil, "users", "tradingview-token", "999999", "--database-url", d.URL)
	require.NotZero(t, code)
	require.Contains(t, errOut, "no user 999999")
	_, errOut, code = vigil(ctx, t, nil, "users", "tradingview-token", "x", "--database-url", d.URL)
	require.NotZero(t, code)
	require.Contains(t, errOut, "must be a positive integer")
}
