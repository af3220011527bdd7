-- +goose Up
-- Operator alerting (design 11.3): one row per incident, opened by the
-- scheduler's incident monitor when a check sees a problem (a failing job
-- type, a backed-up queue, a stale heartbeat, a slow job, fire lag, a failing
-- notification channel) and resolved when it clears. Admins get one message
-- when a row opens and one when it resolves; a recurrence within the cooldown
-- reopens the same row and sends nothing.
CREATE TABLE incidents (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('job_failed', 'queue_backlog', 'heartbeat_stale',
                                                      'slow_job', 'fire_lag', 'channel_failing')),
    -- What is failing, e.g. "alert: provider timeout after #" or "worker/host-a".
    subject             TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    opened_at           TIMESTAMPTZ NOT NULL,
    -- NULL while open.
    resolved_at         TIMESTAMPTZ,
    -- The last check that saw it (job_failed: the last failure).
    last_seen           TIMESTAMPTZ NOT NULL,
    -- Checks that saw it (job_failed: failed runs).
    count               BIGINT NOT NULL DEFAULT 1 CHECK (count >= 1),
    -- Times it came back within the cooldown after resolving.
    reopened            INTEGER NOT NULL DEFAULT 0,
    details             JSONB NOT NULL DEFAULT '{}',
    -- When the open and the resolve messages were queued for the admins.
    notified_open_at    TIMESTAMPTZ,
    notified_resolve_at TIMESTAMPTZ,
    CONSTRAINT incidents_resolved_after_open CHECK (resolved_at IS NULL OR resolved_at >= opened_at)
);
-- One open incident per (kind, subject).
CREATE UNIQUE INDEX incidents_open_key ON incidents (kind, subject) WHERE resolved_at IS NULL;
-- The latest incident of a (kind, subject): reopened within the cooldown.
CREATE INDEX incidents_subject_idx ON incidents (kind, subject, id DESC);
-- GET /api/incidents pages newest first, open or resolved.
CREATE INDEX incidents_open_idx ON incidents (id DESC) WHERE resolved_at IS NULL;
CREATE INDEX incidents_resolved_idx ON incidents (id DESC) WHERE resolved_at IS NOT NULL;

-- The checks' queries: recent failed runs and failing deliveries (small
-- partial indexes: only failed rows are in them).
CREATE INDEX job_schedule_runs_failed_idx ON job_schedule_runs (finished_at) WHERE status = 'FAILED';
CREATE INDEX notifications_failing_idx ON notifications (updated_at) WHERE status IN ('failed', 'retrying');

-- vigil_error_class normalises an error text into its class: quoted values,
-- UUIDs and every word holding a digit (numbers, ids, durations, addresses)
-- become ? or #, whitespace is collapsed, and the result is cut to 160
-- characters. Failures that differ only in such values share a class, so a
-- failing job type opens one incident, not one per run.
-- +goose StatementBegin
CREATE FUNCTION vigil_error_class(err text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(NULLIF(left(btrim(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        regexp_replace(COALESCE(err, ''), '"[^"]*"|`[^`]*`|(?<![[:alnum:]])''[^'']*''', '?', 'g'),
                        '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '?', 'g'),
                    '[[:alnum:]_.+-]*[0-9][[:alnum:]_.+-]*', '#', 'g'),
                '[[:space:]]+', ' ', 'g'),
            '#( #)+', '#', 'g')), 160), ''), '(no error message)')
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION IF EXISTS vigil_error_class(text);
DROP INDEX IF EXISTS notifications_failing_idx;
DROP INDEX IF EXISTS job_schedule_runs_failed_idx;
DROP TABLE IF EXISTS incidents;
