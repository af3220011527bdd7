-- +goose Up
-- A user's open ad-hoc runs (run now from the API or the bot) are counted
-- before each new one: at most a few may be pending or running at once.
CREATE INDEX job_schedule_runs_open_adhoc_idx ON job_schedule_runs (user_id)
    WHERE trigger = 'adhoc' AND status IN ('PENDING', 'RUNNING');

-- +goose Down
DROP INDEX job_schedule_runs_open_adhoc_idx;
