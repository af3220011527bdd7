-- The Telegram bot's queries (package telegram/bot). Every schedule query is
-- scoped to its owner inside the SQL: users see and change only their own.

-- name: TelegramStateEnsure :exec
INSERT INTO telegram_state (bot_id) VALUES (@bot_id) ON CONFLICT (bot_id) DO NOTHING;

-- name: TelegramStateLock :one
-- The next update_id to handle, locked until the update is handled.
SELECT update_offset FROM telegram_state WHERE bot_id = @bot_id FOR UPDATE;

-- name: TelegramStateGet :one
SELECT update_offset FROM telegram_state WHERE bot_id = @bot_id;

-- name: TelegramStateSetOffset :exec
UPDATE telegram_state SET update_offset = GREATEST(update_offset, @update_offset::bigint), updated_at = now()
WHERE bot_id = @bot_id;

-- name: TelegramUpdateClaim :one
-- Records a webhook update as handled (in the command's transaction); no
-- row when it was handled before.
INSERT INTO telegram_updates (bot_id, update_id) VALUES (@bot_id, @update_id)
ON CONFLICT (bot_id, update_id) DO NOTHING
RETURNING update_id;

-- name: TelegramUpdateHandled :one
-- Whether a webhook delivery handled the update (a poll after a switch from
-- webhook mode may return it again).
SELECT EXISTS (SELECT 1 FROM telegram_updates WHERE bot_id = @bot_id AND update_id = @update_id) AS handled;

-- name: TelegramUpdateMaxID :one
-- The highest update id a webhook delivery handled, 0 for none.
SELECT COALESCE(max(update_id), 0)::bigint AS max_id FROM telegram_updates WHERE bot_id = @bot_id;

-- name: TelegramUpdatePrune :execrows
-- Forgets handled webhook updates older than Telegram can redeliver.
DELETE FROM telegram_updates WHERE bot_id = @bot_id AND handled_at < now() - make_interval(secs => @older_than_seconds::float8);

-- name: InviteCreate :exec
INSERT INTO invites (code_hash, created_by) VALUES (@code_hash, sqlc.narg('created_by'));

-- name: InviteUse :one
-- Spends an unused, unexpired invite; no row when there is none.
UPDATE invites SET used_by = @used_by, used_at = now()
WHERE code_hash = @code_hash AND used_by IS NULL AND used_at IS NULL AND expires_at > now()
RETURNING code_hash;

-- name: UserRegisterTelegram :one
-- Registers a Telegram user as pending, or refreshes the chat of a known one.
INSERT INTO users (name, telegram_user_id, telegram_chat_id, status)
VALUES (@name, @telegram_user_id, @telegram_chat_id, 'pending')
ON CONFLICT (telegram_user_id) DO UPDATE SET telegram_chat_id = EXCLUDED.telegram_chat_id, updated_at = now()
RETURNING *;

-- name: UserSetStatus :one
UPDATE users SET status = @status, updated_at = now() WHERE id = @id RETURNING *;

-- name: UserSetTimezone :one
UPDATE users SET timezone = @timezone, updated_at = now() WHERE id = @id RETURNING *;

-- name: RunListByOwner :many
SELECT * FROM job_schedule_runs WHERE user_id = @user_id ORDER BY id DESC LIMIT @max_rows;

-- name: RunGetByOwner :one
-- /why RUN_ID: the run, if it is the user's.
SELECT * FROM job_schedule_runs WHERE id = @id AND user_id = @user_id;

-- name: UserTelegramStatus :one
-- What /status shows: the user's schedules and their runs of the last day.
SELECT
    (SELECT count(*) FROM job_schedules s WHERE s.user_id = @user_id)::int AS schedules,
    (SELECT count(*) FROM job_schedules s WHERE s.user_id = @user_id AND s.enabled)::int AS enabled,
    (SELECT count(*) FROM job_schedule_runs r WHERE r.user_id = @user_id AND r.enqueued_at > now() - interval '24 hours')::int AS runs_24h,
    (SELECT count(*) FROM job_schedule_runs r WHERE r.user_id = @user_id AND r.status = 'FAILED'
        AND r.enqueued_at > now() - interval '24 hours')::int AS failed_24h;

-- name: TelegramReserveSend :one
-- Reserves a send for a bot across every process (0), or says how many
-- seconds to wait first.
SELECT vigil_telegram_reserve(@bot::text, @chat_id::bigint, @per_second::int, @chat_interval_ms::int, @group_per_minute::int)::float8 AS wait_seconds;
