-- Per-type notification preferences and quiet hours (issue 14 item 3).
-- Every query is scoped to one user.

-- name: PreferencesList :many
SELECT notification_type, channels, all_channels, silent, updated_at
FROM notification_preferences
WHERE user_id = @user_id
ORDER BY notification_type;

-- name: PreferenceUpsert :exec
-- all_channels: every channel the user has an address on (channels empty);
-- otherwise channels, empty for off.
INSERT INTO notification_preferences (user_id, notification_type, channels, all_channels, silent)
VALUES (@user_id, @notification_type, @channels::text[], @all_channels, @silent)
ON CONFLICT (user_id, notification_type)
DO UPDATE SET channels = EXCLUDED.channels, all_channels = EXCLUDED.all_channels, silent = EXCLUDED.silent, updated_at = now();

-- name: PreferenceDelete :exec
-- Back to the default for the type (every channel the user has an address for).
DELETE FROM notification_preferences
WHERE user_id = @user_id AND notification_type = @notification_type;

-- name: UserQuietHoursGet :one
SELECT timezone, quiet_start, quiet_end FROM users WHERE id = @user_id;

-- name: UserQuietHoursSet :exec
-- Both NULL turns quiet hours off.
UPDATE users SET quiet_start = sqlc.narg(quiet_start)::time, quiet_end = sqlc.narg(quiet_end)::time
WHERE id = @user_id;
