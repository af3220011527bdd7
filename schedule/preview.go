package schedule

import "time"

// Preview returns the next n fires strictly after `after`, in order, with
// their DST flags. It returns nil when n <= 0.
func (s *Schedule) Preview(after time.Time, n int) []Fire {
	if n <= 0 {
		return nil
	}
	c := s.newCursor(after)
	fires := make([]Fire, 0, n)
	for len(fires) < n {
		f, ok := c.next()
		if !ok {
			break
		}
		fires = append(fires, s.export(f))
	}
	return fires
}

// Between returns the fires in (from, to], in order and in UTC, at most
// limit of them, for catch-up and backfill. It returns nil when limit <= 0
// or to is not after from.
func (s *Schedule) Between(from, to time.Time, limit int) []time.Time {
	if limit <= 0 || !to.After(from) {
		return nil
	}
	c := s.newCursor(from)
	var out []time.Time
	for len(out) < limit {
		f, ok := c.next()
		if !ok || f.at.After(to) {
			break
		}
		if out == nil {
			out = make([]time.Time, 0, min(limit, 1024))
		}
		out = append(out, f.at)
	}
	return out
}
