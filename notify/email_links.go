package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// EmailPreferencesPath is the path, under the public URL, of the page a
// mail's preferences (List-Unsubscribe) link opens.
const EmailPreferencesPath = "/email/preferences"

// emailLinkTokenBytes is how much of the HMAC a link carries (128 bits).
const emailLinkTokenBytes = 16

// EmailLinks makes and checks the signed, unauthenticated links to a user's
// email preferences that every mail carries (List-Unsubscribe and the
// footer): public URL + EmailPreferencesPath + "?u=USER&t=TOKEN", where
// TOKEN is the first 16 bytes of HMAC-SHA256(key, "email-preferences:v1:"
// + user id + ":" + address), base64url. A link names the address it was
// sent to, so it stops working once the user's address changes.
type EmailLinks struct {
	// Base is the public URL without a trailing slash.
	Base string
	// Keys sign with the first and accept any (a key rotation keeps old
	// links working while the previous key is configured). No keys: no
	// links (PreferencesURL returns "", Verify false).
	Keys [][]byte
}

// PreferencesURL returns the signed preferences link of userID at addr, or
// "" without a key.
func (l *EmailLinks) PreferencesURL(userID int64, addr string) string {
	if l == nil || len(l.Keys) == 0 {
		return ""
	}
	q := url.Values{"u": {strconv.FormatInt(userID, 10)}, "t": {l.token(l.Keys[0], userID, addr)}}
	return l.Base + EmailPreferencesPath + "?" + q.Encode()
}

// Verify reports whether token is the signature of userID at addr under
// one of the keys (compared in constant time).
func (l *EmailLinks) Verify(userID int64, addr, token string) bool {
	if l == nil || token == "" {
		return false
	}
	for _, k := range l.Keys {
		if hmac.Equal([]byte(token), []byte(l.token(k, userID, addr))) {
			return true
		}
	}
	return false
}

func (l *EmailLinks) token(key []byte, userID int64, addr string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("email-preferences:v1:" + strconv.FormatInt(userID, 10) + ":" + strings.ToLower(addr)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:emailLinkTokenBytes])
}
