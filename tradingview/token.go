package tradingview

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every webhook token.
const TokenPrefix = "tv_"

const (
	selectorBytes = 8
	secretBytes   = 32
	selectorLen   = 2 * selectorBytes                          // hex
	secretLen     = (secretBytes*8 + 5) / 6                    // base64url, no padding: 43
	tokenLen      = len(TokenPrefix) + selectorLen + secretLen // 62
	displayLen    = len(TokenPrefix) + 6
)

// Token is a newly issued webhook token: Value is shown to its owner once;
// Selector (which finds the row) and SecretHash are stored.
type Token struct {
	Value      string
	Selector   string
	SecretHash []byte
	// Prefix is the start of Value, kept for display.
	Prefix string
}

// NewToken returns a fresh random token: "tv_" + 16 hex digits of selector +
// 43 characters of secret (32 random bytes, base64url), all safe in a URL
// path.
func NewToken() Token {
	sel := make([]byte, selectorBytes)
	sec := make([]byte, secretBytes)
	_, _ = rand.Read(sel) // crypto/rand.Read never fails
	_, _ = rand.Read(sec)
	selector := hex.EncodeToString(sel)
	secret := base64.RawURLEncoding.EncodeToString(sec)
	value := TokenPrefix + selector + secret
	return Token{Value: value, Selector: selector, SecretHash: hashSecret(secret), Prefix: value[:displayLen]}
}

// ParseToken splits a token from a URL into its selector and the SHA-256
// of its secret; ok is false when it does not have a token's shape.
func ParseToken(s string) (selector string, secretHash []byte, ok bool) {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return "", nil, false
	}
	selector, secret := s[len(TokenPrefix):len(TokenPrefix)+selectorLen], s[len(TokenPrefix)+selectorLen:]
	if _, err := hex.DecodeString(selector); err != nil || strings.ToLower(selector) != selector {
		return "", nil, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", nil, false
	}
	return selector, hashSecret(secret), true
}

// SecretMatches compares a stored secret hash with a request's in constant
// time. A nil stored hash (no such selector) is compared against a dummy of
// the same length, so that an unknown selector takes as long as a wrong
// secret.
func SecretMatches(stored, got []byte) bool {
	if stored == nil {
		stored = dummyHash[:]
		subtle.ConstantTimeCompare(stored, got)
		return false
	}
	return subtle.ConstantTimeCompare(stored, got) == 1
}

var dummyHash = sha256.Sum256([]byte("vigil tradingview: no such token"))

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
