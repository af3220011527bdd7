-- +goose Up
-- run_id is a random UUID (gen_random_uuid()); its unique index cost a write
-- per run on the hottest table and no query looks runs up by it.
ALTER TABLE job_schedule_runs DROP CONSTRAINT job_schedule_runs_run_id_key;

-- +goose Down
ALTER TABLE job_schedule_runs ADD CONSTRAINT job_schedule_runs_run_id_key UNIQUE (run_id);
