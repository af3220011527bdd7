package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// version prefixes every sealed value.
const version = "v1"

var (
	// ErrNoKey is returned by Seal and Open on a Keyring without a key.
	ErrNoKey = errors.New("no secret key configured (set VIGIL_SECRET_KEY: 32 bytes as 64 hex digits or base64)")
	// ErrUnknownKey is returned by Open for a value sealed with a key the
	// Keyring does not hold (a rotation whose previous key was dropped too early).
	ErrUnknownKey = errors.New("sealed with a key that is not configured (add it to VIGIL_SECRET_KEY_PREVIOUS)")
	// ErrMalformed is returned by Open for text that is not a sealed value.
	ErrMalformed = errors.New("not a sealed value")
	// ErrTampered is returned by Open when authentication fails: the value
	// was changed, or belongs to another place (its additional data differ).
	ErrTampered = errors.New("sealed value does not authenticate")
)

type key struct {
	id   string
	aead cipher.AEAD
	raw  []byte // for Derive only
}

// Keyring holds the current key and any previous keys.
type Keyring struct {
	current  *key
	previous []*key
}

// ParseKey decodes a key given as 64 hex digits or as standard or URL-safe
// base64 (with or without padding) of 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("a key must be %d bytes, as 64 hex digits or base64 (openssl rand -hex 32)", KeySize)
}

// NewKeyring builds a keyring from the current key and the previous keys,
// each in a form ParseKey accepts. An empty current key gives a keyring that
// refuses to seal or open (ErrNoKey).
func NewKeyring(current string, previous ...string) (*Keyring, error) {
	kr := &Keyring{}
	if strings.TrimSpace(current) == "" {
		if len(previous) > 0 {
			return nil, errors.New("previous keys need a current key")
		}
		return kr, nil
	}
	k, err := newKey(current)
	if err != nil {
		return nil, fmt.Errorf("current key: %w", err)
	}
	kr.current = k
	for i, p := range previous {
		if strings.TrimSpace(p) == "" {
			continue
		}
		k, err := newKey(p)
		if err != nil {
			return nil, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		kr.previous = append(kr.previous, k)
	}
	return kr, nil
}

func newKey(s string) (*key, error) {
	raw, err := ParseKey(s)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	sum := sha256.Sum256(raw)
	return &key{id: hex.EncodeToString(sum[:4]), aead: aead, raw: raw}, nil
}

// Derive returns a 32-byte key for purpose (such as "email-links") made from
// each key of the ring, the current key's first: HMAC-SHA256(key,
// "vigil/derive/v1:" + purpose). Sign or MAC with the first; accept what any
// of them verifies, so that values made before a rotation still check until
// the previous key is dropped. Keys for different purposes are unrelated,
// and none reveals the sealing key. Without a current key it returns
// ErrNoKey.
func (kr *Keyring) Derive(purpose string) ([][]byte, error) {
	if !kr.Enabled() {
		return nil, ErrNoKey
	}
	out := make([][]byte, 0, 1+len(kr.previous))
	for _, k := range append([]*key{kr.current}, kr.previous...) {
		mac := hmac.New(sha256.New, k.raw)
		mac.Write([]byte("vigil/derive/v1:" + purpose))
		out = append(out, mac.Sum(nil))
	}
	return out, nil
}

// Enabled reports whether the keyring has a current key.
func (kr *Keyring) Enabled() bool { return kr != nil && kr.current != nil }

// KeyID is the id of the current key ("" without one).
func (kr *Keyring) KeyID() string {
	if !kr.Enabled() {
		return ""
	}
	return kr.current.id
}

// Seal encrypts plaintext under the current key, bound to where (the
// additional data: where the value is stored).
func (kr *Keyring) Seal(plaintext []byte, where string) (string, error) {
	if !kr.Enabled() {
		return "", ErrNoKey
	}
	k := kr.current
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, plaintext, []byte(where))
	return version + "." + k.id + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned for the same where, with whichever
// configured key sealed it.
func (kr *Keyring) Open(sealed, where string) ([]byte, error) {
	if !kr.Enabled() {
		return nil, ErrNoKey
	}
	id, data, err := split(sealed)
	if err != nil {
		return nil, err
	}
	k := kr.find(id)
	if k == nil {
		return nil, fmt.Errorf("key %s: %w", id, ErrUnknownKey)
	}
	if len(data) < k.aead.NonceSize()+k.aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, data[:n], data[n:], []byte(where))
	if err != nil {
		return nil, ErrTampered
	}
	return plain, nil
}

// Stale reports whether sealed was sealed with a key other than the current
// one (a rotation has to re-seal it). Malformed values are stale too.
func (kr *Keyring) Stale(sealed string) bool {
	id, _, err := split(sealed)
	return err != nil || !kr.Enabled() || id != kr.current.id
}

func (kr *Keyring) find(id string) *key {
	if kr.current.id == id {
		return kr.current
	}
	for _, k := range kr.previous {
		if k.id == id {
			return k
		}
	}
	return nil
}

func split(sealed string) (id string, data []byte, err error) {
	v, rest, ok := strings.Cut(sealed, ".")
	if !ok || v != version {
		return "", nil, fmt.Errorf("%w: want prefix %q", ErrMalformed, version+".")
	}
	id, enc, ok := strings.Cut(rest, ".")
	if !ok || len(id) != 8 {
		return "", nil, fmt.Errorf("%w: no key id", ErrMalformed)
	}
	data, err = base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return id, data, nil
}

// NewSecret returns n random bytes as URL-safe base64: a signing secret to
// show a user once.
func NewSecret(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
