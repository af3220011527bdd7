// Package schedule parses cron expressions and computes when they fire in an
// IANA time zone, with explicit rules for daylight-saving transitions.
//
// It is a pure domain package: it imports no database driver, job queue,
// HTTP framework or logger, and it never reads the clock. Every computation
// takes the reference instant (`after`, `from`) as an argument.
//
// # Syntax
//
// An expression has 5 fields (minute hour day-of-month month day-of-week) or 6
// fields (second minute hour day-of-month month day-of-week), or is one of the
// descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight and
// @hourly. Fields take numbers, `*`, ranges (`1-5`), steps (`*/15`, `0-30/10`,
// `5/15` meaning `5-59/15`) and lists (`1,15,30`). Months accept JAN-DEC and
// days of the week SUN-SAT (case-insensitive); day-of-week 7 is Sunday, like 0.
// `?` is accepted as `*` in the two day fields. When both day fields are
// restricted a day matches if either matches (Vixie cron). Parsing semantics
// come from github.com/robfig/cron/v3; this package adds field-by-field
// validation with precise errors. `@every` and `CRON_TZ=`/`TZ=` prefixes are
// rejected: the zone is always given separately.
//
// # Daylight saving
//
// A schedule whose hour field is fixed (anything not starting with `*`, e.g.
// `30 2 * * *`, `0 9 * * 1-5`, `@daily`) is a wall-clock schedule: a
// wall-clock time skipped by a spring-forward gap fires once at the first
// instant after the gap with GapShift (the default) or not at all with
// GapSkip. Several skipped times, and a regular fire at the end of the gap,
// collapse into that single instant, reported with Shifted set and the
// earliest skipped time as Nominal. A wall-clock time repeated
// by a fall-back fold fires once at its first (earlier) occurrence with
// FoldFirst (the default), or at both occurrences with FoldBoth.
//
// A schedule whose hour field starts with `*` (`*`, `*/2`, including @hourly
// and per-second expressions such as `* * * * * *`) is an instant schedule: it
// fires at every real instant whose local wall-clock time matches, as Vixie
// cron does. It fires in both copies of a repeated hour and not at all in a
// skipped one; the Gap and Fold options do not apply to it.
//
// Fires are strictly increasing instants; Next(after) is strictly after
// `after` and never returns the same instant twice when called with its
// previous result.
package schedule
