-- name: HealthInsert :exec
INSERT INTO msg_system_health (system, component, status, response_time_ms, error_message, metadata)
VALUES (@system, @component, @status, sqlc.narg('response_time_ms'), sqlc.narg('error_message'), @metadata);

-- name: HealthLatest :many
SELECT DISTINCT ON (system, component) *
FROM msg_system_health
ORDER BY system, component, checked_at DESC;

-- name: HealthDeleteOlderThan :execrows
DELETE FROM msg_system_health WHERE checked_at < @before;
