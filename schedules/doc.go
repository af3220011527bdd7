// Package schedules owns every schedule use case: create, replace, pause,
// resume, delete, trigger and backfill, the rules of what a schedule's owner
// may schedule (rules.go) and the audit row of each change. The API, the
// Telegram bot, the CLI and the screener's create_alerts are thin callers
// that parse their input, build an Actor and format the outcome; the
// scheduler applies the same rules (CheckRights, QuotaExceeded) to rows
// written by anyone, psql included.
//
// Every method takes the caller's transaction, so the change, its audit row
// and the caller's own writes commit together. Errors a caller should show a
// user are *Error values (Kind says which: invalid, forbidden, quota, not
// found, stale), or the *schedule.Error and *schemas.ValidationError of a
// bad cron or task_params; anything else is an internal failure.
package schedules
