-- +goose Up
-- The Telegram bot's long-polling position: the next update_id to handle, per
-- bot (the numeric id in its token). Written in the same transaction as the
-- command an update carries, so a restart neither loses nor replays commands.
CREATE TABLE telegram_state (
    bot_id        TEXT PRIMARY KEY,
    update_offset BIGINT NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One-time codes that verify a Telegram user (`vigil users invite`, /verify).
-- Only the SHA-256 of a code is stored; the code is shown once.
CREATE TABLE invites (
    code_hash  BYTEA PRIMARY KEY,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL DEFAULT now() + interval '7 days',
    used_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    used_at    TIMESTAMPTZ
);

-- +goose Down
DROP TABLE IF EXISTS invites;
DROP TABLE IF EXISTS telegram_state;
