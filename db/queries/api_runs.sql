-- Runs as the API sees them: every query is scoped to the caller (its own
-- runs, or every run for an admin) inside the SQL.

-- name: RunGetScoped :one
SELECT * FROM job_schedule_runs
WHERE id = @id AND (user_id = @user_id::bigint OR @is_admin::bool);

-- name: RunGetScopedForUpdate :one
SELECT * FROM job_schedule_runs
WHERE id = @id AND (user_id = @user_id::bigint OR @is_admin::bool)
FOR UPDATE;

-- name: RunListScoped :many
-- A page of runs, newest first (id descending), after the cursor before_id.
SELECT * FROM job_schedule_runs
WHERE (user_id = @user_id::bigint OR @is_admin::bool)
  AND (sqlc.narg('owner_id')::bigint IS NULL OR user_id = sqlc.narg('owner_id')::bigint)
  AND (sqlc.narg('job_type')::text IS NULL OR job_type = sqlc.narg('job_type')::text)
  AND (sqlc.narg('status')::text IS NULL OR status = sqlc.narg('status')::text)
  AND (sqlc.narg('schedule_id')::bigint IS NULL OR job_id = sqlc.narg('schedule_id')::bigint)
  AND (sqlc.narg('from_at')::timestamptz IS NULL OR enqueued_at >= sqlc.narg('from_at')::timestamptz)
  AND (sqlc.narg('to_at')::timestamptz IS NULL OR enqueued_at < sqlc.narg('to_at')::timestamptz)
  AND (sqlc.narg('before_id')::bigint IS NULL OR id < sqlc.narg('before_id')::bigint)
ORDER BY id DESC
LIMIT @max_rows;

-- name: RunStatsScoped :one
-- The design's get_run_statistics(user, job_type, days): totals by status and
-- durations of completed runs enqueued since a time.
SELECT count(*)::int AS total,
       count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
       count(*) FILTER (WHERE status = 'RUNNING')::int AS running,
       count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
       count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
       count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
       count(*) FILTER (WHERE status = 'SKIPPED')::int AS skipped,
       COALESCE(avg(EXTRACT(EPOCH FROM finished_at - started_at)) FILTER (WHERE status = 'COMPLETED'), 0)::float8 AS avg_duration_s,
       COALESCE(max(EXTRACT(EPOCH FROM finished_at - started_at)) FILTER (WHERE status = 'COMPLETED'), 0)::float8 AS max_duration_s
FROM job_schedule_runs
WHERE (user_id = @user_id::bigint OR @all_users::bool)
  AND (sqlc.narg('job_type')::text IS NULL OR job_type = sqlc.narg('job_type')::text)
  AND enqueued_at >= @since::timestamptz;

-- name: RunStatsPerDayScoped :many
-- Runs per UTC day by outcome, for the same selection as RunStatsScoped.
SELECT to_char(date_trunc('day', enqueued_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')::text AS day,
       count(*)::int AS total,
       count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
       count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
       count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
       count(*) FILTER (WHERE status = 'SKIPPED')::int AS skipped
FROM job_schedule_runs
WHERE (user_id = @user_id::bigint OR @all_users::bool)
  AND (sqlc.narg('job_type')::text IS NULL OR job_type = sqlc.narg('job_type')::text)
  AND enqueued_at >= @since::timestamptz
GROUP BY 1
ORDER BY 1;
