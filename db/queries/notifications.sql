-- name: NotificationBeginAttempt :one
-- One row per (message, channel), updated on every delivery attempt.
INSERT INTO notifications (message_id, user_id, run_id, channel, status, priority, notification_type, message, attempts, river_job_id)
VALUES (@message_id, @user_id, sqlc.narg('run_id'), @channel, 'sending', @priority, @notification_type, @message, 1, @river_job_id)
ON CONFLICT (message_id, channel) DO UPDATE
SET attempts = notifications.attempts + 1,
    status = CASE WHEN notifications.status IN ('sent', 'recorded') THEN notifications.status ELSE 'sending' END,
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
