package schedule

import "time"

// minIntervalHorizon is how far MinInterval looks for daylight-saving
// transitions.
const minIntervalHorizon = 2 // years

// lookback windows for lastBefore, growing so that dense schedules are
// scanned over a short window and sparse ones still find a fire.
var lookbacks = [...]time.Duration{
	time.Minute, time.Hour, 24 * time.Hour, 32 * 24 * time.Hour,
	400 * 24 * time.Hour, 3000 * 24 * time.Hour,
}

// maxTransitionFires caps the fires examined around one transition.
const maxTransitionFires = 50000

// NominalMinInterval returns the smallest gap between consecutive wall-clock
// fire times, ignoring daylight saving. It is computed from the fields: the
// smallest gap within a day, and between the last fire of one matching day
// and the first of the next over a full 400-year calendar cycle. It depends
// on neither a reference instant nor the zone, which makes it the measure for
// policy checks such as ValidateFor.
func (s *Schedule) NominalMinInterval() time.Duration {
	secs := bitValues(s.spec.Second, 0, 59)
	mins := bitValues(s.spec.Minute, 0, 59)
	hours := bitValues(s.spec.Hour, 0, 23)
	best := -1
	consider := func(gap int) {
		if gap > 0 && (best < 0 || gap < best) {
			best = gap
		}
	}
	secSpan := secs[len(secs)-1] - secs[0]
	minSpan := mins[len(mins)-1]*60 + secs[len(secs)-1] - (mins[0]*60 + secs[0])
	daySpan := (hours[len(hours)-1]-hours[0])*3600 + minSpan
	consider(smallestStep(secs))
	if step := smallestStep(mins); step > 0 {
		consider(step*60 - secSpan)
	}
	if step := smallestStep(hours); step > 0 {
		consider(step*3600 - minSpan)
	}
	if days, found := scanDays(s.spec, false); found {
		consider(days*86400 - daySpan)
	}
	return time.Duration(best) * time.Second
}

// smallestStep returns the smallest difference between consecutive sorted
// values, or 0 for fewer than two values.
func smallestStep(vals []int) int {
	best := 0
	for i := 1; i < len(vals); i++ {
		if d := vals[i] - vals[i-1]; best == 0 || d < best {
			best = d
		}
	}
	return best
}

// MinInterval returns the smallest gap between consecutive real fires over
// the two years after from: NominalMinInterval, lowered where a daylight-
// saving transition in that horizon brings two fires closer (a daily 09:00
// fire is 23h from the next across spring-forward; FoldBoth fires a daily
// 01:30 twice, an hour apart). Fires around each transition are computed
// exactly; elsewhere real gaps equal wall-clock gaps.
func (s *Schedule) MinInterval(from time.Time) time.Duration {
	best := s.NominalMinInterval()
	if from.Before(time.Time{}) || from.After(maxAfter) {
		return best
	}
	horizon := from.AddDate(minIntervalHorizon, 0, 0)
	seg := segmentAt(s.loc, from)
	for range maxSegmentSteps {
		if seg.end.IsZero() || seg.end.After(horizon) {
			break
		}
		next := segmentAt(s.loc, seg.end)
		if !next.start.After(seg.start) {
			break
		}
		if delta := (next.off - seg.off).Abs(); delta > 0 {
			if gap, ok := s.gapAround(seg.end, delta); ok && gap < best {
				best = gap
			}
		}
		seg = next
	}
	return best
}

// gapAround returns the smallest gap between consecutive fires from the last
// fire before the span a transition at tr can affect, [tr-delta, tr+delta],
// to the first fire after it.
func (s *Schedule) gapAround(tr time.Time, delta time.Duration) (time.Duration, bool) {
	lo, hi := tr.Add(-delta), tr.Add(delta)
	prev, havePrev := s.lastBefore(lo)
	start := lo.Add(-time.Nanosecond)
	if havePrev {
		start = prev
	}
	c := s.newCursor(start)
	best, found := time.Duration(0), false
	for range maxTransitionFires {
		f, ok := c.next()
		if !ok {
			break
		}
		if havePrev {
			if gap := f.at.Sub(prev); !found || gap < best {
				best, found = gap, true
			}
		}
		prev, havePrev = f.at, true
		if f.at.After(hi) {
			break
		}
	}
	return best, found
}

// lastBefore returns the last fire strictly before t.
func (s *Schedule) lastBefore(t time.Time) (time.Time, bool) {
	for _, window := range lookbacks {
		c := s.newCursor(t.Add(-window))
		var last time.Time
		found := false
		for {
			f, ok := c.next()
			if !ok || !f.at.Before(t) {
				break
			}
			last, found = f.at, true
		}
		if found {
			return last, true
		}
	}
	return time.Time{}, false
}
