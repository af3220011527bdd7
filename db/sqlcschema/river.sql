-- The part of River's schema that Vigil's queries read (the reconciler joins
-- job_schedule_runs to river_job). River creates the real table with rivermigrate;
-- this file only tells sqlc the column types. It is not a migration.
CREATE TYPE river_job_state AS ENUM (
    'available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled'
);

CREATE TABLE river_job (
    id           BIGSERIAL PRIMARY KEY,
    state        river_job_state NOT NULL DEFAULT 'available',
    attempt      SMALLINT NOT NULL DEFAULT 0,
    max_attempts SMALLINT NOT NULL,
    attempted_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finalized_at TIMESTAMPTZ,
    scheduled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    errors       JSONB[],
    args         JSONB NOT NULL DEFAULT '{}',
    kind         TEXT NOT NULL,
    queue        TEXT NOT NULL DEFAULT 'default'
);
