-- +goose Up
-- Per-user, per-type notification preferences (issue 14 item 3). No row for a
-- type means today's behaviour: every channel the user has an address for,
-- not silent. An empty channels list means the type is off: nothing is sent,
-- but the notification is still recorded (status suppressed).
CREATE TABLE notification_preferences (
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_type TEXT NOT NULL
                      CHECK (notification_type IN ('alert', 'report', 'screener', 'system', 'trade')),
    channels          TEXT[] NOT NULL
                      CHECK (channels <@ ARRAY['telegram', 'email', 'webhook']::TEXT[]),
    -- Telegram delivery with disable_notification: true.
    silent            BOOLEAN NOT NULL DEFAULT false,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, notification_type)
);

-- Quiet hours as local times in users.timezone; both NULL = none. A window
-- whose start is after its end crosses midnight (22:00-07:00).
ALTER TABLE users
    ADD COLUMN quiet_start TIME,
    ADD COLUMN quiet_end TIME,
    ADD CONSTRAINT users_quiet_hours_pair CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
    ADD CONSTRAINT users_quiet_hours_nonempty CHECK (quiet_start IS DISTINCT FROM quiet_end OR quiet_start IS NULL);

-- +goose Down
ALTER TABLE users
    DROP CONSTRAINT users_quiet_hours_nonempty,
    DROP CONSTRAINT users_quiet_hours_pair,
    DROP COLUMN quiet_end,
    DROP COLUMN quiet_start;
DROP TABLE notification_preferences;
