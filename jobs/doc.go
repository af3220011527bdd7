// Package jobs holds Vigil's River job kinds and workers, the DB-driven cron
// enqueuer that turns due job_schedules rows into jobs, run tracking (the
// job_schedule_runs ledger kept in step with River), and maintenance jobs.
//
// Each job type is one River kind with its own queue named after it (see
// ARCHITECTURE.md "Names"); kinds are permanent once released. jobs imports the
// pure packages (schedule, schemas, notify) and db; it never imports api or the
// Telegram bot.
package jobs
