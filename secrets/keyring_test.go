package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const (
	hexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	b64Key = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=" // bytes 0x20..0x3f
)

func mustKeyring(t *testing.T, current string, previous ...string) *Keyring {
	t.Helper()
	kr, err := NewKeyring(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, hexKey)
	for _, plain := range [][]byte{nil, []byte("s3cret"), bytes.Repeat([]byte{0, 0xff}, 1000)} {
		sealed, err := kr.Seal(plain, "users.webhook_secret:1")
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) > 0 && strings.Contains(sealed, string(plain)) {
			t.Fatalf("plaintext visible in %q", sealed)
		}
		got, err := kr.Open(sealed, "users.webhook_secret:1")
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	a, _ := kr.Seal([]byte("x"), "w")
	b, _ := kr.Seal([]byte("x"), "w")
	if a == b {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, hexKey)
	sealed, err := kr.Seal([]byte("s3cret"), "users.webhook_secret:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Open(sealed, "users.webhook_secret:2"); err != ErrTampered {
		t.Fatalf("another row's value: %v, want ErrTampered", err)
	}
	flipped := []byte(sealed)
	i := len(flipped) - 10 // inside the ciphertext, away from the last character's padding bits
	if flipped[i] == 'A' {
		flipped[i] = 'B'
	} else {
		flipped[i] = 'A'
	}
	if _, err := kr.Open(string(flipped), "users.webhook_secret:1"); err != ErrTampered {
		t.Fatalf("changed value: %v, want ErrTampered", err)
	}
	other := mustKeyring(t, b64Key)
	if _, err := other.Open(sealed, "users.webhook_secret:1"); err == nil || !strings.Contains(err.Error(), "VIGIL_SECRET_KEY_PREVIOUS") {
		t.Fatalf("unknown key: %v", err)
	}
	for _, bad := range []string{"", "s3cret", "v2.00000000.AAAA", "v1.short.AAAA", "v1.00000000.!!!", "v1.00000000.AAAA"} {
		if _, err := kr.Open(bad, "w"); err == nil {
			t.Fatalf("Open(%q) succeeded", bad)
		}
	}
	var none Keyring
	if _, err := none.Seal([]byte("x"), "w"); err != ErrNoKey {
		t.Fatalf("Seal without key: %v", err)
	}
}

// A rotation: the new key is current and the old one previous; values sealed
// with the old key still open, are stale, and re-seal under the new key.
func TestRotation(t *testing.T) {
	t.Parallel()
	old := mustKeyring(t, hexKey)
	sealed, _ := old.Seal([]byte("s3cret"), "w")
	if old.Stale(sealed) {
		t.Fatal("fresh value is stale")
	}
	rotated := mustKeyring(t, b64Key, hexKey)
	if !rotated.Stale(sealed) {
		t.Fatal("old-key value not stale after rotation")
	}
	plain, err := rotated.Open(sealed, "w")
	if err != nil || string(plain) != "s3cret" {
		t.Fatalf("open old value: %q, %v", plain, err)
	}
	resealed, _ := rotated.Seal(plain, "w")
	if rotated.Stale(resealed) || !strings.Contains(resealed, "."+rotated.KeyID()+".") {
		t.Fatalf("resealed %q not under the current key %s", resealed, rotated.KeyID())
	}
	if _, err := mustKeyring(t, b64Key).Open(sealed, "w"); err == nil {
		t.Fatal("old value opened without the previous key")
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{hexKey, b64Key, strings.TrimRight(b64Key, "="), " " + hexKey + "\n"} {
		if _, err := ParseKey(ok); err != nil {
			t.Errorf("ParseKey(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "abc", hexKey[:62], "ICEi"} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
	if _, err := NewKeyring("", hexKey); err == nil {
		t.Error("previous keys without a current key accepted")
	}
	if _, err := NewKeyring("nope"); err == nil || !strings.Contains(err.Error(), "current key") {
		t.Errorf("bad current key: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	kr, err := NewKeyring(hexKey)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := kr.Seal([]byte("s3cret"), "w")
	f.Add(good, "w")
	f.Add("v1.00000000.", "")
	f.Add("v1..", "w")
	f.Fuzz(func(t *testing.T, sealed, where string) {
		plain, err := kr.Open(sealed, where)
		if err == nil {
			again, err := kr.Seal(plain, where)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := kr.Open(again, where); err != nil || !bytes.Equal(back, plain) {
				t.Fatalf("round trip: %q, %v", back, err)
			}
		}
		_ = kr.Stale(sealed)
	})
}

func TestDerive(t *testing.T) {
	t.Parallel()
	derive := func(kr *Keyring, purpose string) [][]byte {
		t.Helper()
		keys, err := kr.Derive(purpose)
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	kr := mustKeyring(t, hexKey)
	links := derive(kr, "email-links")
	if len(links) != 1 || len(links[0]) != 32 {
		t.Fatalf("want one 32-byte key, got %d keys", len(links))
	}
	if !bytes.Equal(derive(kr, "email-links")[0], links[0]) {
		t.Fatal("Derive is not deterministic")
	}
	if bytes.Equal(derive(kr, "other")[0], links[0]) {
		t.Fatal("two purposes share a key")
	}
	both := derive(mustKeyring(t, b64Key, hexKey), "email-links")
	if len(both) != 2 || !bytes.Equal(both[1], links[0]) || bytes.Equal(both[0], links[0]) {
		t.Fatal("after a rotation the new key's comes first and the previous key's second")
	}
	if _, err := mustKeyring(t, "").Derive("email-links"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("without a key: %v, want ErrNoKey", err)
	}
}
