-- name: ScheduleCreate :one
-- wait_reason is set for job types this build cannot fire.
INSERT INTO job_schedules (
    user_id, name, job_type, target, task_params, cron, enabled, next_run_at, timezone,
    misfire_grace_time, catchup, max_catchup, overlap, max_instances, dst_gap, dst_fold,
    jitter_seconds, remaining_runs, pause_on_failure, wait_reason
) VALUES (
    @user_id, @name, @job_type, @target, @task_params, @cron, @enabled, sqlc.narg('next_run_at'), @timezone,
    sqlc.narg('misfire_grace_time'), sqlc.narg('catchup'), sqlc.narg('max_catchup'), sqlc.narg('overlap'),
    sqlc.narg('max_instances'), @dst_gap, @dst_fold, @jitter_seconds, sqlc.narg('remaining_runs'), @pause_on_failure,
    sqlc.narg('wait_reason')
)
RETURNING *;

-- name: ScheduleGetByID :one
SELECT * FROM job_schedules WHERE id = @id;

-- name: ScheduleListUnplanned :many
-- Enabled rows without next_run_at: new rows written by anyone, or edited
-- ones, with their owner's rights (the same rules as the API's apply to rows
-- written with psql). owner_rank is how many of the owner's schedules are
-- older than this one, counted only when a quota can apply (a personal
-- max_schedules, or a non-admin under a configured default).
SELECT sqlc.embed(s), u.is_admin AS owner_is_admin, u.min_interval_seconds AS owner_min_interval_seconds,
    u.max_schedules AS owner_max_schedules,
    (CASE WHEN u.max_schedules IS NULL AND (u.is_admin OR @default_quota::int <= 0) THEN 0
          ELSE (SELECT count(*) FROM job_schedules o WHERE o.user_id = s.user_id AND o.id < s.id)
     END)::int AS owner_rank
FROM job_schedules s
JOIN users u ON u.id = s.user_id
WHERE s.enabled AND s.next_run_at IS NULL
ORDER BY s.id
LIMIT @max_rows
FOR UPDATE OF s SKIP LOCKED;

-- name: ScheduleListDue :many
-- Due rows this build can fire, locked so that no other scheduler fires them;
-- in (next_run_at, target) order, which the due index yields without a sort,
-- so that a symbol's alerts due at one time land in one batch (one group job).
SELECT * FROM job_schedules
WHERE enabled AND next_run_at <= @now AND job_type = ANY(@job_types::text[])
ORDER BY next_run_at, target
LIMIT @max_rows
FOR UPDATE SKIP LOCKED;

-- name: ScheduleNextDueAt :one
-- The earliest planned fire this build can run; no row when there is none.
SELECT next_run_at FROM job_schedules
WHERE enabled AND next_run_at IS NOT NULL AND job_type = ANY(@job_types::text[])
ORDER BY next_run_at
LIMIT 1;

-- name: SchedulePlanMany :exec
-- Plans rows: next_run_at, and why a row waits ('' = it does not).
UPDATE job_schedules s SET next_run_at = u.next_run_at, wait_reason = NULLIF(u.wait_reason, '')
FROM (
    SELECT unnest(@ids::int[]) AS id,
        unnest(@next_run_ats::timestamptz[]) AS next_run_at,
        unnest(@wait_reasons::text[]) AS wait_reason
) AS u
WHERE s.id = u.id;

-- name: ScheduleAdvanceMany :exec
-- After a tick: the next fire, the last fire, runs left, and a pause when the
-- run limit is reached (remaining_runs -1 means unlimited).
UPDATE job_schedules s SET
    next_run_at    = u.next_run_at,
    last_run_at    = CASE WHEN u.fired THEN u.last_run_at ELSE s.last_run_at END,
    remaining_runs = NULLIF(u.remaining_runs, -1),
    enabled        = s.enabled AND u.remaining_runs <> 0,
    paused_note    = CASE WHEN u.remaining_runs = 0 THEN 'run limit reached' ELSE s.paused_note END
FROM (
    SELECT unnest(@ids::int[]) AS id,
        unnest(@next_run_ats::timestamptz[]) AS next_run_at,
        unnest(@last_run_ats::timestamptz[]) AS last_run_at,
        unnest(@fired::boolean[]) AS fired,
        unnest(@remaining_runs::int[]) AS remaining_runs
) AS u
WHERE s.id = u.id;

-- name: ScheduleDisableMany :many
-- Rows the scheduler cannot fire (bad cron, bad task_params, beyond what
-- their owner may schedule) are disabled with the reason.
UPDATE job_schedules s SET enabled = false, disabled_reason = u.reason, next_run_at = NULL
FROM (
    SELECT unnest(@ids::int[]) AS id,
        unnest(@reasons::text[]) AS reason
) AS u
WHERE s.id = u.id
RETURNING s.id, s.user_id, s.disabled_reason;

-- name: ScheduleMarkWaiting :execrows
-- Enabled rows of job types this build has no worker for wait with a reason.
UPDATE job_schedules
SET wait_reason = 'no worker for job type ' || job_type || ' in this build'
WHERE enabled AND NOT (job_type = ANY(@job_types::text[])) AND wait_reason IS NULL;

-- name: ScheduleClearWaiting :execrows
-- Rows that waited for a worker this build now has are planned afresh from now
-- (the fires they missed while waiting are not caught up).
UPDATE job_schedules SET wait_reason = NULL, next_run_at = NULL
WHERE job_type = ANY(@job_types::text[]) AND wait_reason IS NOT NULL;

-- name: SchedulePauseForFailure :many
-- Pauses a schedule with pause_on_failure after a failed run; returns the
-- row when it paused it.
UPDATE job_schedules SET enabled = false, paused_note = @note
WHERE id = @id AND pause_on_failure AND enabled
RETURNING id, user_id;

-- name: ScheduleCounts :one
SELECT count(*)::int AS total,
       count(*) FILTER (WHERE enabled)::int AS enabled,
       count(*) FILTER (WHERE disabled_reason IS NOT NULL)::int AS invalid,
       count(*) FILTER (WHERE enabled AND wait_reason IS NOT NULL)::int AS waiting
FROM job_schedules;

-- name: ScheduleGetForUpdate :one
SELECT * FROM job_schedules WHERE id = @id FOR UPDATE;

-- name: ScheduleLockStates :many
-- Alert schedules of one alert job, locked so that concurrent evaluations of
-- the same alert serialise on its state.
SELECT id, user_id, enabled, state_json FROM job_schedules
WHERE id = ANY(@ids::int[])
ORDER BY id
FOR UPDATE;

-- name: ScheduleSetStates :exec
UPDATE job_schedules s SET state_json = u.state_json::jsonb
FROM (
    SELECT unnest(@ids::int[]) AS id, unnest(@states::text[]) AS state_json
) AS u
WHERE s.id = u.id;

-- name: ScheduleNamesByUser :many
-- The names a user's schedules of a type already have (create_alerts skips
-- those it made before).
SELECT name FROM job_schedules WHERE user_id = @user_id AND job_type = @job_type AND name = ANY(@names::text[]);

-- The scoped family: every query a user-facing caller (API, bot, CLI as a
-- user, console) runs is scoped to the caller in the SQL: its own schedules,
-- or every schedule when all_users (an admin acting as admin).

-- name: ScheduleOwnerQuota :one
-- Locks the owner's row so that concurrent creates count each other, and
-- returns the owner's rights, quota and current number of schedules.
SELECT u.is_admin, u.min_interval_seconds, u.max_schedules,
       (SELECT count(*) FROM job_schedules s WHERE s.user_id = u.id)::int AS schedules
FROM users u
WHERE u.id = @user_id
FOR UPDATE;

-- name: ScheduleGetScoped :one
SELECT * FROM job_schedules
WHERE id = @id AND (user_id = @user_id OR @all_users::bool);

-- name: ScheduleGetScopedForUpdate :one
-- The schedule with its owner's rights (cron limits depend on them), locked.
SELECT sqlc.embed(s), u.is_admin AS owner_is_admin, u.min_interval_seconds AS owner_min_interval_seconds
FROM job_schedules s
JOIN users u ON u.id = s.user_id
WHERE s.id = @id AND (s.user_id = @user_id OR @all_users::bool)
FOR UPDATE OF s;

-- name: ScheduleListScoped :many
-- A page of schedules, newest first (id descending), after the cursor before_id.
SELECT * FROM job_schedules
WHERE (user_id = @user_id OR @all_users::bool)
  AND (sqlc.narg('owner_id')::int IS NULL OR user_id = sqlc.narg('owner_id')::int)
  AND (sqlc.narg('job_type')::text IS NULL OR job_type = sqlc.narg('job_type')::text)
  AND (sqlc.narg('enabled')::bool IS NULL OR enabled = sqlc.narg('enabled')::bool)
  AND (sqlc.narg('before_id')::int IS NULL OR id < sqlc.narg('before_id')::int)
ORDER BY id DESC
LIMIT @max_rows;

-- name: ScheduleReplaceScoped :one
-- Full replace of what a client may set. The before-update trigger bumps the
-- revision and clears next_run_at/wait_reason when the definition changes.
UPDATE job_schedules SET
    name = @name, job_type = @job_type, target = @target, task_params = @task_params,
    cron = @cron, timezone = @timezone, enabled = @enabled, next_run_at = sqlc.narg('next_run_at'),
    misfire_grace_time = sqlc.narg('misfire_grace_time'), catchup = sqlc.narg('catchup'),
    max_catchup = sqlc.narg('max_catchup'), overlap = sqlc.narg('overlap'),
    max_instances = sqlc.narg('max_instances'), dst_gap = @dst_gap, dst_fold = @dst_fold,
    jitter_seconds = @jitter_seconds, remaining_runs = sqlc.narg('remaining_runs'),
    pause_on_failure = @pause_on_failure,
    paused_note = CASE WHEN @enabled THEN NULL ELSE paused_note END
WHERE id = @id AND (user_id = @user_id OR @all_users::bool)
RETURNING *;

-- name: ScheduleSetWaitReasonScoped :one
UPDATE job_schedules SET wait_reason = sqlc.narg('wait_reason')
WHERE id = @id AND (user_id = @user_id OR @all_users::bool)
RETURNING *;

-- name: ScheduleDeleteScoped :one
DELETE FROM job_schedules
WHERE id = @id AND (user_id = @user_id OR @all_users::bool)
RETURNING *;

-- name: SchedulePauseScoped :one
UPDATE job_schedules SET enabled = false, paused_note = @note
WHERE id = @id AND (user_id = @user_id OR @all_users::bool)
RETURNING *;

-- name: ScheduleResumeScoped :one
-- Resumes a schedule; next_run_at NULL keeps the current one (the trigger
-- then re-plans a schedule that was disabled).
UPDATE job_schedules SET enabled = true, paused_note = NULL, disabled_reason = NULL,
    next_run_at = COALESCE(sqlc.narg('next_run_at'), next_run_at)
WHERE id = @id AND (user_id = @user_id OR @all_users::bool)
RETURNING *;
