-- +goose Up
-- Per-type preferences at delivery (issue 14 item 3): a notification whose
-- type the user turned off is recorded as suppressed (never sent); one held
-- by the user's quiet hours is recorded as held until the window ends,
-- when the worker sends it (the row then goes sending -> sent).
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled', 'recorded', 'suppressed', 'held'));

-- all_channels: the type goes to every channel the user has an address on
-- at delivery time (channels is then empty), so an address added later is
-- used too; "on" or "silent" without a list of channels.
ALTER TABLE notification_preferences
    ADD COLUMN all_channels BOOLEAN NOT NULL DEFAULT false,
    ADD CONSTRAINT notification_preferences_all_channels CHECK (NOT all_channels OR cardinality(channels) = 0);

-- +goose Down
ALTER TABLE notification_preferences
    DROP CONSTRAINT notification_preferences_all_channels,
    DROP COLUMN all_channels;
UPDATE notifications SET status = 'cancelled' WHERE status IN ('suppressed', 'held');
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled', 'recorded'));
