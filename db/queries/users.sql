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
