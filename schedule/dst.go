package schedule

import "time"

// A zone's timeline is a sequence of segments of constant UTC offset, split at
// its transitions. Within a segment, wall-clock time (instant + offset) runs
// in step with real time, so a segment's instants map one-to-one onto a
// half-open range of wall-clock readings. A spring-forward transition leaves
// a gap between two segments' wall ranges; a fall-back transition makes them
// overlap (a fold). Wall-clock readings are held as "floating" times in UTC.

// neighbourhood bounds how far from a segment other segments are consulted
// when deciding whether a wall time also exists elsewhere: no offset change
// in the zone database comes near it.
const neighbourhood = 48 * time.Hour

// maxNeighbours caps the segments consulted on each side.
const maxNeighbours = 4

// segment is a span of real time with one UTC offset. A zero start or end
// means unbounded, as returned by time.Time.ZoneBounds.
type segment struct {
	start, end time.Time
	off        time.Duration
}

// segmentAt returns the segment of loc containing instant t.
func segmentAt(loc *time.Location, t time.Time) segment {
	lt := t.In(loc)
	start, end := lt.ZoneBounds()
	_, off := lt.Zone()
	return segment{start: start, end: end, off: time.Duration(off) * time.Second}
}

// wallRange is a half-open range [lo, hi) of floating wall-clock readings; a
// zero bound is unbounded.
type wallRange struct{ lo, hi time.Time }

func (r wallRange) contains(w time.Time) bool {
	return (r.lo.IsZero() || !w.Before(r.lo)) && (r.hi.IsZero() || w.Before(r.hi))
}

// toWall converts an instant to a floating wall-clock reading at offset off;
// a zero (unbounded) instant stays zero.
func toWall(t time.Time, off time.Duration) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(off).UTC()
}

// walls returns the wall-clock readings the segment covers.
func (g segment) walls() wallRange {
	return wallRange{lo: toWall(g.start, g.off), hi: toWall(g.end, g.off)}
}

// neighbours returns the wall ranges of the segments just before and just
// after g, nearest first.
func neighbours(loc *time.Location, g segment) (before, after []wallRange) {
	for cur := g; !cur.start.IsZero() && len(before) < maxNeighbours; {
		prev := segmentAt(loc, cur.start.Add(-time.Nanosecond))
		before = append(before, prev.walls())
		if prev.start.IsZero() || prev.start.Before(g.start.Add(-neighbourhood)) || !prev.start.Before(cur.start) {
			break
		}
		cur = prev
	}
	for cur := g; !cur.end.IsZero() && len(after) < maxNeighbours; {
		next := segmentAt(loc, cur.end)
		after = append(after, next.walls())
		if next.end.IsZero() || next.end.After(g.end.Add(neighbourhood)) || !next.end.After(cur.end) {
			break
		}
		cur = next
	}
	return before, after
}

// inAny returns the first range containing w.
func inAny(ranges []wallRange, w time.Time) (wallRange, bool) {
	for _, r := range ranges {
		if r.contains(w) {
			return r, true
		}
	}
	return wallRange{}, false
}
