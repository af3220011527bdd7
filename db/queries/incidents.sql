-- Operator alerting: the incident monitor's checks (one query per kind) and
-- the incidents table.

-- name: IncidentTryLock :one
-- One monitor checks at a time across every scheduler: the lock is held until
-- the check's transaction ends; a monitor that does not get it skips the round.
SELECT pg_try_advisory_xact_lock(hashtext('vigil_incidents'))::bool AS locked;

-- name: IncidentCheckFailedJobs :many
-- FAILED runs finished in (since, now], one row per (job type, error class),
-- with how many finished after the last_seen of the class's latest incident
-- (its new failures). Each error is classified once (MATERIALIZED).
WITH f AS MATERIALIZED (
    SELECT r.id, r.job_type, r.job_id, r.error, r.finished_at,
           r.job_type || ': ' || vigil_error_class(r.error) AS subject
    FROM job_schedule_runs r
    WHERE r.status = 'FAILED' AND r.finished_at > @since::timestamptz AND r.finished_at <= @now::timestamptz
), latest AS (
    SELECT DISTINCT ON (subject) subject, last_seen FROM incidents
    WHERE kind = 'job_failed' AND subject IN (SELECT DISTINCT f.subject FROM f)
    ORDER BY subject, id DESC
)
SELECT f.subject::text AS subject, f.job_type::text AS job_type,
       count(*)::bigint AS failures,
       count(*) FILTER (WHERE i.last_seen IS NULL OR f.finished_at > i.last_seen)::bigint AS new_failures,
       count(DISTINCT f.job_id)::bigint AS schedules,
       max(f.finished_at)::timestamptz AS last_failed_at,
       min(f.finished_at)::timestamptz AS first_failed_at,
       (array_agg(f.id ORDER BY f.finished_at DESC, f.id DESC))[1]::bigint AS last_run_id,
       COALESCE((array_agg(f.error ORDER BY f.finished_at DESC, f.id DESC))[1], '')::text AS last_error
FROM f
LEFT JOIN latest i ON i.subject = f.subject
GROUP BY f.subject, f.job_type
ORDER BY f.subject
LIMIT @max_rows;

-- name: IncidentCheckQueueBacklog :many
-- Queues with a River job available since before @before.
SELECT queue::text AS queue, count(*)::bigint AS jobs, min(scheduled_at)::timestamptz AS oldest
FROM river_job
WHERE state = 'available' AND scheduled_at < @before::timestamptz
GROUP BY queue
ORDER BY queue;

-- name: IncidentCheckHeartbeats :many
-- The latest heartbeat of every system/component that beat after @since.
SELECT DISTINCT ON (system, component) system, component, status, checked_at, error_message
FROM msg_system_health
WHERE checked_at > @since::timestamptz
ORDER BY system, component, checked_at DESC;

-- name: IncidentCheckSlowRuns :many
-- RUNNING runs started before their job type's threshold, per job type.
SELECT r.job_type::text AS job_type, count(*)::bigint AS runs,
       min(r.started_at)::timestamptz AS oldest_started_at,
       (array_agg(r.id ORDER BY r.started_at, r.id))[1]::bigint AS oldest_run_id
FROM job_schedule_runs r
JOIN (
    SELECT unnest(@job_types::text[]) AS job_type, unnest(@started_before::timestamptz[]) AS started_before
) t ON t.job_type = r.job_type
WHERE r.status = 'RUNNING' AND r.started_at < t.started_before
GROUP BY r.job_type
ORDER BY r.job_type;

-- name: IncidentCheckOverdueSchedules :many
-- Enabled schedules due before @before, per job type. Rows waiting for a
-- worker of their job type (wait_reason) are not the scheduler's lag.
SELECT job_type::text AS job_type, count(*)::bigint AS schedules,
       min(next_run_at)::timestamptz AS oldest_due,
       (array_agg(id ORDER BY next_run_at, id))[1]::int AS oldest_schedule_id
FROM job_schedules
WHERE enabled AND next_run_at < @before::timestamptz AND wait_reason IS NULL
GROUP BY job_type
ORDER BY job_type;

-- name: IncidentCheckFailingChannels :many
-- Channels with at least @min_failures failed or retrying deliveries updated
-- in (since, now].
SELECT channel::text AS channel,
       count(*) FILTER (WHERE status = 'failed')::bigint AS failed,
       count(*) FILTER (WHERE status = 'retrying')::bigint AS retrying,
       count(DISTINCT user_id)::bigint AS users,
       max(updated_at)::timestamptz AS last_failure_at,
       COALESCE((array_agg(error ORDER BY updated_at DESC, id DESC))[1], '')::text AS last_error
FROM notifications
WHERE status IN ('failed', 'retrying') AND updated_at > @since::timestamptz AND updated_at <= @now::timestamptz
GROUP BY channel
HAVING count(*) >= @min_failures::bigint
ORDER BY channel;

-- name: IncidentCurrent :many
-- The latest incident of every (kind, subject) that is open or resolved
-- after @reopen_after (a recurrence reopens it).
SELECT DISTINCT ON (kind, subject) * FROM incidents
WHERE resolved_at IS NULL OR resolved_at > @reopen_after::timestamptz
ORDER BY kind, subject, id DESC;

-- name: IncidentInsert :one
INSERT INTO incidents (kind, subject, opened_at, last_seen, count, details)
VALUES (@kind, @subject, @opened_at, @last_seen, @count, @details)
RETURNING *;

-- name: IncidentSee :one
-- A check saw the incident again: count it, and reopen it if it had resolved.
UPDATE incidents SET
    last_seen   = GREATEST(last_seen, @last_seen::timestamptz),
    count       = count + @add::bigint,
    details     = @details,
    reopened    = reopened + CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END,
    resolved_at = NULL
WHERE id = @id
RETURNING *;

-- name: IncidentResolve :one
UPDATE incidents SET resolved_at = GREATEST(@resolved_at::timestamptz, opened_at)
WHERE id = @id AND resolved_at IS NULL
RETURNING *;

-- name: IncidentMarkNotifiedOpen :exec
UPDATE incidents SET notified_open_at = @at WHERE id = @id;

-- name: IncidentMarkNotifiedResolve :exec
UPDATE incidents SET notified_resolve_at = @at WHERE id = @id;

-- name: IncidentAdmins :many
-- Who incident messages go to: verified admins.
SELECT id FROM users WHERE is_admin AND status = 'verified' ORDER BY id;

-- name: IncidentList :many
-- A page of incidents, newest first after the cursor before_id, for the
-- caller only when they are a verified admin (scoped in the SQL). state is
-- open, resolved or all.
SELECT i.* FROM incidents i
WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = @user_id AND u.is_admin AND u.status = 'verified')
  AND (@state::text = 'all' OR (@state::text = 'open') = (i.resolved_at IS NULL))
  AND (sqlc.narg('before_id')::bigint IS NULL OR i.id < sqlc.narg('before_id')::bigint)
ORDER BY i.id DESC
LIMIT @max_rows;
