package useremail

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ann@example.com":         "ann@example.com",
		" Ann@Example.COM ":       "Ann@example.com",
		"a.b+tag@sub.example.org": "a.b+tag@sub.example.org",
		"demo@vigil.localhost":    "demo@vigil.localhost",
		"jörg@bücher.example":     "jörg@bücher.example",
	} {
		got, err := Normalize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "ann", "ann@", "@example.com", "Ann <ann@example.com>", "<ann@example.com>",
		"a@b.example, c@d.example", "a b@example.com", "a@b.example\r\nBcc: x@y", "a@[127.0.0.1]", "\"quoted space\"@example.com",
		"ann@example.com;", strings.Repeat("a", 250) + "@example.com", "a\x00b@example.com"} {
		_, err := Normalize(bad)
		e, ok := AsError(err)
		require.True(t, ok, "%q: %v", bad, err)
		require.Equal(t, KindInvalid, e.Kind, "%q", bad)
		require.Equal(t, "email", e.Field)
	}
}

func TestStatusAndDeliverable(t *testing.T) {
	t.Parallel()
	addr := "ann@example.com"
	now := ptr()
	for _, tt := range []struct {
		u      dbsqlc.User
		status string
		send   bool
	}{
		{dbsqlc.User{}, "none", false},
		{dbsqlc.User{Email: &addr}, "unconfirmed", false},
		{dbsqlc.User{Email: &addr, EmailConfirmedAt: now}, "confirmed", true},
		{dbsqlc.User{Email: &addr, EmailConfirmedAt: now, EmailBouncingAt: now}, "bouncing", false},
		{dbsqlc.User{Email: &addr, EmailConfirmedAt: now, EmailUnsubscribedAt: now}, "unsubscribed", false},
	} {
		require.Equal(t, tt.status, Status(tt.u))
		require.Equal(t, tt.send, Deliverable(tt.u) != "", tt.status)
	}
	require.Equal(t, "a***@example.com", Mask("ann@example.com"))
	require.Equal(t, "***", Mask("nonsense"))
}

func ptr() *time.Time { t := time.Now(); return &t }
