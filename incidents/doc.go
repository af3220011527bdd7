// Package incidents is Vigil's operator alerting (design 11.3). A Monitor,
// run by the scheduler role every incident_check_interval, runs one SQL check
// per kind of problem and keeps one incidents row per problem:
//
//   - job_failed: FAILED runs, one incident per (job type, error class); the
//     class is the error text with numbers, ids and quoted values stripped
//     (the SQL function vigil_error_class). It resolves after
//     incident_resolve_after without a new failure of its class.
//   - queue_backlog: a River queue with a job available for longer than
//     incident_queue_backlog_age.
//   - heartbeat_stale: a system/component whose latest msg_system_health row
//     is older than three health_check_interval, or says DOWN.
//   - slow_job: runs RUNNING for longer than incident_slow_job_percent of
//     their job type's max_runtime (or incident_slow_job_after), per job type.
//   - fire_lag: enabled schedules due further than incident_fire_lag in the
//     past: the scheduler is behind.
//   - channel_failing: at least incident_channel_failures failed or retrying
//     deliveries on a channel within incident_channel_window.
//
// Every other kind resolves on the first check that no longer sees it.
// Verified admins get one message (a NotifyArgs job, type system, priority
// urgent) when an incident opens and one when it resolves, queued in the
// transaction that changes the row. A problem that comes back within
// incident_cooldown after its incident resolved reopens the same row and
// sends nothing, so a flapping failure does not send a flood.
//
// Each check runs in one transaction under a transaction-level advisory
// lock; a monitor that does not get the lock skips the round, so several
// schedulers never open or notify twice.
package incidents
