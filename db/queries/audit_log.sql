-- name: AuditLogInsert :exec
INSERT INTO audit_log (actor_user_id, action, entity_type, entity_id, details)
VALUES (sqlc.narg('actor_user_id'), @action, @entity_type, @entity_id, @details);
