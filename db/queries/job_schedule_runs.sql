-- name: RunInsertFires :many
-- Inserts one run per (schedule, fire time), copying the schedule's type, owner,
-- revision and task_params snapshot. Runs that have a job come with the id
-- reserved for them (RunReserveIDs) and their River job id; skipped fires get
-- a fresh id (0). A fire that already has a run is left alone: with the unique
-- constraint this makes a fire happen exactly once on any number of schedulers.
INSERT INTO job_schedule_runs (
    id, job_type, job_id, user_id, status, scheduled_for, job_snapshot, schedule_revision,
    trigger, skip_reason, jitter_ms, finished_at, river_job_id
)
SELECT COALESCE(NULLIF(u.id, 0), nextval(pg_get_serial_sequence('job_schedule_runs', 'id'))),
       s.job_type, s.id, s.user_id, u.status, u.scheduled_for, s.task_params, s.revision,
       u.trigger, NULLIF(u.skip_reason, ''), u.jitter_ms,
       CASE WHEN u.status = 'SKIPPED' THEN now() END,
       NULLIF(u.river_job_id, 0)
FROM (
    SELECT unnest(@ids::bigint[]) AS id,
        unnest(@schedule_ids::int[]) AS schedule_id,
        unnest(@scheduled_fors::timestamptz[]) AS scheduled_for,
        unnest(@statuses::text[]) AS status,
        unnest(@triggers::text[]) AS trigger,
        unnest(@skip_reasons::text[]) AS skip_reason,
        unnest(@jitter_ms::int[]) AS jitter_ms,
        unnest(@river_job_ids::bigint[]) AS river_job_id
) AS u
JOIN job_schedules s ON s.id = u.schedule_id
ON CONFLICT (job_id, scheduled_for) DO NOTHING
RETURNING id, job_id, scheduled_for, status;

-- name: RunExistingFires :many
-- Fires among the given ones that already have a run.
SELECT r.job_id, r.scheduled_for FROM job_schedule_runs r
JOIN (
    SELECT unnest(@schedule_ids::bigint[]) AS job_id, unnest(@scheduled_fors::timestamptz[]) AS scheduled_for
) AS u ON r.job_id = u.job_id AND r.scheduled_for = u.scheduled_for;

-- name: RunReserveIDs :many
-- Reserves run ids, so that River jobs can carry their run before the run
-- rows are written in the same transaction.
SELECT nextval(pg_get_serial_sequence('job_schedule_runs', 'id'))::bigint AS id
FROM generate_series(1, @n::int);

-- name: RunListOpenBySchedules :many
-- Unfinished runs of the given schedules, for the overlap policy.
SELECT id, scheduled_for, job_id, status, river_job_id FROM job_schedule_runs
WHERE job_id = ANY(@schedule_ids::bigint[]) AND status IN ('PENDING', 'RUNNING')
ORDER BY job_id, id;

-- name: RiverCountOlderRunningForSchedule :one
-- Running River jobs of the same schedule that are older than this one: the
-- buffer overlap policies make a job wait for them (River's state, not the
-- batched ledger, so two jobs cannot both start).
SELECT count(*)::int FROM river_job
WHERE state = 'running' AND kind = @kind AND id < @job_id
  AND (args -> 'run' ->> 'schedule_id')::bigint = @schedule_id::bigint;

-- name: RunApplyEvents :exec
-- Batched run tracking. Each event describes one attempt (started_at is River's
-- attempted_at); an event only moves a run forward: a later attempt, or a later
-- step of the same attempt (rank: RUNNING 1 < outcome 2). Re-applying the same
-- outcome is harmless. Cancelled and skipped runs are final. Each event
-- carries its run's scheduled_for, so that the lookup is pruned to the run's
-- day partition.
UPDATE job_schedule_runs r SET
    status      = u.status,
    attempt     = u.attempt,
    started_at  = u.started_at,
    finished_at = CASE WHEN u.status IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN u.event_at END,
    worker_id   = COALESCE(NULLIF(u.worker_id, ''), r.worker_id),
    error       = CASE WHEN u.status = 'COMPLETED' THEN NULL ELSE COALESCE(NULLIF(u.error, ''), r.error) END,
    result      = COALESCE(NULLIF(u.result, '')::jsonb, r.result)
FROM (
    SELECT unnest(@ids::bigint[]) AS id,
        unnest(@scheduled_fors::timestamptz[]) AS scheduled_for,
        unnest(@statuses::text[]) AS status,
        unnest(@attempts::int[]) AS attempt,
        unnest(@started_ats::timestamptz[]) AS started_at,
        unnest(@event_ats::timestamptz[]) AS event_at,
        unnest(@worker_ids::text[]) AS worker_id,
        unnest(@errors::text[]) AS error,
        unnest(@results::text[]) AS result,
        unnest(@ranks::int[]) AS rank
) AS u
WHERE r.id = u.id AND r.scheduled_for = u.scheduled_for
  AND r.status NOT IN ('CANCELLED', 'SKIPPED')
  AND (
      r.started_at IS NULL
      OR u.started_at > r.started_at
      OR (u.started_at = r.started_at AND (
          u.rank > CASE r.status WHEN 'RUNNING' THEN 1 ELSE 2 END
          OR (u.rank = 2 AND u.status = r.status)))
  );

-- name: RunGetByID :one
-- By id alone: one index probe per day partition.
SELECT * FROM job_schedule_runs WHERE id = @id;

-- name: RunFireTimes :many
-- The fire times of runs known by id only (events of jobs without one).
SELECT id, scheduled_for FROM job_schedule_runs WHERE id = ANY(@ids::bigint[]);

-- name: RunListBySchedule :many
SELECT * FROM job_schedule_runs WHERE job_id = @schedule_id ORDER BY scheduled_for, id;

-- name: RunCancel :one
-- Marks a pending or running run cancelled; the caller cancels its River job.
UPDATE job_schedule_runs SET status = 'CANCELLED', finished_at = now(),
    error = COALESCE(NULLIF(@reason::text, ''), error)
WHERE id = @id AND status IN ('PENDING', 'RUNNING')
RETURNING *;

-- name: RunCancelMany :exec
-- The runs come with their fire times (partition pruning).
UPDATE job_schedule_runs r SET status = 'CANCELLED', finished_at = now(), error = @reason::text
FROM (SELECT unnest(@ids::bigint[]) AS id, unnest(@scheduled_fors::timestamptz[]) AS scheduled_for) AS u
WHERE r.id = u.id AND r.scheduled_for = u.scheduled_for AND r.status IN ('PENDING', 'RUNNING');

-- name: RunReconcile :many
-- Repairs the ledger from River's job states: a run still PENDING or RUNNING
-- whose River job has finished, moved on, or is gone (the design's "Service
-- restart cleanup", applied only when River no longer runs or retries the job).
WITH open AS (
    SELECT r.id, r.scheduled_for, r.status AS run_status, j.id AS river_id, j.state::text AS state,
           j.attempt, j.attempted_at, j.finalized_at,
           (j.errors[array_length(j.errors, 1)] ->> 'error') AS last_error
    FROM job_schedule_runs r
    LEFT JOIN river_job j ON j.id = r.river_job_id
    WHERE r.status IN ('PENDING', 'RUNNING')
      AND r.river_job_id IS NOT NULL
      AND r.enqueued_at < @settled_before::timestamptz
      AND (j.finalized_at IS NULL OR j.finalized_at < @settled_before::timestamptz)
    ORDER BY r.id
    LIMIT @max_rows
    FOR UPDATE OF r SKIP LOCKED
), target AS (
    SELECT o.*,
           CASE
               WHEN o.river_id IS NULL THEN 'FAILED'
               WHEN o.state = 'completed' THEN 'COMPLETED'
               WHEN o.state = 'discarded' THEN 'FAILED'
               WHEN o.state = 'cancelled' THEN 'CANCELLED'
               WHEN o.state = 'running' THEN 'RUNNING'
               ELSE 'PENDING'
           END AS new_status
    FROM open o
)
UPDATE job_schedule_runs r SET
    status      = t.new_status,
    attempt     = COALESCE(t.attempt, r.attempt),
    started_at  = COALESCE(t.attempted_at, r.started_at),
    finished_at = CASE
                      WHEN t.river_id IS NULL THEN now()
                      WHEN t.new_status IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN t.finalized_at
                  END,
    error       = CASE
                      WHEN t.river_id IS NULL THEN 'Service restart cleanup: River job no longer exists'
                      WHEN t.new_status = 'COMPLETED' THEN NULL
                      ELSE COALESCE(t.last_error, r.error)
                  END
FROM target t
WHERE r.id = t.id AND r.scheduled_for = t.scheduled_for AND t.new_status <> t.run_status
RETURNING r.id, r.job_id, r.status, r.error;

-- name: RunResetStuck :execrows
-- The design's stuck-run reset, for runs with no River job to consult.
UPDATE job_schedule_runs SET status = 'FAILED', error = 'Service restart cleanup', finished_at = now()
WHERE status = 'RUNNING' AND river_job_id IS NULL AND started_at < @started_before::timestamptz;

-- name: RunPartitionsCreate :one
-- Creates the missing day partitions of job_schedule_runs for the UTC days
-- from_day to to_day; returns how many were created.
SELECT vigil_runs_create_partitions(@from_day::date, @to_day::date)::int AS created;

-- name: RunPartitionsList :many
-- The day partitions of job_schedule_runs, oldest first.
SELECT partition_name::text AS partition_name, from_at::timestamptz AS from_at, to_at::timestamptz AS to_at
FROM vigil_runs_partitions();

-- name: RunPartitionsDropBefore :many
-- Retention: drops the day partitions that end at or before @before (their
-- runs' report artifacts first); a partition with unfinished runs is kept.
SELECT partition_name::text AS partition_name, to_at::timestamptz AS to_at, action::text AS action
FROM vigil_runs_drop_partitions(@before::timestamptz);

-- name: RunStatusCounts :many
SELECT status, count(*)::int AS runs FROM job_schedule_runs
WHERE enqueued_at > @since::timestamptz
GROUP BY status ORDER BY status;

-- name: RunExecutionStats :one
-- The runs enqueued since a time: /health and /stats both read their 24 h
-- figures here, so that they agree.
SELECT count(*)::int AS runs,
       count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
       count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
       COALESCE(avg(EXTRACT(EPOCH FROM finished_at - started_at)) FILTER (WHERE status = 'COMPLETED'), 0)::float8 AS avg_duration_s,
       COALESCE(max(EXTRACT(EPOCH FROM finished_at - started_at)) FILTER (WHERE status = 'COMPLETED'), 0)::float8 AS max_duration_s
FROM job_schedule_runs
WHERE enqueued_at > @since::timestamptz;

-- name: RunListFiresInRange :many
-- Existing runs of a schedule in [from, to], for backfill.
SELECT scheduled_for, status FROM job_schedule_runs
WHERE job_id = @schedule_id AND scheduled_for BETWEEN @from_at::timestamptz AND @to_at::timestamptz;

-- name: RunCountPending :one
-- Runs waiting for a worker now, for /health and /stats.
SELECT count(*)::int FROM job_schedule_runs WHERE status = 'PENDING';

-- name: RunCommonErrors :many
-- The most frequent errors of failed runs since a time, for /stats.
SELECT COALESCE(split_part(error, E'\n', 1), '(no message)')::text AS message, count(*)::int AS runs
FROM job_schedule_runs
WHERE status = 'FAILED' AND enqueued_at > @since::timestamptz
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT @max_rows;

-- name: RunInsertAdhoc :one
-- A run not tied to a schedule (job_id NULL), recorded finished: e.g. an alert
-- evaluated now through the API.
INSERT INTO job_schedule_runs (job_type, user_id, status, scheduled_for, started_at, finished_at,
    job_snapshot, result, error, trigger, attempt, worker_id)
VALUES (@job_type, @user_id, @status, @scheduled_for, @started_at, @finished_at,
    @job_snapshot, @result, sqlc.narg('error'), 'adhoc', 1, @worker_id)
RETURNING *;

-- name: RunFailMany :exec
-- Runs that could not be enqueued (their schedule's task_params could not be
-- turned into a job) fail at once with the reason.
UPDATE job_schedule_runs r SET status = 'FAILED', finished_at = now(), error = @reason::text
FROM (SELECT unnest(@ids::bigint[]) AS id, unnest(@scheduled_fors::timestamptz[]) AS scheduled_for) AS u
WHERE r.id = u.id AND r.scheduled_for = u.scheduled_for AND r.status = 'PENDING';

-- name: RunInsertAdhocPending :one
-- A run not tied to a schedule (job_id NULL) that a River job will work: run
-- now through the API or the bot. Its River job id is set once inserted.
INSERT INTO job_schedule_runs (job_type, user_id, status, scheduled_for, job_snapshot, trigger)
VALUES (@job_type, @user_id, 'PENDING', @scheduled_for, @job_snapshot, 'adhoc')
RETURNING *;

-- name: RunSetRiverJob :exec
UPDATE job_schedule_runs SET river_job_id = @river_job_id WHERE id = @id AND scheduled_for = @scheduled_for;

-- name: AlertsFiredSince :many
-- The alerts of a user that fired since a time, on the given symbols: a
-- daily summary lists them per symbol.
SELECT (r.result->>'symbol')::text AS symbol, s.name, (r.result->>'condition')::text AS condition,
    r.finished_at
FROM job_schedule_runs r
JOIN job_schedules s ON s.id = r.job_id
WHERE r.job_type = 'alert' AND r.user_id = @user_id AND r.status = 'COMPLETED'
  AND r.finished_at >= @since::timestamptz
  AND (r.result->>'fired')::boolean
  AND r.result->>'symbol' = ANY(@symbols::text[])
ORDER BY r.finished_at;

-- name: RunCountOpenAdhoc :one
-- The user's ad-hoc runs still pending or running; the users row is locked
-- first (by the caller) so that concurrent requests count each other.
SELECT count(*)::int FROM job_schedule_runs
WHERE user_id = @user_id AND trigger = 'adhoc' AND status IN ('PENDING', 'RUNNING');

-- name: UserLock :exec
SELECT id FROM users WHERE id = @id FOR UPDATE;

-- name: RunSetResult :exec
-- Replaces a run's result: an ad-hoc backtest's result names its chart
-- artifact, whose path holds the run id.
UPDATE job_schedule_runs SET result = @result WHERE id = @id AND scheduled_for = @scheduled_for;
