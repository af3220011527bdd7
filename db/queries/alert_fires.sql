-- Flood control and per-user digests of alert fires.

-- name: AlertFireCounts :many
-- Fires of each alert after since, not counting fires up to and including
-- its last flood (a resumed alert starts again from zero).
SELECT f.schedule_id, count(*)::int AS fires
FROM alert_fires f
WHERE f.schedule_id = ANY(@ids::int[]) AND f.fired_at > @since::timestamptz
  AND f.fired_at > COALESCE((SELECT max(x.fired_at) FROM alert_fires x
                             WHERE x.schedule_id = f.schedule_id AND x.outcome = 'flood'), '-infinity'::timestamptz)
GROUP BY f.schedule_id;

-- name: AlertFiresInsert :exec
-- Records the fires of one alert job (digest_windows: 0001-01-01 UTC for none).
INSERT INTO alert_fires (schedule_id, user_id, run_id, fired_at, outcome, message, digest_window)
SELECT t.schedule_id, t.user_id, t.run_id, @fired_at::timestamptz, t.outcome, t.message,
       NULLIF(t.digest_window, '0001-01-01 00:00:00+00'::timestamptz)
FROM (SELECT unnest(@schedule_ids::int[]) AS schedule_id, unnest(@user_ids::bigint[]) AS user_id,
             unnest(@run_ids::bigint[]) AS run_id, unnest(@outcomes::text[]) AS outcome,
             unnest(@messages::text[]) AS message, unnest(@digest_windows::timestamptz[]) AS digest_window) AS t;

-- name: AlertDigestLock :many
-- Locks the digest windows of users (creating missing rows), in user id
-- order so that concurrent alert jobs cannot deadlock, and returns them.
INSERT INTO alert_digests (user_id)
SELECT u FROM unnest(@user_ids::bigint[]) AS u ORDER BY u
ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
RETURNING user_id, window_start, fires;

-- name: AlertDigestSet :exec
-- Writes users' digest windows after an alert job's fires.
UPDATE alert_digests d SET window_start = u.window_start, fires = u.fires
FROM (SELECT unnest(@user_ids::bigint[]) AS user_id, unnest(@window_starts::timestamptz[]) AS window_start,
             unnest(@fires::int[]) AS fires) AS u
WHERE d.user_id = u.user_id;

-- name: AlertDigestLockUser :exec
-- The digest job waits here for alert jobs of the user still writing held
-- fires (they hold the row until they commit).
SELECT user_id FROM alert_digests WHERE user_id = @user_id FOR UPDATE;

-- name: AlertHeldFires :many
-- The held fires of one user's digest window not yet listed in a digest.
SELECT id, schedule_id, run_id, fired_at, message FROM alert_fires
WHERE user_id = @user_id AND digest_window = @digest_window::timestamptz AND outcome = 'held' AND digest_message_id IS NULL
ORDER BY fired_at, id;

-- name: AlertFiresDigested :exec
-- Marks held fires as listed in a digest message.
UPDATE alert_fires SET digest_message_id = @message_id::uuid WHERE id = ANY(@ids::bigint[]);

-- name: AlertFiresDeleteOlderThan :execrows
-- Retention: fires recorded before a time.
DELETE FROM alert_fires WHERE fired_at < @before::timestamptz;
