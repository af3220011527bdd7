package health

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/health/outcome"
)

func TestWorstAndProblems(t *testing.T) {
	t.Parallel()
	checks := map[string]Check{
		"database": OK(nil),
		"webhook":  Fail(Unknown, "no webhook delivery yet", nil),
	}
	require.Equal(t, Healthy, Worst(checks), "UNKNOWN does not make HEALTHY worse")
	require.Empty(t, Problems(checks))
	require.Equal(t, Unknown, Worst(map[string]Check{"webhook": Fail(Unknown, "", nil)}))
	require.Equal(t, Unknown, Worst(nil))
	require.Equal(t, Healthy, Summarize(nil).Status, "a role with no checks is alive")

	checks["telegram"] = Fail(Degraded, "last Bot API request failed: 502", nil)
	checks["river_client"] = Fail(Down, "the River client has stopped", nil)
	require.Equal(t, Down, Worst(checks))
	require.Equal(t, "river_client: the River client has stopped; telegram: last Bot API request failed: 502", Problems(checks))
	s := Summarize(checks)
	require.Equal(t, Down, s.Status)
	require.Equal(t, Problems(checks), s.Message())
	require.Equal(t, checks, s.Metadata["checks"])
}

// A probe that does not answer in time is DOWN; the others are not held up
// by it beyond the timeout.
func TestEvaluate(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	got := Evaluate(context.Background(), map[string]Probe{
		"stuck": func(ctx context.Context) Check { <-release; return OK(nil) },
		"fine":  func(context.Context) Check { return OK(map[string]any{"k": "v"}) },
		"empty": func(context.Context) Check { return Check{} },
	}, 50*time.Millisecond)
	require.Equal(t, Down, got["stuck"].Status)
	require.Equal(t, "stuck check did not answer within 50ms", got["stuck"].Message())
	require.Equal(t, Healthy, got["fine"].Status)
	require.NotNil(t, got["fine"].ResponseTimeMs, "timed by Evaluate")
	require.Equal(t, "v", got["fine"].Metadata["k"])
	require.Equal(t, Unknown, got["empty"].Status, "a probe that says nothing cannot tell")
	require.NotNil(t, got["empty"].Metadata)
}

// Cached calls its probe at most once per period, on the clock it is given.
func TestCached(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	calls := 0
	p := Cached(func(context.Context) Check {
		calls++
		return Fail(Down, "getMe: 502", nil)
	}, 5*time.Minute, func() time.Time { return now })
	for range 3 {
		require.Equal(t, Down, p(context.Background()).Status)
	}
	require.Equal(t, 1, calls)
	require.Equal(t, now, p(context.Background()).Metadata["cached_at"])
	now = now.Add(5 * time.Minute)
	p(context.Background())
	require.Equal(t, 2, calls)
}

func TestAgeCheck(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	c := AgeCheck("scheduler tick", now.Add(-30*time.Second), now, 90*time.Second, nil)
	require.Equal(t, Healthy, c.Status)
	require.Equal(t, 30.0, c.Metadata["age_seconds"])
	c = AgeCheck("scheduler tick", now.Add(-91*time.Second), now, 90*time.Second, nil)
	require.Equal(t, Down, c.Status)
	require.Equal(t, "last scheduler tick 1m31s ago, more than 1m30s", c.Message())
	require.Equal(t, "no scheduler tick yet", AgeCheck("scheduler tick", time.Time{}, now, time.Minute, nil).Message())
}

func TestOutcomeCheck(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	var r outcome.Recorder
	c := OutcomeCheck("webhook delivery", r.Last(), now)
	require.Equal(t, Unknown, c.Status)
	require.Equal(t, "no webhook delivery yet", c.Message())

	r.Success(now.Add(-time.Minute))
	require.Equal(t, Healthy, OutcomeCheck("webhook delivery", r.Last(), now).Status)
	r.Failure(now.Add(-time.Second), errors.New("webhook POST https://x/y: 502 Bad Gateway"))
	c = OutcomeCheck("webhook delivery", r.Last(), now)
	require.Equal(t, Degraded, c.Status)
	require.Equal(t, "last webhook delivery failed: webhook POST https://x/y: 502 Bad Gateway", c.Message())
	require.Equal(t, 60.0, c.Metadata["last_success_age_seconds"])
	require.EqualValues(t, 1, c.Metadata["failures"])
	r.Success(now)
	require.Equal(t, Healthy, OutcomeCheck("webhook delivery", r.Last(), now).Status, "a later success heals")
}
