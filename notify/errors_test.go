package notify

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")

	require.NoError(t, Permanent(nil))
	require.NoError(t, Unreachable(nil))
	require.False(t, IsPermanent(nil))
	require.False(t, IsUnreachable(nil))
	_, ok := RetryAfter(nil)
	require.False(t, ok)

	require.False(t, IsPermanent(base))

	perm := fmt.Errorf("send: %w", Permanent(base))
	require.True(t, IsPermanent(perm))
	require.False(t, IsUnreachable(perm))
	require.ErrorIs(t, perm, base)
	require.Equal(t, "send: boom", perm.Error())

	unreach := fmt.Errorf("send: %w", Unreachable(base))
	require.True(t, IsUnreachable(unreach))
	require.True(t, IsPermanent(unreach))
	require.ErrorIs(t, unreach, base)
	require.Equal(t, "send: boom", unreach.Error())

	require.True(t, IsPermanent(ErrNoDestination))
	require.True(t, IsPermanent(fmt.Errorf("telegram: %w", ErrNoDestination)))
	require.False(t, IsUnreachable(ErrNoDestination))

	ra := fmt.Errorf("send: %w", &RetryAfterError{After: 7 * time.Second, Err: base})
	after, ok := RetryAfter(ra)
	require.True(t, ok)
	require.Equal(t, 7*time.Second, after)
	require.False(t, IsPermanent(ra))
	require.ErrorIs(t, ra, base)
	require.Equal(t, "send: boom (retry after 7s)", ra.Error())
	require.Equal(t, "retry after 1m0s", (&RetryAfterError{After: time.Minute}).Error())
}
