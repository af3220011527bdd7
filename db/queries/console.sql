-- The web console (package console): sessions, login codes and the reads
-- its pages need beyond the API's queries. Every read of user data is scoped
-- to the session's user (its own rows, or every row for an admin) in SQL.

-- name: ConsoleSessionCreate :exec
INSERT INTO console_sessions (id_hash, user_id, csrf, expires_at)
VALUES (@id_hash, @user_id, @csrf, @expires_at);

-- name: ConsoleSessionGet :one
-- A live session with its user's name and rights; no row for an unknown or
-- expired session or a blocked user.
SELECT s.user_id, s.csrf, s.expires_at, s.last_seen_at, u.name AS user_name, u.is_admin, u.timezone AS user_timezone
FROM console_sessions s
JOIN users u ON u.id = s.user_id
WHERE s.id_hash = @id_hash AND s.expires_at > @now::timestamptz AND u.status <> 'blocked';

-- name: ConsoleSessionTouch :exec
UPDATE console_sessions SET last_seen_at = @now::timestamptz WHERE id_hash = @id_hash;

-- name: ConsoleSessionDelete :one
DELETE FROM console_sessions WHERE id_hash = @id_hash RETURNING user_id;

-- name: ConsoleSessionDeleteExpired :execrows
DELETE FROM console_sessions WHERE expires_at <= @now::timestamptz;

-- name: ConsoleLoginCodeCreate :exec
INSERT INTO console_login_codes (code_hash, user_id, expires_at)
VALUES (@code_hash, @user_id, @expires_at);

-- name: ConsoleLoginCodeUse :one
-- Marks a live, unused code used and returns its user; no row for an
-- unknown, used or expired code (so a reused code is refused), or a blocked
-- user.
UPDATE console_login_codes c SET used_at = @now::timestamptz
FROM users u
WHERE c.code_hash = @code_hash AND c.used_at IS NULL AND c.expires_at > @now::timestamptz
  AND u.id = c.user_id AND u.status <> 'blocked'
RETURNING c.user_id;

-- name: ConsoleLoginCodeDeleteOld :execrows
DELETE FROM console_login_codes WHERE expires_at <= @now::timestamptz OR used_at IS NOT NULL;

-- name: ConsoleScheduleList :many
-- A page of the schedules the user may see with their owner's name and their
-- last 30 runs (newest last) for the strip. status: enabled (firing),
-- waiting (enabled with a wait_reason), paused (disabled by a person),
-- disabled (by the scheduler: disabled_reason). text matches name or target.
SELECT s.*, u.name AS owner_name,
       strip.statuses::text[] AS strip_statuses, strip.ids::bigint[] AS strip_ids
FROM job_schedules s
JOIN users u ON u.id = s.user_id
CROSS JOIN LATERAL (
    SELECT COALESCE(array_agg(r.status ORDER BY r.id), '{}') AS statuses,
           COALESCE(array_agg(r.id ORDER BY r.id), '{}') AS ids
    FROM (SELECT id, status FROM job_schedule_runs
          WHERE job_id = s.id ORDER BY id DESC LIMIT 30) r
) strip
WHERE (s.user_id = @user_id::int OR @all_users::bool)
  AND (sqlc.narg('owner_id')::int IS NULL OR s.user_id = sqlc.narg('owner_id')::int)
  AND (sqlc.narg('job_type')::text IS NULL OR s.job_type = sqlc.narg('job_type')::text)
  AND (sqlc.narg('status')::text IS NULL
       OR (sqlc.narg('status')::text = 'enabled' AND s.enabled AND s.wait_reason IS NULL)
       OR (sqlc.narg('status')::text = 'waiting' AND s.enabled AND s.wait_reason IS NOT NULL)
       OR (sqlc.narg('status')::text = 'paused' AND NOT s.enabled AND s.disabled_reason IS NULL)
       OR (sqlc.narg('status')::text = 'disabled' AND NOT s.enabled AND s.disabled_reason IS NOT NULL))
  AND (sqlc.narg('text')::text IS NULL
       OR strpos(lower(s.name), lower(sqlc.narg('text')::text)) > 0
       OR strpos(lower(s.target), lower(sqlc.narg('text')::text)) > 0)
ORDER BY
    CASE WHEN @sort::text = 'name' THEN lower(s.name) END ASC,
    CASE WHEN @sort::text = '-name' THEN lower(s.name) END DESC,
    CASE WHEN @sort::text = 'next' THEN s.next_run_at END ASC NULLS LAST,
    CASE WHEN @sort::text = '-next' THEN s.next_run_at END DESC NULLS LAST,
    CASE WHEN @sort::text = 'type' THEN s.job_type END ASC,
    CASE WHEN @sort::text = '-type' THEN s.job_type END DESC,
    CASE WHEN @sort::text = 'id' THEN s.id END ASC,
    s.id DESC
LIMIT @max_rows OFFSET @skip;

-- name: ConsoleScheduleCount :one
-- How many schedules ConsoleScheduleList pages through (same filters).
SELECT count(*)::int FROM job_schedules s
WHERE (s.user_id = @user_id::int OR @all_users::bool)
  AND (sqlc.narg('owner_id')::int IS NULL OR s.user_id = sqlc.narg('owner_id')::int)
  AND (sqlc.narg('job_type')::text IS NULL OR s.job_type = sqlc.narg('job_type')::text)
  AND (sqlc.narg('status')::text IS NULL
       OR (sqlc.narg('status')::text = 'enabled' AND s.enabled AND s.wait_reason IS NULL)
       OR (sqlc.narg('status')::text = 'waiting' AND s.enabled AND s.wait_reason IS NOT NULL)
       OR (sqlc.narg('status')::text = 'paused' AND NOT s.enabled AND s.disabled_reason IS NULL)
       OR (sqlc.narg('status')::text = 'disabled' AND NOT s.enabled AND s.disabled_reason IS NOT NULL))
  AND (sqlc.narg('text')::text IS NULL
       OR strpos(lower(s.name), lower(sqlc.narg('text')::text)) > 0
       OR strpos(lower(s.target), lower(sqlc.narg('text')::text)) > 0);

-- name: ConsoleUserList :many
-- Users for an admin's owner filter.
SELECT id, name FROM users ORDER BY name, id;

-- name: ConsoleRiverJob :one
-- The River job of a run the caller may see (the run is scoped first).
SELECT id, state, attempt, max_attempts, errors, attempted_at, finalized_at, queue, kind
FROM river_job WHERE id = @id;

-- name: ConsoleNotificationList :many
-- The delivery log the user may see, newest first, by channel and status
-- (owner_id: an admin's owner filter).
SELECT * FROM notifications
WHERE (user_id = @user_id::bigint OR @all_users::bool)
  AND (sqlc.narg('owner_id')::bigint IS NULL OR user_id = sqlc.narg('owner_id')::bigint)
  AND (sqlc.narg('channel')::text IS NULL OR channel = sqlc.narg('channel')::text)
  AND (sqlc.narg('status')::text IS NULL OR status = sqlc.narg('status')::text)
  AND (sqlc.narg('before_id')::bigint IS NULL OR id < sqlc.narg('before_id')::bigint)
ORDER BY id DESC
LIMIT @max_rows;

-- name: ConsoleNotificationChannels :many
-- Per channel, the deliveries the user may see created since @since: how
-- many, how many sent, failed or still pending, the attempts they took and
-- the latest error ('' for none).
SELECT channel,
       count(*)::bigint AS total,
       count(*) FILTER (WHERE status = 'sent')::bigint AS sent,
       count(*) FILTER (WHERE status = 'failed')::bigint AS failed,
       count(*) FILTER (WHERE status IN ('queued', 'sending', 'retrying'))::bigint AS pending,
       coalesce(sum(attempts), 0)::bigint AS attempts,
       coalesce((array_agg(error ORDER BY updated_at DESC) FILTER (WHERE error IS NOT NULL))[1], '')::text AS last_error,
       max(updated_at)::timestamptz AS last_at
FROM notifications
WHERE (user_id = @user_id::bigint OR @all_users::bool)
  AND (sqlc.narg('owner_id')::bigint IS NULL OR user_id = sqlc.narg('owner_id')::bigint)
  AND created_at >= @since::timestamptz
GROUP BY channel
ORDER BY channel;
