package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads six fields with an optional leading seconds field. It is a
// read-only value.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// descriptors maps each supported descriptor to its six-field equivalent.
var descriptors = map[string]string{
	"@yearly":   "0 0 0 1 1 *",
	"@annually": "0 0 0 1 1 *",
	"@monthly":  "0 0 0 1 * *",
	"@weekly":   "0 0 0 * * 0",
	"@daily":    "0 0 0 * * *",
	"@midnight": "0 0 0 * * *",
	"@hourly":   "0 0 * * * *",
}

// Schedule is a parsed cron expression bound to a time zone. It is immutable
// and safe for concurrent use.
type Schedule struct {
	expr      string
	loc       *time.Location
	opts      Options
	seconds   bool
	wallClock bool
	// spec runs in UTC as a "floating" clock: its times are local
	// wall-clock readings, mapped to real instants by the cursor.
	spec *cron.SpecSchedule
}

// Parse parses a 5-field, 6-field (seconds first) or descriptor expression
// for the IANA zone timezone ("" means UTC). Errors are *Error values that
// name the field and the problem; expressions that can never fire, such as
// `0 0 30 2 *`, are rejected with ErrNeverFires.
func Parse(expr, timezone string, opts Options) (*Schedule, error) {
	s, err := parse(expr, timezone, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func parse(expr, timezone string, opts Options) (*Schedule, *Error) {
	expr = strings.TrimSpace(expr)
	fields, seconds, perr := splitFields(expr)
	if perr != nil {
		return nil, perr
	}
	opts, perr = opts.normalize()
	if perr != nil {
		return nil, perr
	}

	var dow fieldInfo
	for i, def := range fieldDefs {
		info, ferr := checkField(def, fields[i])
		if ferr != nil {
			return nil, ferr
		}
		if def.name == FieldDayOfWeek {
			dow = info
		}
	}
	if dow.seven {
		fields[5] = dowList(dow)
	}

	loc, perr := loadLocation(timezone)
	if perr != nil {
		return nil, perr
	}

	parsed, err := parser.Parse(strings.Join(fields, " "))
	if err != nil {
		// checkField accepts a subset of robfig's syntax, so this means
		// the two disagree; report robfig's words rather than panic.
		return nil, invalid(FieldExpression, expr, "%s", err)
	}
	spec, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, invalid(FieldExpression, expr, "unsupported expression")
	}
	floating := *spec
	floating.Location = time.UTC

	if _, found := scanDays(&floating, true); !found {
		return nil, &Error{Field: FieldExpression, Value: expr, Problem: neverFiresProblem(&floating), Err: ErrNeverFires}
	}

	return &Schedule{
		expr:      expr,
		loc:       loc,
		opts:      opts,
		seconds:   seconds,
		wallClock: !strings.HasPrefix(fields[2], "*"),
		spec:      &floating,
	}, nil
}

// splitFields returns the six fields (seconds first) of expr and whether the
// user wrote a seconds field.
func splitFields(expr string) ([]string, bool, *Error) {
	if expr == "" {
		return nil, false, invalid(FieldExpression, expr, "must not be empty")
	}
	upper := strings.ToUpper(expr)
	if strings.HasPrefix(upper, "CRON_TZ=") || strings.HasPrefix(upper, "TZ=") {
		return nil, false, invalid(FieldExpression, expr, "a CRON_TZ= or TZ= prefix is not supported; set the timezone field instead")
	}
	if strings.HasPrefix(expr, "@") {
		name := strings.ToLower(strings.Fields(expr)[0])
		if name == "@every" {
			return nil, false, invalid(FieldExpression, expr, "@every is not supported; use a cron expression such as \"*/5 * * * *\"")
		}
		six, ok := descriptors[strings.ToLower(expr)]
		if !ok {
			return nil, false, invalid(FieldExpression, expr,
				"unknown descriptor %q (want @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)", expr)
		}
		return strings.Fields(six), false, nil
	}
	fields := strings.Fields(expr)
	switch len(fields) {
	case 5:
		return append([]string{"0"}, fields...), false, nil
	case 6:
		return fields, true, nil
	}
	return nil, false, invalid(FieldExpression, expr, "expected 5 or 6 fields, got %d", len(fields))
}

// neverFiresProblem explains why no day matches. Only day-of-month combined
// with month can be empty: a restricted day-of-week always matches weekly.
func neverFiresProblem(spec *cron.SpecSchedule) string {
	if spec.Dom&starBit == 0 && spec.Dow&starBit != 0 {
		return fmt.Sprintf("never fires (day-of-month %s does not occur in month %s)",
			bitList(spec.Dom, 1, 31), bitList(spec.Month, 1, 12))
	}
	return "never fires"
}

// Expr returns the expression as given to Parse, without surrounding space.
func (s *Schedule) Expr() string { return s.expr }

// Location returns the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// Options returns the options with defaults filled in.
func (s *Schedule) Options() Options { return s.opts }

// HasSeconds reports whether the expression has 6 fields (seconds first).
func (s *Schedule) HasSeconds() bool { return s.seconds }

// WallClock reports whether the hour field is fixed, so that fires follow
// wall-clock rules and the Gap and Fold options apply. It is false for
// schedules whose hour field starts with `*`, which fire at every matching
// instant.
func (s *Schedule) WallClock() bool { return s.wallClock }
