-- +goose Up
-- Every audit row says where the change came from (source) and whose entity
-- it changed (owner_user_id: a user sees what they did and what was done to
-- their things, such as the scheduler disabling their schedule). Rows written
-- before this migration recorded the source, if at all, as details.via.
ALTER TABLE audit_log ADD COLUMN source TEXT NOT NULL DEFAULT 'api'
    CHECK (source IN ('api', 'bot', 'cli', 'console', 'webhook', 'tradingbot', 'scheduler', 'worker'));
ALTER TABLE audit_log ADD COLUMN owner_user_id BIGINT;
UPDATE audit_log SET source = details->>'via'
WHERE details->>'via' IN ('api', 'bot', 'cli', 'console', 'webhook', 'tradingbot', 'scheduler', 'worker');
UPDATE audit_log SET owner_user_id = actor_user_id;
ALTER TABLE audit_log ALTER COLUMN source DROP DEFAULT;
-- GET /api/audit pages newest first, for everyone (admins) or one user.
CREATE INDEX audit_log_id_desc_idx ON audit_log (id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id DESC);
CREATE INDEX audit_log_owner_idx ON audit_log (owner_user_id, id DESC);

-- +goose Down
DROP INDEX audit_log_owner_idx;
DROP INDEX audit_log_actor_idx;
DROP INDEX audit_log_id_desc_idx;
ALTER TABLE audit_log DROP COLUMN owner_user_id;
ALTER TABLE audit_log DROP COLUMN source;
