package schedule

import (
	"strconv"
	"strings"
)

// fieldDef describes one cron field for validation.
type fieldDef struct {
	name string
	min  int
	max  int // highest value accepted in the text (7 for day-of-week)
	// starMax is the end of `*` and of `N/step`; it differs from max only
	// for day-of-week, where 7 is an alias of 0 and not part of `*`.
	starMax  int
	names    map[string]int
	nameKind string // for "is not a number or ..." messages
	question bool   // `?` allowed
}

// fieldDefs lists the six fields in robfig order (seconds first). It is a
// read-only table.
var fieldDefs = [6]fieldDef{
	{name: FieldSecond, min: 0, max: 59, starMax: 59},
	{name: FieldMinute, min: 0, max: 59, starMax: 59},
	{name: FieldHour, min: 0, max: 23, starMax: 23},
	{name: FieldDayOfMonth, min: 1, max: 31, starMax: 31, question: true},
	{name: FieldMonth, min: 1, max: 12, starMax: 12, nameKind: "month name (JAN-DEC)", names: map[string]int{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}},
	{name: FieldDayOfWeek, min: 0, max: 7, starMax: 6, question: true, nameKind: "day name (SUN-SAT)", names: map[string]int{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}},
}

// fieldInfo is what checkField learns about a valid field.
type fieldInfo struct {
	bits  uint64 // values matched; for day-of-week 7 is folded into 0
	star  bool   // contains `*` or `?` with step 1 (robfig's star bit)
	seven bool   // day-of-week mentions 7, which robfig rejects
}

// checkField validates one field's text against def, token by token, so that
// errors can name the field and the exact problem. Semantics match robfig's
// getField, which then parses the field for real.
func checkField(def fieldDef, text string) (fieldInfo, *Error) {
	var info fieldInfo
	for item := range strings.SplitSeq(text, ",") {
		if item == "" {
			return info, invalid(def.name, text, "empty item in list %q", text)
		}
		base, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			if strings.Contains(stepText, "/") {
				return info, invalid(def.name, item, "%q has more than one \"/\"", item)
			}
			if !isDigits(stepText) {
				return info, invalid(def.name, item, "step %q is not a number", stepText)
			}
			n, ok := atoi(stepText)
			if limit := def.starMax - def.min; !ok || n < 1 || n > limit {
				return info, invalid(def.name, item, "step %s out of range 1-%d", stepText, limit)
			}
			step = n
		}

		var lo, hi int
		switch base {
		case "*", "?":
			if base == "?" && !def.question {
				return info, invalid(def.name, item, "\"?\" is only allowed in the day-of-month and day-of-week fields")
			}
			lo, hi = def.min, def.starMax
			if step == 1 {
				info.star = true
			}
		default:
			loText, hiText, isRange := strings.Cut(base, "-")
			if isRange && strings.Contains(hiText, "-") {
				return info, invalid(def.name, item, "%q has more than one \"-\"", item)
			}
			if loText == "" || (isRange && hiText == "") {
				return info, invalid(def.name, item, "%q is not a valid range", item)
			}
			var err *Error
			if lo, err = def.value(loText); err != nil {
				return info, err
			}
			switch {
			case isRange:
				if hi, err = def.value(hiText); err != nil {
					return info, err
				}
				// FRI-SUN: Sunday as the end of a range is 7.
				if def.name == FieldDayOfWeek && hi == 0 && lo > 0 && strings.EqualFold(hiText, "sun") {
					hi = 7
				}
			case hasStep:
				hi = def.starMax // robfig: "N/step" means "N-max/step"
				if lo > hi {
					hi = lo
				}
			default:
				hi = lo
			}
			if lo > hi {
				return info, invalid(def.name, item, "range %q starts after it ends", base)
			}
		}
		for v := lo; v <= hi; v += step {
			if v == 7 { // only day-of-week reaches 7: Sunday
				info.seven = true
				info.bits |= 1
				continue
			}
			info.bits |= 1 << uint(v)
		}
	}
	return info, nil
}

// value parses a number or a name and checks it is in range.
func (def fieldDef) value(text string) (int, *Error) {
	if isDigits(text) {
		n, ok := atoi(text)
		if !ok || n < def.min || n > def.max {
			return 0, invalid(def.name, text, "%s out of range %d-%d", text, def.min, def.max)
		}
		return n, nil
	}
	if def.names != nil {
		if n, ok := def.names[strings.ToLower(text)]; ok {
			return n, nil
		}
		return 0, invalid(def.name, text, "%q is not a number or %s", text, def.nameKind)
	}
	return 0, invalid(def.name, text, "%q is not a number", text)
}

// dowList renders day-of-week bits as an explicit list robfig accepts, used
// to replace a field that mentions 7.
func dowList(info fieldInfo) string {
	if info.star {
		return "*"
	}
	var parts []string
	for v := range 7 {
		if info.bits&(1<<uint(v)) != 0 {
			parts = append(parts, strconv.Itoa(v))
		}
	}
	return strings.Join(parts, ",")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi parses a plain decimal number; it reports false for anything else,
// including numbers too large for an int.
func atoi(s string) (int, bool) {
	if !isDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
