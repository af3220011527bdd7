package schedule

import (
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
)

// starBit is robfig's marker for a field written as `*` (or `?`) with step 1;
// it switches day matching between AND and OR.
const starBit = 1 << 63

// cycleDays is the length of the Gregorian calendar's 400-year cycle, after
// which dates and weekdays repeat exactly.
const cycleDays = 146097

// dayMatches reports whether a date matches the month and day fields, with
// robfig's (Vixie's) rule: when either day field is `*` both must match,
// otherwise either may.
func dayMatches(spec *cron.SpecSchedule, month, day, weekday int) bool {
	if spec.Month&(1<<uint(month)) == 0 {
		return false
	}
	domMatch := spec.Dom&(1<<uint(day)) != 0
	dowMatch := spec.Dow&(1<<uint(weekday)) != 0
	if spec.Dom&starBit != 0 || spec.Dow&starBit != 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// scanDays walks one 400-year cycle and returns the smallest number of days
// between consecutive matching dates (wrapping round the cycle) and whether
// any date matches. With firstOnly it stops at the first match.
func scanDays(spec *cron.SpecSchedule, firstOnly bool) (minGap int, found bool) {
	year, month, day, weekday := 2000, 1, 1, 6 // 2000-01-01 was a Saturday
	first, last := -1, -1
	for i := range cycleDays {
		if dayMatches(spec, month, day, weekday) {
			if firstOnly {
				return 0, true
			}
			if last >= 0 && (minGap == 0 || i-last < minGap) {
				minGap = i - last
				if minGap == 1 {
					return 1, true
				}
			}
			if first < 0 {
				first = i
			}
			last = i
		}
		weekday = (weekday + 1) % 7
		day++
		if day > daysIn(year, month) {
			day = 1
			month++
			if month > 12 {
				month = 1
				year++
			}
		}
	}
	if first < 0 {
		return 0, false
	}
	if wrap := first + cycleDays - last; minGap == 0 || wrap < minGap {
		minGap = wrap
	}
	return minGap, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// bitValues lists the values set in bits between lo and hi.
func bitValues(bits uint64, lo, hi int) []int {
	var out []int
	for v := lo; v <= hi; v++ {
		if bits&(1<<uint(v)) != 0 {
			out = append(out, v)
		}
	}
	return out
}

// bitList renders bitValues as "30,31".
func bitList(bits uint64, lo, hi int) string {
	vals := bitValues(bits, lo, hi)
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}
