-- name: HealthLatestBySystem :many
-- The latest row of each component of one system.
SELECT DISTINCT ON (component) *
FROM msg_system_health
WHERE system = @system
ORDER BY component, checked_at DESC;
