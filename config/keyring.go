package config

import (
	"strings"

	"github.com/vigilhq/vigil/secrets"
)

// Keyring is the secrets.Keyring of secret_key and secret_key_previous.
func (c Config) Keyring() (*secrets.Keyring, error) {
	var previous []string
	if c.SecretKeyPrevious != "" {
		previous = strings.Split(c.SecretKeyPrevious, ",")
	}
	return secrets.NewKeyring(c.SecretKey, previous...)
}
