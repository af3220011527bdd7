-- Schedules as the API sees them: every query is scoped to the caller (its own
-- schedules, or every schedule for an admin) inside the SQL.

-- name: ScheduleOwnerQuota :one
-- Locks the owner's row so that concurrent creates count each other, and
-- returns the owner's quota and current number of schedules.
SELECT u.max_schedules,
       (SELECT count(*) FROM job_schedules s WHERE s.user_id = u.id)::int AS schedules
FROM users u
WHERE u.id = @user_id
FOR UPDATE;

-- name: ScheduleCreateAPI :one
-- Like ScheduleCreate, with the wait reason for job types this build cannot fire.
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

-- name: ScheduleGetScoped :one
SELECT * FROM job_schedules
WHERE id = @id AND (user_id = @user_id OR @is_admin::bool);

-- name: ScheduleGetScopedForUpdate :one
-- The schedule with its owner's rights (cron limits depend on them), locked.
SELECT sqlc.embed(s), u.is_admin AS owner_is_admin, u.min_interval_seconds AS owner_min_interval_seconds
FROM job_schedules s
JOIN users u ON u.id = s.user_id
WHERE s.id = @id AND (s.user_id = @user_id OR @is_admin::bool)
FOR UPDATE OF s;

-- name: ScheduleListScoped :many
-- A page of schedules, newest first (id descending), after the cursor before_id.
SELECT * FROM job_schedules
WHERE (user_id = @user_id OR @is_admin::bool)
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
WHERE id = @id AND (user_id = @user_id OR @is_admin::bool)
RETURNING *;

-- name: ScheduleSetWaitReasonScoped :one
UPDATE job_schedules SET wait_reason = sqlc.narg('wait_reason')
WHERE id = @id AND (user_id = @user_id OR @is_admin::bool)
RETURNING *;

-- name: ScheduleDeleteScoped :one
DELETE FROM job_schedules
WHERE id = @id AND (user_id = @user_id OR @is_admin::bool)
RETURNING *;

-- name: SchedulePauseScoped :one
UPDATE job_schedules SET enabled = false, paused_note = @note
WHERE id = @id AND (user_id = @user_id OR @is_admin::bool)
RETURNING *;

-- name: ScheduleResumeScoped :one
-- Resumes a schedule; next_run_at NULL keeps the current one (the trigger
-- then re-plans a schedule that was disabled).
UPDATE job_schedules SET enabled = true, paused_note = NULL, disabled_reason = NULL,
    next_run_at = COALESCE(sqlc.narg('next_run_at'), next_run_at)
WHERE id = @id AND (user_id = @user_id OR @is_admin::bool)
RETURNING *;
