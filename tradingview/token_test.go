package tradingview

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestToken(t *testing.T) {
	t.Parallel()
	tok := NewToken()
	require.Len(t, tok.Value, tokenLen)
	require.True(t, strings.HasPrefix(tok.Value, TokenPrefix))
	require.Equal(t, tok.Value, url.PathEscape(tok.Value), "safe in a URL path as it is")
	require.NotContains(t, string(tok.SecretHash), tok.Value[len(TokenPrefix)+selectorLen:])

	sel, hash, ok := ParseToken(tok.Value)
	require.True(t, ok)
	require.Equal(t, tok.Selector, sel)
	require.True(t, SecretMatches(tok.SecretHash, hash))

	other := NewToken()
	require.NotEqual(t, tok.Selector, other.Selector)
	_, otherHash, _ := ParseToken(other.Value)
	require.False(t, SecretMatches(tok.SecretHash, otherHash))
	require.False(t, SecretMatches(nil, hash), "an unknown selector never matches")

	// Same selector, one secret character changed: a wrong secret.
	b := []byte(tok.Value)
	if b[len(b)-2] == 'A' {
		b[len(b)-2] = 'B'
	} else {
		b[len(b)-2] = 'A'
	}
	_, wrong, ok := ParseToken(string(b))
	require.True(t, ok)
	require.False(t, SecretMatches(tok.SecretHash, wrong))

	for _, bad := range []string{"", "tv_", tok.Value[:tokenLen-1], tok.Value + "x", "xx" + tok.Value[2:],
		TokenPrefix + "ABCDEF0123456789" + tok.Value[len(TokenPrefix)+selectorLen:],
		TokenPrefix + "zzzzzzzzzzzzzzzz" + tok.Value[len(TokenPrefix)+selectorLen:]} {
		_, _, ok := ParseToken(bad)
		require.False(t, ok, bad)
	}
}
