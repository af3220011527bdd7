-- name: AuditLogInsert :exec
INSERT INTO audit_log (actor_user_id, owner_user_id, source, action, entity_type, entity_id, details)
VALUES (sqlc.narg('actor_user_id'), sqlc.narg('owner_user_id'), @source, @action, @entity_type, @entity_id, @details);

-- name: AuditLogList :many
-- A page of audit rows, newest first (id descending) after the cursor
-- before_id, scoped in the SQL: admins see every row, users the rows they
-- caused and the rows about their own things.
SELECT * FROM audit_log
WHERE (actor_user_id = @user_id OR owner_user_id = @user_id OR @is_admin::bool)
  AND (sqlc.narg('source')::text IS NULL OR source = sqlc.narg('source')::text)
  AND (sqlc.narg('action')::text IS NULL OR action = sqlc.narg('action')::text)
  AND (sqlc.narg('entity_type')::text IS NULL OR entity_type = sqlc.narg('entity_type')::text)
  AND (sqlc.narg('entity_id')::text IS NULL OR entity_id = sqlc.narg('entity_id')::text)
  AND (sqlc.narg('since')::timestamptz IS NULL OR created_at >= sqlc.narg('since')::timestamptz)
  AND (sqlc.narg('until')::timestamptz IS NULL OR created_at < sqlc.narg('until')::timestamptz)
  AND (sqlc.narg('before_id')::bigint IS NULL OR id < sqlc.narg('before_id')::bigint)
ORDER BY id DESC
LIMIT @max_rows;
