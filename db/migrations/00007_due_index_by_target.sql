-- +goose Up
-- Due rows come out in (next_run_at, target) order straight from the index, so
-- that alerts on one symbol due at one time land in one batch (one group job)
-- without a sort.
CREATE INDEX job_schedules_due_target_idx ON job_schedules (next_run_at, target) WHERE enabled;
DROP INDEX job_schedules_due_idx;

-- +goose Down
CREATE INDEX job_schedules_due_idx ON job_schedules (next_run_at) WHERE enabled;
DROP INDEX job_schedules_due_target_idx;
