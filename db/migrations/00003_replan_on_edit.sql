-- +goose Up
-- Any edit of what a schedule does (not only its cron) clears next_run_at, so
-- the scheduler re-plans the row and validates its task_params once, instead
-- of on every fire.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION job_schedules_before_update() RETURNS trigger
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
        IF NEW.next_run_at IS NOT DISTINCT FROM OLD.next_run_at THEN
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION job_schedules_before_update() RETURNS trigger
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
        NEW.next_run_at := NULL;
    END IF;
    IF current_setting('vigil.scheduler', true) IS DISTINCT FROM 'on' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
