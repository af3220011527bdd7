package console

import (
	"fmt"
	"strconv"
	"strings"
)

var macroWords = map[string]string{
	"@yearly": "every year on 1 January at 00:00", "@annually": "every year on 1 January at 00:00",
	"@monthly": "on the 1st of every month at 00:00", "@weekly": "every Sunday at 00:00",
	"@daily": "every day at 00:00", "@midnight": "every day at 00:00", "@hourly": "every hour, on the hour",
}

var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// CronWords says a cron expression in words for the common shapes (every
// N seconds or minutes, hourly at a minute, daily, on weekdays or a day of
// the week or month at a time); any other expression comes back as it is.
func CronWords(expr string) string {
	e := strings.TrimSpace(expr)
	if w, ok := macroWords[strings.ToLower(e)]; ok {
		return w
	}
	f := strings.Fields(e)
	sec := "0"
	switch len(f) {
	case 6:
		sec, f = f[0], f[1:]
	case 5:
	default:
		return expr
	}
	min, hour, dom, mon, dow := f[0], f[1], f[2], f[3], f[4]
	if mon != "*" {
		return expr
	}
	if sec != "0" {
		// Per-second schedules: only "every N seconds".
		if n, ok := step(sec); ok && min == "*" && hour == "*" && dom == "*" && dow == "*" {
			return plural(n, "second")
		}
		if sec == "*" && min == "*" && hour == "*" && dom == "*" && dow == "*" {
			return "every second"
		}
		return expr
	}
	if hour == "*" && dom == "*" && dow == "*" {
		if min == "*" {
			return "every minute"
		}
		if n, ok := step(min); ok {
			return plural(n, "minute")
		}
		if m, ok := number(min, 59); ok {
			return fmt.Sprintf("every hour at minute %d", m)
		}
		return expr
	}
	m, okM := number(min, 59)
	h, okH := number(hour, 23)
	if !okM || !okH {
		return expr
	}
	at := fmt.Sprintf("at %02d:%02d", h, m)
	switch {
	case dom == "*" && dow == "*":
		return "every day " + at
	case dom == "*" && dow == "1-5":
		return "on weekdays (Monday to Friday) " + at
	case dom == "*" && (dow == "0,6" || dow == "6,0"):
		return "on weekends " + at
	case dom == "*":
		if d, ok := number(dow, 7); ok {
			return "every " + dayNames[d] + " " + at
		}
	case dow == "*":
		if d, ok := number(dom, 31); ok && d >= 1 {
			return fmt.Sprintf("on day %d of every month %s", d, at)
		}
	}
	return expr
}

// step parses "*/N".
func step(s string) (int, bool) {
	n, ok := strings.CutPrefix(s, "*/")
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(n)
	return v, err == nil && v > 0
}

func number(s string, max int) (int, bool) {
	v, err := strconv.Atoi(s)
	return v, err == nil && v >= 0 && v <= max
}

func plural(n int, unit string) string {
	if n == 1 {
		return "every " + unit
	}
	return fmt.Sprintf("every %d %ss", n, unit)
}
