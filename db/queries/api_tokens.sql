-- API bearer tokens. Only the SHA-256 of a token is stored; the token itself is
-- shown once, when it is created.

-- name: TokenCreate :one
INSERT INTO api_tokens (user_id, name, token_hash, token_prefix)
VALUES (@user_id, @name, @token_hash, @token_prefix)
RETURNING id, user_id, name, token_prefix, scopes, created_at;

-- name: TokenAuthenticate :one
-- The live token with this hash and its owner's rights; no row for an unknown
-- or revoked token.
SELECT t.id AS token_id, t.last_used_at, u.id AS user_id, u.name AS user_name,
       u.status AS user_status, u.is_admin, u.max_schedules, u.min_interval_seconds
FROM api_tokens t
JOIN users u ON u.id = t.user_id
WHERE t.token_hash = @token_hash AND t.revoked_at IS NULL;

-- name: TokenTouch :exec
-- Records use at most once a minute per token, so reads stay cheap.
UPDATE api_tokens SET last_used_at = now()
WHERE id = @id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: TokenRevoke :one
-- Revokes a token (revoking twice keeps the first time).
UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now())
WHERE id = @id
RETURNING id, user_id, name, token_prefix, created_at, last_used_at, revoked_at;

-- name: TokenList :many
-- Tokens of one user, or of every user when user_id is NULL; never the hash.
SELECT id, user_id, name, token_prefix, scopes, created_at, last_used_at, revoked_at
FROM api_tokens
WHERE sqlc.narg('user_id')::bigint IS NULL OR user_id = sqlc.narg('user_id')::bigint
ORDER BY id;
