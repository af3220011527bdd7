package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/schemas"
)

// The demo bot's symbols are the ones that buy soonest on the synthetic
// market: within minutes of make run, at any time of day.
func TestDemoBotBuysWithinMinutes(t *testing.T) {
	t.Parallel()
	v, err := schemas.New()
	require.NoError(t, err)
	for _, now := range []time.Time{time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC), time.Date(2026, 7, 4, 3, 17, 5, 0, time.UTC),
		time.Now()} {
		symbols, first, err := demoBotSymbols(t.Context(), v, now)
		require.NoError(t, err)
		require.Len(t, symbols, 2)
		require.NotEqual(t, symbols[0], symbols[1])
		require.Positive(t, first)
		require.LessOrEqual(t, first, 10*time.Minute, "at %s the first buy is %s away", now, first)
	}
}
