-- +goose Up
-- Vigil's schema. The tables job_schedules and job_schedule_runs keep every column of
-- the design's DDL with the same names and types; Vigil's additions are new columns.

CREATE TABLE users (
    id                   BIGSERIAL PRIMARY KEY,
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    telegram_user_id     BIGINT UNIQUE,
    telegram_chat_id     BIGINT,
    status               TEXT NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'verified', 'blocked')),
    is_admin             BOOLEAN NOT NULL DEFAULT false,
    timezone             TEXT NOT NULL DEFAULT 'UTC',
    max_schedules        INTEGER CHECK (max_schedules >= 0),
    min_interval_seconds INTEGER CHECK (min_interval_seconds >= 1),
    unreachable_at       TIMESTAMPTZ,
    unreachable_reason   TEXT,
    -- Where webhook notifications go; NULL = no webhook channel.
    webhook_url          TEXT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    token_hash   BYTEA NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    scopes       TEXT[] NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE job_schedules (
    -- The design's columns (section 2.2), unchanged.
    id          SERIAL PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        VARCHAR(255) NOT NULL,
    job_type    VARCHAR(50) NOT NULL
                CHECK (job_type IN ('report', 'screener', 'alert', 'notification', 'data_processing', 'backup')),
    target      VARCHAR(255) NOT NULL,
    task_params JSONB NOT NULL DEFAULT '{}',
    cron        VARCHAR(100) NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT true,
    next_run_at TIMESTAMP WITH TIME ZONE,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    -- Vigil's additions.
    timezone           TEXT NOT NULL DEFAULT 'UTC',
    state_json         JSONB NOT NULL DEFAULT '{}',
    revision           INTEGER NOT NULL DEFAULT 1,
    -- Policies; NULL means "use the configured default".
    misfire_grace_time INTEGER CHECK (misfire_grace_time >= 0),
    catchup            TEXT CHECK (catchup IN ('skip', 'coalesce', 'latest', 'all')),
    max_catchup        INTEGER CHECK (max_catchup >= 1),
    overlap            TEXT CHECK (overlap IN ('skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow_all')),
    max_instances      INTEGER CHECK (max_instances >= 1),
    dst_gap            TEXT NOT NULL DEFAULT 'shift' CHECK (dst_gap IN ('shift', 'skip')),
    dst_fold           TEXT NOT NULL DEFAULT 'first' CHECK (dst_fold IN ('first', 'both')),
    jitter_seconds     INTEGER NOT NULL DEFAULT 0 CHECK (jitter_seconds >= 0),
    remaining_runs     INTEGER CHECK (remaining_runs >= 0),
    pause_on_failure   BOOLEAN NOT NULL DEFAULT false,
    -- Why the schedule is paused (set by pause, pause_on_failure or remaining_runs).
    paused_note        TEXT,
    -- Why the scheduler disabled the row (bad cron, bad task_params).
    disabled_reason    TEXT,
    -- Why an enabled row is not firing (e.g. no worker for its job type in this build).
    wait_reason        TEXT,
    last_run_at        TIMESTAMPTZ
);

-- Due schedules: the enqueuer's hot query.
CREATE INDEX job_schedules_due_idx ON job_schedules (next_run_at) WHERE enabled;
-- Rows written without next_run_at (psql, the bot) get it computed by the scheduler.
CREATE INDEX job_schedules_unplanned_idx ON job_schedules (id) WHERE enabled AND next_run_at IS NULL;
CREATE INDEX job_schedules_user_id_idx ON job_schedules (user_id);

CREATE TABLE job_schedule_runs (
    -- The design's columns, unchanged.
    id            SERIAL PRIMARY KEY,
    run_id        UUID NOT NULL DEFAULT gen_random_uuid(),
    job_type      TEXT NOT NULL,
    job_id        BIGINT,
    user_id       BIGINT,
    status        TEXT,
    scheduled_for TIMESTAMP WITH TIME ZONE,
    enqueued_at   TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    started_at    TIMESTAMP WITH TIME ZONE,
    finished_at   TIMESTAMP WITH TIME ZONE,
    job_snapshot  JSONB,
    result        JSONB,
    error         TEXT,
    worker_id     VARCHAR(255),

    -- Vigil's additions.
    river_job_id      BIGINT,
    attempt           INTEGER NOT NULL DEFAULT 0,
    schedule_revision INTEGER,
    -- cron, manual (trigger), backfill, adhoc (run now without a schedule).
    trigger           TEXT NOT NULL DEFAULT 'cron'
                      CHECK (trigger IN ('cron', 'manual', 'backfill', 'adhoc')),
    skip_reason       TEXT CHECK (skip_reason IN ('misfire', 'overlap', 'catchup_limit', 'coalesced', 'paused')),
    jitter_ms         INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT job_schedule_runs_status_check
        CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED')),
    CONSTRAINT job_schedule_runs_skipped_reason_check
        CHECK ((status = 'SKIPPED') = (skip_reason IS NOT NULL)),
    CONSTRAINT job_schedule_runs_fire_key UNIQUE (job_id, scheduled_for),
    CONSTRAINT job_schedule_runs_run_id_key UNIQUE (run_id)
);
ALTER TABLE job_schedule_runs ALTER COLUMN status SET NOT NULL;
ALTER TABLE job_schedule_runs ALTER COLUMN status SET DEFAULT 'PENDING';

CREATE INDEX job_schedule_runs_status_started_idx ON job_schedule_runs (status, started_at);
CREATE INDEX job_schedule_runs_started_at_idx ON job_schedule_runs (started_at);
CREATE INDEX job_schedule_runs_enqueued_at_idx ON job_schedule_runs (enqueued_at);
-- Unfinished runs per schedule: overlap policy and the reconciler.
CREATE INDEX job_schedule_runs_open_idx ON job_schedule_runs (job_id, river_job_id)
    WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX job_schedule_runs_user_idx ON job_schedule_runs (user_id, id);

-- Heartbeats of every system and component, with history.
CREATE TABLE msg_system_health (
    id               BIGSERIAL PRIMARY KEY,
    system           TEXT NOT NULL,
    component        TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('HEALTHY', 'DEGRADED', 'DOWN', 'UNKNOWN')),
    response_time_ms INTEGER,
    error_message    TEXT,
    metadata         JSONB NOT NULL DEFAULT '{}',
    checked_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX msg_system_health_latest_idx ON msg_system_health (system, component, checked_at DESC);

-- Delivery log of notifications: one row per message, updated on every attempt.
CREATE TABLE notifications (
    id                  BIGSERIAL PRIMARY KEY,
    message_id          UUID NOT NULL DEFAULT gen_random_uuid(),
    user_id             BIGINT,
    run_id              BIGINT,
    channel             TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled', 'recorded')),
    priority            TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high', 'urgent')),
    notification_type   TEXT NOT NULL DEFAULT 'alert',
    message             TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    provider_message_id TEXT,
    error               TEXT,
    river_job_id        BIGINT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at             TIMESTAMPTZ,
    CONSTRAINT notifications_message_channel_key UNIQUE (message_id, channel)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_status_idx ON notifications (status, created_at);

-- Who did what to which schedule, run or token.
CREATE TABLE audit_log (
    id            BIGSERIAL PRIMARY KEY,
    actor_user_id BIGINT,
    action        TEXT NOT NULL,
    entity_type   TEXT NOT NULL,
    entity_id     TEXT NOT NULL DEFAULT '',
    details       JSONB NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, created_at DESC);

-- An edit of what a schedule does bumps its revision, so runs record which
-- definition fired them; a changed cron or time zone clears next_run_at so the
-- scheduler plans it again, and clears a previous validation problem.
-- +goose StatementBegin
CREATE FUNCTION job_schedules_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cron IS DISTINCT FROM OLD.cron
       OR NEW.timezone IS DISTINCT FROM OLD.timezone
       OR NEW.task_params IS DISTINCT FROM OLD.task_params
       OR NEW.target IS DISTINCT FROM OLD.target
       OR NEW.job_type IS DISTINCT FROM OLD.job_type
       OR NEW.dst_gap IS DISTINCT FROM OLD.dst_gap
       OR NEW.dst_fold IS DISTINCT FROM OLD.dst_fold THEN
        NEW.revision := OLD.revision + 1;
        NEW.disabled_reason := NULL;
        NEW.wait_reason := NULL;
        IF (NEW.cron IS DISTINCT FROM OLD.cron OR NEW.timezone IS DISTINCT FROM OLD.timezone
            OR NEW.dst_gap IS DISTINCT FROM OLD.dst_gap OR NEW.dst_fold IS DISTINCT FROM OLD.dst_fold)
           AND NEW.next_run_at IS NOT DISTINCT FROM OLD.next_run_at THEN
            NEW.next_run_at := NULL;
        END IF;
    END IF;
    IF NEW.enabled AND NOT OLD.enabled AND NEW.next_run_at IS NOT DISTINCT FROM OLD.next_run_at THEN
        -- Resumed: plan from now, the paused time is not caught up.
        NEW.next_run_at := NULL;
    END IF;
    IF current_setting('vigil.scheduler', true) IS DISTINCT FROM 'on' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER job_schedules_before_update
    BEFORE UPDATE ON job_schedules
    FOR EACH ROW EXECUTE FUNCTION job_schedules_before_update();

-- Wake schedulers on any insert or update, whoever wrote it (the API, the bot, psql).
-- One notification per statement; the scheduler's own writes (SET LOCAL
-- vigil.scheduler = 'on') do not wake the other schedulers.
-- +goose StatementBegin
CREATE FUNCTION job_schedules_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('vigil.scheduler', true) IS DISTINCT FROM 'on' THEN
        PERFORM pg_notify('vigil_job_schedules', TG_OP);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER job_schedules_notify
    AFTER INSERT OR UPDATE ON job_schedules
    FOR EACH STATEMENT EXECUTE FUNCTION job_schedules_notify();

-- +goose Down
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS msg_system_health;
DROP TABLE IF EXISTS job_schedule_runs;
DROP TABLE IF EXISTS job_schedules;
DROP FUNCTION IF EXISTS job_schedules_notify();
DROP FUNCTION IF EXISTS job_schedules_before_update();
DROP TABLE IF EXISTS api_tokens;
DROP TABLE IF EXISTS users;
