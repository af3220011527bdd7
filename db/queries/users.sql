-- name: UserCreate :one
INSERT INTO users (name, is_admin, telegram_user_id, telegram_chat_id, status, webhook_url)
VALUES (@name, @is_admin, sqlc.narg('telegram_user_id'), sqlc.narg('telegram_chat_id'), @status, sqlc.narg('webhook_url'))
RETURNING *;

-- name: UserGetByID :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByTelegramID :one
SELECT * FROM users WHERE telegram_user_id = @telegram_user_id;

-- name: UserList :many
SELECT * FROM users ORDER BY id;

-- name: UserMarkUnreachable :exec
UPDATE users SET unreachable_at = now(), unreachable_reason = @reason, updated_at = now()
WHERE id = @id;

-- name: UserSetWebhookSecret :one
-- Stores a user's sealed webhook signing secret (replacing any earlier one).
UPDATE users SET webhook_secret = @sealed::text, updated_at = now() WHERE id = @id RETURNING id;

-- name: UserSealedSecrets :many
-- Every stored sealed secret, for a key rotation.
SELECT id, webhook_secret::text AS webhook_secret FROM users WHERE webhook_secret IS NOT NULL ORDER BY id;

-- name: UserResealSecret :execrows
-- Replaces a sealed secret with its re-sealed form unless it changed since it was read.
UPDATE users SET webhook_secret = @resealed::text WHERE id = @id AND webhook_secret = @sealed::text;
