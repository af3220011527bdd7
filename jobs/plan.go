package jobs

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Catch-up policies: what happens to fires that are due when the scheduler
// looks (after downtime, or when a tick is late).
const (
	// CatchupSkip runs only fires within the misfire grace time; each older
	// fire is a SKIPPED run with reason misfire.
	CatchupSkip = "skip"
	// CatchupCoalesce makes one run of the newest due fire if it is within the
	// grace time; the other fires are SKIPPED as coalesced (misfire if the newest
	// is too late too).
	CatchupCoalesce = "coalesce"
	// CatchupLatest always runs the newest due fire, however late; the others
	// are SKIPPED as coalesced.
	CatchupLatest = "latest"
	// CatchupAll runs every fire within the grace time, at most MaxCatchup of
	// them (the newest); older fires are SKIPPED misfire, the excess
	// catchup_limit.
	CatchupAll = "all"
)

// Overlap policies: what happens to a fire while earlier runs of the same
// schedule are still pending or running.
const (
	OverlapSkip        = "skip"         // no new run while one is open
	OverlapBufferOne   = "buffer_one"   // at most one run waits behind the running one
	OverlapBufferAll   = "buffer_all"   // every fire waits its turn
	OverlapCancelOther = "cancel_other" // cancel open runs, then run
	OverlapAllowAll    = "allow_all"    // run concurrently up to MaxInstances
)

// Skip reasons recorded on SKIPPED runs.
const (
	SkipMisfire      = "misfire"
	SkipOverlap      = "overlap"
	SkipCatchupLimit = "catchup_limit"
	SkipCoalesced    = "coalesced"
)

// Policy is a schedule's effective firing policy (its columns, defaulted
// from config).
type Policy struct {
	Catchup       string
	MisfireGrace  time.Duration
	MaxCatchup    int
	Overlap       string
	MaxInstances  int
	Jitter        time.Duration
	RemainingRuns int // -1 = unlimited
}

// Decision is the fate of one fire.
type Decision struct {
	At         time.Time
	Run        bool
	SkipReason string        // when !Run
	Jitter     time.Duration // delay added to the job's start, when Run
}

// Plan is the outcome of deciding a batch of due fires of one schedule.
type Plan struct {
	Decisions []Decision
	// CancelOpen asks the caller to cancel the schedule's open runs first
	// (overlap cancel_other).
	CancelOpen bool
	// RemainingRuns after this plan (-1 = unlimited).
	RemainingRuns int
}

// Decide applies the catch-up, misfire-grace and overlap policies to fires
// (ascending, all due at now). open is the number of the schedule's runs still
// pending or running. more reports that newer due fires exist beyond this
// batch (a long backlog is worked through in bounded chunks). rnd draws jitter;
// nil means no jitter. Decide is pure.
func Decide(p Policy, fires []time.Time, now time.Time, open int, more bool, rnd *rand.Rand) Plan {
	plan := Plan{RemainingRuns: p.RemainingRuns}
	if len(fires) == 0 {
		return plan
	}
	grace := max(p.MisfireGrace, 0)
	onTime := func(t time.Time) bool { return now.Sub(t) <= grace }
	newest := len(fires) - 1

	// Catch-up: which fires want a run.
	want := make([]Decision, len(fires))
	for i, f := range fires {
		want[i] = Decision{At: f}
		switch p.Catchup {
		case CatchupLatest:
			if i == newest && !more {
				want[i].Run = true
			} else {
				want[i].SkipReason = SkipCoalesced
			}
		case CatchupCoalesce:
			switch {
			case i == newest && !more && onTime(f):
				want[i].Run = true
			case !more && onTime(fires[newest]):
				want[i].SkipReason = SkipCoalesced
			default:
				want[i].SkipReason = SkipMisfire
			}
		default: // skip, all
			if onTime(f) {
				want[i].Run = true
			} else {
				want[i].SkipReason = SkipMisfire
			}
		}
	}
	if p.Catchup == CatchupAll && p.MaxCatchup > 0 {
		kept := 0
		for i := newest; i >= 0; i-- {
			if !want[i].Run {
				continue
			}
			if kept++; kept > p.MaxCatchup {
				want[i] = Decision{At: want[i].At, SkipReason: SkipCatchupLimit}
			}
		}
	}

	// Overlap: fires that want a run, in time order, against open runs.
	maxInst := max(p.MaxInstances, 1)
	for i := range want {
		if !want[i].Run {
			continue
		}
		allowed := true
		switch p.Overlap {
		case OverlapSkip:
			allowed = open == 0
		case OverlapBufferOne:
			allowed = open < 2
		case OverlapBufferAll:
		case OverlapCancelOther:
			if open > 0 {
				plan.CancelOpen = true
				// Runs decided earlier in this batch are replaced too.
				for j := 0; j < i; j++ {
					if want[j].Run {
						want[j] = Decision{At: want[j].At, SkipReason: SkipOverlap}
					}
				}
				open = 0
			}
		default: // allow_all
			allowed = open < maxInst
		}
		if !allowed {
			want[i] = Decision{At: want[i].At, SkipReason: SkipOverlap}
			continue
		}
		if plan.RemainingRuns == 0 {
			want = want[:i] // run limit reached: the schedule stops here
			break
		}
		if plan.RemainingRuns > 0 {
			plan.RemainingRuns--
		}
		open++
		if p.Jitter > 0 && rnd != nil {
			want[i].Jitter = time.Duration(rnd.Int64N(int64(p.Jitter)))
		}
	}
	plan.Decisions = slices.Clip(want)
	return plan
}
