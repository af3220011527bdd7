package schedule

import "time"

// NominalLayout is the layout of Fire.Nominal.
const NominalLayout = "2006-01-02 15:04:05"

// maxAfter is the latest reference instant the package computes from;
// later ones yield no fire.
var maxAfter = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// maxSegmentSteps bounds the zone segments crossed while looking for one fire.
const maxSegmentSteps = 1000

// Fire is one firing of a schedule.
type Fire struct {
	// At is the instant, in UTC.
	At time.Time
	// Local is At in the schedule's time zone.
	Local time.Time
	// Nominal is the wall-clock time the expression meant, in NominalLayout,
	// e.g. "2027-03-14 02:30:00". It differs from Local's reading only when
	// Shifted is true.
	Nominal string
	// Shifted is true when Nominal fell in a spring-forward gap and the fire
	// was moved to the end of the gap.
	Shifted bool
	// Fold is true when Nominal occurs twice because of a fall-back
	// transition (for either occurrence).
	Fold bool
}

// fire is the cursor's compact result; Fire is built from it on demand.
type fire struct {
	at, wall      time.Time
	shifted, fold bool
}

func (s *Schedule) export(f fire) Fire {
	return Fire{At: f.at, Local: f.at.In(s.loc), Nominal: f.wall.Format(NominalLayout), Shifted: f.shifted, Fold: f.fold}
}

// Next returns the first fire strictly after `after`, in UTC, or the zero
// Time if there is none (only for reference instants outside years 1-9999).
func (s *Schedule) Next(after time.Time) time.Time {
	f, ok := s.newCursor(after).next()
	if !ok {
		return time.Time{}
	}
	return f.at
}

// NextFire is Next with the details of the fire. It reports false when there
// is no fire.
func (s *Schedule) NextFire(after time.Time) (Fire, bool) {
	f, ok := s.newCursor(after).next()
	if !ok {
		return Fire{}, false
	}
	return s.export(f), true
}

// wallAfter returns the first wall-clock reading matching the expression
// strictly after w (a floating UTC time), or zero. robfig gives up after five
// years; a valid expression fires at least every eight (February 29), so it
// is asked again from further on.
func (s *Schedule) wallAfter(w time.Time) time.Time {
	for range 3 {
		if n := s.spec.Next(w); !n.IsZero() {
			return n
		}
		if w.Year() > maxAfter.Year() {
			break
		}
		w = time.Date(w.Year()+5, time.January, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
	}
	return time.Time{}
}

// cursor walks a schedule's fires in order. It visits the zone's segments one
// by one; in each it maps the expression's wall-clock matches to instants,
// drops repeats of earlier wall times under FoldFirst, and on entering a
// segment after a spring-forward gap emits one shifted fire under GapShift.
type cursor struct {
	s    *Schedule
	gap  GapPolicy
	fold FoldPolicy

	seg    segment
	wallHi time.Time // seg.walls().hi
	before []wallRange
	after  []wallRange

	w     time.Time // next candidate is the first match strictly after w
	gapLo time.Time // start of a gap to resolve before seg's own fires; zero if none
	last  time.Time // the previous fire (or the reference instant)
	steps int
	done  bool
}

func (s *Schedule) newCursor(after time.Time) *cursor {
	c := &cursor{s: s, gap: s.opts.Gap, fold: s.opts.Fold, last: after}
	if !s.wallClock {
		// Instant schedules fire at every matching instant.
		c.gap, c.fold = GapSkip, FoldBoth
	}
	if after.Before(time.Time{}) || after.After(maxAfter) {
		c.done = true
		return c
	}
	c.enter(segmentAt(s.loc, after))
	c.w = after.Add(c.seg.off).UTC()
	return c
}

func (c *cursor) enter(g segment) {
	c.seg = g
	c.wallHi = g.walls().hi
	c.before, c.after = neighbours(c.s.loc, g)
}

// next returns the next fire, or false when there is none.
func (c *cursor) next() (fire, bool) {
	for !c.done {
		if !c.gapLo.IsZero() {
			lo := c.gapLo
			c.gapLo = time.Time{}
			if f, ok := c.shifted(lo); ok {
				return c.emit(f)
			}
		}
		cand := c.s.wallAfter(c.w)
		if cand.IsZero() {
			break
		}
		if !c.wallHi.IsZero() && !cand.Before(c.wallHi) {
			c.advance()
			continue
		}
		if c.fold == FoldFirst {
			if r, ok := inAny(c.before, cand); ok {
				// Already fired at the earlier occurrence: skip the
				// rest of the repeated range in one step.
				if r.hi.IsZero() {
					break
				}
				c.w = r.hi.Add(-time.Nanosecond)
				continue
			}
		}
		c.w = cand
		_, again := inAny(c.before, cand)
		_, later := inAny(c.after, cand)
		return c.emit(fire{at: cand.Add(-c.seg.off), wall: cand, fold: again || later})
	}
	c.done = true
	return fire{}, false
}

// emit enforces strictly increasing fires.
func (c *cursor) emit(f fire) (fire, bool) {
	if !f.at.After(c.last) {
		c.done = true
		return fire{}, false
	}
	c.last = f.at
	c.steps = 0
	return f, true
}

// advance moves to the next segment of the zone.
func (c *cursor) advance() {
	old := c.seg
	c.steps++
	if old.end.IsZero() || c.steps > maxSegmentSteps {
		c.done = true
		return
	}
	c.enter(segmentAt(c.s.loc, old.end))
	if !c.seg.start.After(old.start) {
		c.done = true
		return
	}
	c.w = toWall(c.seg.start, c.seg.off).Add(-time.Nanosecond)
	if c.gap == GapShift && c.seg.off > old.off {
		c.gapLo = toWall(old.end, old.off)
	}
}

// shifted looks for a match in the gap [lo, start of seg's walls) that exists
// nowhere else in the zone; if there is one, it fires at the transition.
func (c *cursor) shifted(lo time.Time) (fire, bool) {
	hi := toWall(c.seg.start, c.seg.off)
	for w := lo.Add(-time.Nanosecond); ; {
		cand := c.s.wallAfter(w)
		if cand.IsZero() || !cand.Before(hi) {
			return fire{}, false
		}
		_, before := inAny(c.before, cand)
		_, after := inAny(c.after, cand)
		if !before && !after {
			// A regular match at hi would be this same instant.
			c.w = hi
			return fire{at: c.seg.start.UTC(), wall: cand, shifted: true}, true
		}
		w = cand
	}
}
