package preferences

import (
	"fmt"
	"strings"
	"time"
)

// Clock is a local time of day in minutes after midnight.
type Clock int

// ParseClock parses "HH:MM" (00:00-23:59).
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, fmt.Errorf("%q is not HH:MM between 00:00 and 23:59", s)
	}
	return Clock(h*60 + m), nil
}

// String formats c as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Quiet is a quiet-hours window in a user's time zone. Start after End
// crosses midnight.
type Quiet struct {
	Start, End Clock
	Loc        *time.Location
}

// String is the window as ParseQuiet reads it: "22:00-07:00".
func (q Quiet) String() string { return q.Start.String() + "-" + q.End.String() }

// ParseQuiet parses "HH:MM-HH:MM" in the IANA zone tz.
func ParseQuiet(window, tz string) (Quiet, error) {
	a, b, ok := strings.Cut(window, "-")
	if !ok {
		return Quiet{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM", window)
	}
	start, err := ParseClock(strings.TrimSpace(a))
	if err != nil {
		return Quiet{}, fmt.Errorf("quiet_start: %w", err)
	}
	end, err := ParseClock(strings.TrimSpace(b))
	if err != nil {
		return Quiet{}, fmt.Errorf("quiet_end: %w", err)
	}
	if start == end {
		return Quiet{}, fmt.Errorf("quiet_end: equals quiet_start %s (an empty window)", start)
	}
	loc, err := LoadZone(tz)
	if err != nil {
		return Quiet{}, err
	}
	return Quiet{Start: start, End: end, Loc: loc}, nil
}

// LoadZone loads an IANA time zone, naming the field on error.
func LoadZone(tz string) (*time.Location, error) {
	if tz == "" || tz == "Local" {
		return nil, fmt.Errorf("timezone: %q is not an IANA time zone", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("timezone: %q is not an IANA time zone: %w", tz, err)
	}
	return loc, nil
}

// Hold says until when a message of the given priority at now waits: the
// zero time when it goes at once (outside the window, or urgent), else the
// instant the window ends in the user's zone. Wall clocks are resolved with
// time.Date, so a window end inside a DST gap or overlap is DST-correct.
func (q Quiet) Hold(now time.Time, priority string) time.Time {
	if priority == Urgent || q.Loc == nil || q.Start == q.End {
		return time.Time{}
	}
	local := now.In(q.Loc)
	min := Clock(local.Hour()*60 + local.Minute())
	in := false
	if q.Start < q.End {
		in = min >= q.Start && min < q.End
	} else {
		in = min >= q.Start || min < q.End
	}
	if !in {
		return time.Time{}
	}
	y, mo, d := local.Date()
	if q.Start > q.End && min >= q.Start {
		d++ // the window ends tomorrow
	}
	end := time.Date(y, mo, d, int(q.End)/60, int(q.End)%60, 0, 0, q.Loc)
	if !end.After(now) {
		return time.Time{}
	}
	return end
}
