-- name: NotificationBeginAttempt :one
-- One row per (message, channel), updated on every delivery attempt. A row
-- held by quiet hours was never attempted: its first attempt starts the
-- outage clock (created_at) now.
INSERT INTO notifications (message_id, user_id, run_id, channel, status, priority, notification_type, message, attempts, river_job_id)
VALUES (@message_id, @user_id, sqlc.narg('run_id'), @channel, 'sending', @priority, @notification_type, @message, 1, @river_job_id)
ON CONFLICT (message_id, channel) DO UPDATE
SET attempts = notifications.attempts + 1,
    status = CASE WHEN notifications.status IN ('sent', 'recorded') THEN notifications.status ELSE 'sending' END,
    created_at = CASE WHEN notifications.status = 'held' THEN now() ELSE notifications.created_at END,
    updated_at = now()
RETURNING *;

-- name: NotificationFinishAttempt :exec
UPDATE notifications SET
    status = @status,
    error = NULLIF(@error::text, ''),
    provider_message_id = COALESCE(NULLIF(@provider_message_id::text, ''), provider_message_id),
    sent_at = CASE WHEN @status IN ('sent', 'recorded') THEN now() ELSE sent_at END,
    updated_at = now()
WHERE id = @id;

-- name: NotificationListByMessage :many
SELECT * FROM notifications WHERE message_id = @message_id ORDER BY channel;

-- name: NotificationCountByStatus :many
SELECT status, count(*)::int AS notifications FROM notifications
WHERE created_at > @since::timestamptz GROUP BY status ORDER BY status;

-- name: NotificationHold :exec
-- A message waiting for the end of the user's quiet hours, recorded as held
-- (no attempt). A row that was already attempted keeps its status (sent, or
-- retrying with its outage clock running).
INSERT INTO notifications (message_id, user_id, run_id, channel, status, priority, notification_type, message, attempts, error, river_job_id)
VALUES (@message_id, @user_id, sqlc.narg('run_id'), @channel, 'held', @priority, @notification_type, @message, 0, @reason::text, @river_job_id)
ON CONFLICT (message_id, channel) DO UPDATE
SET error = EXCLUDED.error, updated_at = now()
WHERE notifications.status = 'held';

-- name: NotificationSuppress :exec
-- A message of a type the user turned off: recorded, never sent.
INSERT INTO notifications (message_id, user_id, run_id, channel, status, priority, notification_type, message, attempts, error, river_job_id)
VALUES (@message_id, @user_id, sqlc.narg('run_id'), @channel, 'suppressed', @priority, @notification_type, @message, 0, @reason::text, @river_job_id)
ON CONFLICT (message_id, channel) DO NOTHING;
