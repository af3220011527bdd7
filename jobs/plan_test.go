package jobs

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func secondsBefore(now time.Time, secs ...int) []time.Time {
	out := make([]time.Time, len(secs))
	for i, s := range secs {
		out[i] = now.Add(-time.Duration(s) * time.Second)
	}
	return out
}

type outcomeCount struct{ run, misfire, overlap, limit, coalesced int }

func count(p Plan) outcomeCount {
	var c outcomeCount
	for _, d := range p.Decisions {
		switch {
		case d.Run:
			c.run++
		case d.SkipReason == SkipMisfire:
			c.misfire++
		case d.SkipReason == SkipOverlap:
			c.overlap++
		case d.SkipReason == SkipCatchupLimit:
			c.limit++
		case d.SkipReason == SkipCoalesced:
			c.coalesced++
		}
	}
	return c
}

func TestDecideCatchup(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	// Ten fires, 100 s to 10 s ago; grace 30 s makes the last three on time.
	fires := secondsBefore(now, 100, 90, 80, 70, 60, 50, 40, 30, 20, 10)
	base := Policy{MisfireGrace: 30 * time.Second, Overlap: OverlapAllowAll, MaxInstances: 100, RemainingRuns: -1}
	tests := []struct {
		name    string
		catchup string
		max     int
		more    bool
		want    outcomeCount
	}{
		{"skip", CatchupSkip, 0, false, outcomeCount{run: 3, misfire: 7}},
		{"all", CatchupAll, 0, false, outcomeCount{run: 3, misfire: 7}},
		{"all capped", CatchupAll, 2, false, outcomeCount{run: 2, misfire: 7, limit: 1}},
		{"coalesce", CatchupCoalesce, 0, false, outcomeCount{run: 1, coalesced: 9}},
		{"latest", CatchupLatest, 0, false, outcomeCount{run: 1, coalesced: 9}},
		{"latest with a newer chunk pending", CatchupLatest, 0, true, outcomeCount{coalesced: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			p.Catchup, p.MaxCatchup = tt.catchup, tt.max
			plan := Decide(p, fires, now, 0, tt.more, nil)
			require.Len(t, plan.Decisions, len(fires), "every fire gets a decision")
			require.Equal(t, tt.want, count(plan))
		})
	}

	t.Run("coalesce after a long outage runs nothing late", func(t *testing.T) {
		t.Parallel()
		p := base
		p.Catchup = CatchupCoalesce
		plan := Decide(p, secondsBefore(now, 300, 200, 100), now, 0, false, nil)
		require.Equal(t, outcomeCount{misfire: 3}, count(plan))
	})
	t.Run("latest runs the newest fire however late", func(t *testing.T) {
		t.Parallel()
		p := base
		p.Catchup = CatchupLatest
		plan := Decide(p, secondsBefore(now, 300, 200, 100), now, 0, false, nil)
		require.Equal(t, outcomeCount{run: 1, coalesced: 2}, count(plan))
		require.True(t, plan.Decisions[2].Run)
	})
}

func TestDecideOverlap(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	fires := secondsBefore(now, 3, 2, 1)
	base := Policy{Catchup: CatchupAll, MisfireGrace: time.Minute, MaxInstances: 3, RemainingRuns: -1}
	tests := []struct {
		overlap    string
		open       int
		want       outcomeCount
		cancelOpen bool
	}{
		{OverlapSkip, 0, outcomeCount{run: 1, overlap: 2}, false},
		{OverlapSkip, 1, outcomeCount{overlap: 3}, false},
		{OverlapBufferOne, 1, outcomeCount{run: 1, overlap: 2}, false},
		{OverlapBufferAll, 5, outcomeCount{run: 3}, false},
		{OverlapAllowAll, 1, outcomeCount{run: 2, overlap: 1}, false},
		{OverlapAllowAll, 3, outcomeCount{overlap: 3}, false},
		{OverlapCancelOther, 2, outcomeCount{run: 1, overlap: 2}, true}, // only the newest survives
	}
	for _, tt := range tests {
		t.Run(tt.overlap, func(t *testing.T) {
			t.Parallel()
			p := base
			p.Overlap = tt.overlap
			plan := Decide(p, fires, now, tt.open, false, nil)
			require.Equal(t, tt.want, count(plan))
			require.Equal(t, tt.cancelOpen, plan.CancelOpen)
		})
	}
}

func TestDecideRemainingRunsAndJitter(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	p := Policy{Catchup: CatchupAll, MisfireGrace: time.Minute, Overlap: OverlapAllowAll, MaxInstances: 10,
		RemainingRuns: 2, Jitter: 5 * time.Second}
	plan := Decide(p, secondsBefore(now, 3, 2, 1), now, 0, false, rand.New(rand.NewPCG(1, 2)))
	require.Equal(t, 0, plan.RemainingRuns)
	require.Len(t, plan.Decisions, 2, "the schedule stops at its run limit")
	for _, d := range plan.Decisions {
		require.True(t, d.Run)
		require.GreaterOrEqual(t, d.Jitter, time.Duration(0))
		require.Less(t, d.Jitter, 5*time.Second)
	}
}

// FuzzDecide checks invariants of the policy decisions for any input.
func FuzzDecide(f *testing.F) {
	f.Add(uint8(0), uint8(0), int64(30), 3, 3, 10, 0, false, -1)
	f.Add(uint8(2), uint8(4), int64(0), 0, 1, 1000, 5, true, 2)
	catchups := []string{CatchupSkip, CatchupCoalesce, CatchupLatest, CatchupAll, "bogus"}
	overlaps := []string{OverlapSkip, OverlapBufferOne, OverlapBufferAll, OverlapCancelOther, OverlapAllowAll, "bogus"}
	f.Fuzz(func(t *testing.T, c, o uint8, graceS int64, maxCatchup, maxInst, nFires, open int, more bool, remaining int) {
		if nFires < 0 || nFires > 2000 || open < 0 || graceS < 0 || graceS > 1e6 {
			return
		}
		now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		fires := make([]time.Time, nFires)
		for i := range fires {
			fires[i] = now.Add(-time.Duration(nFires-i) * time.Second)
		}
		p := Policy{Catchup: catchups[int(c)%len(catchups)], Overlap: overlaps[int(o)%len(overlaps)],
			MisfireGrace: time.Duration(graceS) * time.Second, MaxCatchup: maxCatchup, MaxInstances: maxInst,
			RemainingRuns: remaining}
		plan := Decide(p, fires, now, open, more, nil)
		if remaining < 0 || remaining >= nFires {
			require.Len(t, plan.Decisions, nFires, "every fire is recorded while runs remain")
		}
		runs := 0
		for i, d := range plan.Decisions {
			require.Equal(t, fires[i], d.At, "decisions keep fire order")
			if d.Run {
				runs++
				require.Empty(t, d.SkipReason)
			} else {
				require.NotEmpty(t, d.SkipReason, "a fire not run says why")
			}
		}
		if remaining >= 0 {
			require.LessOrEqual(t, runs, remaining)
		}
		if p.Catchup == CatchupAll && maxCatchup > 0 {
			require.LessOrEqual(t, runs, maxCatchup)
		}
		if p.Overlap == OverlapSkip {
			require.LessOrEqual(t, runs, 1)
		}
		if p.Overlap == OverlapAllowAll || p.Overlap == "bogus" {
			require.LessOrEqual(t, open+runs, max(open, max(maxInst, 1)))
		}
	})
}
