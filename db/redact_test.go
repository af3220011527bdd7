package db

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Redact hides the password whatever form the connection string takes.
func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db":          "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db?password=secret":      "postgres://u@h/db?password=xxxxx",
		"host=x user=u password=secret dbname=d": "host=x user=u password=xxxxx dbname=d",
		"postgres://u@h/db":                      "postgres://u@h/db",
	} {
		require.Equal(t, want, Redact(in), in)
	}
}
