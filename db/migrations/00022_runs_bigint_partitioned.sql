-- +goose Up
-- The ledger at a month of load (issue 17). At 1,000 fires/s job_schedule_runs
-- grows by 86 million rows a day: the design's SERIAL id (int4) wraps after
-- about 25 days, and batched retention DELETEs leave every deleted row to
-- VACUUM. The table becomes:
--   * id BIGINT (its sequence too), and every column holding a run id
--     (report_artifacts.run_id) BIGINT;
--   * partitioned by day, RANGE on scheduled_for (UTC days), so that
--     retention drops whole partitions (vigil_runs_drop_partitions);
--   * scheduled_for NOT NULL DEFAULT now(): the partition key, and part of the
--     primary key (id, scheduled_for) and of the exactly-once key
--     (job_id, scheduled_for); a run written without a fire time (psql) gets
--     the time it was written.
-- The design's column names and types are otherwise kept, so its psql
-- queries run verbatim. There is no DEFAULT partition: a run for a day with no
-- partition fails with "no partition of relation job_schedule_runs found for
-- row"; partitions are created ahead (vigil_runs_create_partitions) here, at
-- every migrate, and by the hourly retention job.
--
-- Foreign keys: report_artifacts.run_id REFERENCES job_schedule_runs (id) is
-- dropped, because a foreign key to a partitioned table must name a unique key
-- holding the partition key, and artifacts do not know their run's fire time.
-- The application keeps the invariant: artifacts are written by their run's
-- job (the run exists), and vigil_runs_drop_partitions deletes the artifacts of
-- the runs in a partition before dropping it (the old ON DELETE CASCADE).

-- +goose StatementBegin
CREATE FUNCTION vigil_runs_partition_name(day date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'job_schedule_runs_p' || to_char(day, 'YYYYMMDD')
$$;
-- +goose StatementEnd

-- vigil_runs_create_partitions creates the missing day partitions of
-- job_schedule_runs for every UTC day in [from_day, to_day] and returns how
-- many it created. It takes no lock when none is missing; creators are
-- serialised by an advisory lock (held to the end of the transaction).
-- +goose StatementBegin
CREATE FUNCTION vigil_runs_create_partitions(from_day date, to_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d       date;
    created integer := 0;
    locked  boolean := false;
    part    text;
BEGIN
    IF from_day IS NULL OR to_day IS NULL OR to_day < from_day THEN
        RAISE EXCEPTION 'vigil_runs_create_partitions: to_day % is before from_day %', to_day, from_day;
    END IF;
    IF to_day - from_day > 3660 THEN
        RAISE EXCEPTION 'vigil_runs_create_partitions: % days asked for (at most 3660)', to_day - from_day + 1;
    END IF;
    FOR d IN SELECT g::date FROM generate_series(from_day, to_day, interval '1 day') AS g LOOP
        part := vigil_runs_partition_name(d);
        IF to_regclass(quote_ident(part)) IS NULL AND NOT locked THEN
            PERFORM pg_advisory_xact_lock(hashtext('vigil_runs_partitions'));
            locked := true;
        END IF;
        IF to_regclass(quote_ident(part)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF job_schedule_runs FOR VALUES FROM (%L) TO (%L)',
                part, (d::timestamp AT TIME ZONE 'UTC')::text, ((d + 1)::timestamp AT TIME ZONE 'UTC')::text);
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END;
$$;
-- +goose StatementEnd

-- vigil_runs_partitions lists the day partitions of job_schedule_runs with
-- their bounds, oldest first.
-- +goose StatementBegin
CREATE FUNCTION vigil_runs_partitions()
RETURNS TABLE (partition_name text, from_at timestamptz, to_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'job_schedule_runs'::regclass
    ORDER BY 2
$$;
-- +goose StatementEnd

-- vigil_runs_drop_partitions is retention: it drops every day partition that
-- ends at or before `before`, after deleting the report artifacts of its runs.
-- A partition that still holds unfinished runs (PENDING, RUNNING) is kept, as
-- the batched DELETE kept such rows; the reconciler finishes them and a later
-- retention drops it. One row per partition considered: dropped or kept_open.
-- +goose StatementBegin
CREATE FUNCTION vigil_runs_drop_partitions(before timestamptz)
RETURNS TABLE (partition_name text, to_at timestamptz, action text)
LANGUAGE plpgsql AS $$
DECLARE
    p    record;
    open boolean;
BEGIN
    FOR p IN SELECT * FROM vigil_runs_partitions() v WHERE v.to_at <= before ORDER BY v.from_at LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE status IN (''PENDING'', ''RUNNING''))', p.partition_name)
            INTO open;
        partition_name := p.partition_name;
        to_at := p.to_at;
        IF open THEN
            action := 'kept_open';
        ELSE
            EXECUTE format('DELETE FROM report_artifacts WHERE run_id IN (SELECT id FROM %I)', p.partition_name);
            EXECUTE format('DROP TABLE %I', p.partition_name);
            action := 'dropped';
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
-- +goose StatementEnd

ALTER TABLE report_artifacts DROP CONSTRAINT IF EXISTS report_artifacts_run_id_fkey;
ALTER TABLE report_artifacts ALTER COLUMN run_id TYPE BIGINT;

ALTER TABLE job_schedule_runs RENAME TO job_schedule_runs_unpartitioned;
ALTER TABLE job_schedule_runs_unpartitioned RENAME CONSTRAINT job_schedule_runs_pkey TO job_schedule_runs_unpartitioned_pkey;
ALTER TABLE job_schedule_runs_unpartitioned RENAME CONSTRAINT job_schedule_runs_fire_key TO job_schedule_runs_unpartitioned_fire_key;
ALTER INDEX job_schedule_runs_status_started_idx RENAME TO job_schedule_runs_unpartitioned_status_started_idx;
ALTER INDEX job_schedule_runs_started_at_idx RENAME TO job_schedule_runs_unpartitioned_started_at_idx;
ALTER INDEX job_schedule_runs_enqueued_at_idx RENAME TO job_schedule_runs_unpartitioned_enqueued_at_idx;
ALTER INDEX job_schedule_runs_open_idx RENAME TO job_schedule_runs_unpartitioned_open_idx;
ALTER INDEX job_schedule_runs_user_idx RENAME TO job_schedule_runs_unpartitioned_user_idx;
ALTER INDEX job_schedule_runs_open_adhoc_idx RENAME TO job_schedule_runs_unpartitioned_open_adhoc_idx;
ALTER INDEX job_schedule_runs_failed_idx RENAME TO job_schedule_runs_unpartitioned_failed_idx;

CREATE TABLE job_schedule_runs (
    -- The design's columns; id is BIGINT (was SERIAL), scheduled_for is the
    -- partition key and so NOT NULL (defaulting to the time of the insert).
    id            BIGINT NOT NULL,
    run_id        UUID NOT NULL DEFAULT gen_random_uuid(),
    job_type      TEXT NOT NULL,
    job_id        BIGINT,
    user_id       BIGINT,
    status        TEXT NOT NULL DEFAULT 'PENDING',
    scheduled_for TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
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
    trigger           TEXT NOT NULL DEFAULT 'cron'
                      CHECK (trigger IN ('cron', 'manual', 'backfill', 'adhoc')),
    skip_reason       TEXT CHECK (skip_reason IN ('misfire', 'overlap', 'catchup_limit', 'coalesced', 'paused')),
    jitter_ms         INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT job_schedule_runs_pkey PRIMARY KEY (id, scheduled_for),
    CONSTRAINT job_schedule_runs_status_check
        CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED')),
    CONSTRAINT job_schedule_runs_skipped_reason_check
        CHECK ((status = 'SKIPPED') = (skip_reason IS NOT NULL)),
    CONSTRAINT job_schedule_runs_fire_key UNIQUE (job_id, scheduled_for)
) PARTITION BY RANGE (scheduled_for);

ALTER SEQUENCE job_schedule_runs_id_seq AS BIGINT NO MAXVALUE;
ALTER SEQUENCE job_schedule_runs_id_seq OWNED BY job_schedule_runs.id;
ALTER TABLE job_schedule_runs ALTER COLUMN id SET DEFAULT nextval('job_schedule_runs_id_seq');

CREATE INDEX job_schedule_runs_status_started_idx ON job_schedule_runs (status, started_at);
CREATE INDEX job_schedule_runs_started_at_idx ON job_schedule_runs (started_at);
CREATE INDEX job_schedule_runs_enqueued_at_idx ON job_schedule_runs (enqueued_at);
CREATE INDEX job_schedule_runs_open_idx ON job_schedule_runs (job_id, river_job_id)
    WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX job_schedule_runs_user_idx ON job_schedule_runs (user_id, id);
CREATE INDEX job_schedule_runs_open_adhoc_idx ON job_schedule_runs (user_id)
    WHERE trigger = 'adhoc' AND status IN ('PENDING', 'RUNNING');
CREATE INDEX job_schedule_runs_failed_idx ON job_schedule_runs (finished_at) WHERE status = 'FAILED';

-- A partition for every day that has runs, and for yesterday to a week ahead.
SELECT vigil_runs_create_partitions(d, d)
FROM (SELECT DISTINCT (COALESCE(scheduled_for, enqueued_at, started_at, now()) AT TIME ZONE 'UTC')::date AS d
      FROM job_schedule_runs_unpartitioned) AS days;
SELECT vigil_runs_create_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 7);

-- Every run is kept with its id; runs without a fire time get the first time
-- they have.
INSERT INTO job_schedule_runs (id, run_id, job_type, job_id, user_id, status, scheduled_for, enqueued_at,
    started_at, finished_at, job_snapshot, result, error, worker_id, river_job_id, attempt,
    schedule_revision, trigger, skip_reason, jitter_ms)
SELECT id, run_id, job_type, job_id, user_id, status, COALESCE(scheduled_for, enqueued_at, started_at, now()),
    enqueued_at, started_at, finished_at, job_snapshot, result, error, worker_id, river_job_id, attempt,
    schedule_revision, trigger, skip_reason, jitter_ms
FROM job_schedule_runs_unpartitioned;

DROP TABLE job_schedule_runs_unpartitioned;
ANALYZE job_schedule_runs;

-- +goose Down
-- Back to one unpartitioned table with the design's SERIAL id: this fails if
-- a run id no longer fits an int4.
ALTER TABLE job_schedule_runs RENAME TO job_schedule_runs_partitioned;
ALTER TABLE job_schedule_runs_partitioned RENAME CONSTRAINT job_schedule_runs_pkey TO job_schedule_runs_partitioned_pkey;
ALTER TABLE job_schedule_runs_partitioned RENAME CONSTRAINT job_schedule_runs_fire_key TO job_schedule_runs_partitioned_fire_key;
ALTER INDEX job_schedule_runs_status_started_idx RENAME TO job_schedule_runs_partitioned_status_started_idx;
ALTER INDEX job_schedule_runs_started_at_idx RENAME TO job_schedule_runs_partitioned_started_at_idx;
ALTER INDEX job_schedule_runs_enqueued_at_idx RENAME TO job_schedule_runs_partitioned_enqueued_at_idx;
ALTER INDEX job_schedule_runs_open_idx RENAME TO job_schedule_runs_partitioned_open_idx;
ALTER INDEX job_schedule_runs_user_idx RENAME TO job_schedule_runs_partitioned_user_idx;
ALTER INDEX job_schedule_runs_open_adhoc_idx RENAME TO job_schedule_runs_partitioned_open_adhoc_idx;
ALTER INDEX job_schedule_runs_failed_idx RENAME TO job_schedule_runs_partitioned_failed_idx;

CREATE TABLE job_schedule_runs (
    id            INTEGER PRIMARY KEY,
    run_id        UUID NOT NULL DEFAULT gen_random_uuid(),
    job_type      TEXT NOT NULL,
    job_id        BIGINT,
    user_id       BIGINT,
    status        TEXT NOT NULL DEFAULT 'PENDING',
    scheduled_for TIMESTAMP WITH TIME ZONE,
    enqueued_at   TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    started_at    TIMESTAMP WITH TIME ZONE,
    finished_at   TIMESTAMP WITH TIME ZONE,
    job_snapshot  JSONB,
    result        JSONB,
    error         TEXT,
    worker_id     VARCHAR(255),
    river_job_id      BIGINT,
    attempt           INTEGER NOT NULL DEFAULT 0,
    schedule_revision INTEGER,
    trigger           TEXT NOT NULL DEFAULT 'cron'
                      CHECK (trigger IN ('cron', 'manual', 'backfill', 'adhoc')),
    skip_reason       TEXT CHECK (skip_reason IN ('misfire', 'overlap', 'catchup_limit', 'coalesced', 'paused')),
    jitter_ms         INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT job_schedule_runs_status_check
        CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED')),
    CONSTRAINT job_schedule_runs_skipped_reason_check
        CHECK ((status = 'SKIPPED') = (skip_reason IS NOT NULL)),
    CONSTRAINT job_schedule_runs_fire_key UNIQUE (job_id, scheduled_for)
);
INSERT INTO job_schedule_runs SELECT * FROM job_schedule_runs_partitioned;
ALTER SEQUENCE job_schedule_runs_id_seq OWNED BY job_schedule_runs.id;
ALTER SEQUENCE job_schedule_runs_id_seq AS INTEGER;
ALTER TABLE job_schedule_runs ALTER COLUMN id SET DEFAULT nextval('job_schedule_runs_id_seq');
DROP TABLE job_schedule_runs_partitioned;

CREATE INDEX job_schedule_runs_status_started_idx ON job_schedule_runs (status, started_at);
CREATE INDEX job_schedule_runs_started_at_idx ON job_schedule_runs (started_at);
CREATE INDEX job_schedule_runs_enqueued_at_idx ON job_schedule_runs (enqueued_at);
CREATE INDEX job_schedule_runs_open_idx ON job_schedule_runs (job_id, river_job_id)
    WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX job_schedule_runs_user_idx ON job_schedule_runs (user_id, id);
CREATE INDEX job_schedule_runs_open_adhoc_idx ON job_schedule_runs (user_id)
    WHERE trigger = 'adhoc' AND status IN ('PENDING', 'RUNNING');
CREATE INDEX job_schedule_runs_failed_idx ON job_schedule_runs (finished_at) WHERE status = 'FAILED';

ALTER TABLE report_artifacts ALTER COLUMN run_id TYPE INTEGER;
DELETE FROM report_artifacts a WHERE NOT EXISTS (SELECT 1 FROM job_schedule_runs r WHERE r.id = a.run_id);
ALTER TABLE report_artifacts ADD CONSTRAINT report_artifacts_run_id_fkey
    FOREIGN KEY (run_id) REFERENCES job_schedule_runs (id) ON DELETE CASCADE;

DROP FUNCTION vigil_runs_drop_partitions(timestamptz);
DROP FUNCTION vigil_runs_partitions();
DROP FUNCTION vigil_runs_create_partitions(date, date);
DROP FUNCTION vigil_runs_partition_name(date);
