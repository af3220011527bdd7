-- +goose Up
-- Each user's email address for the email channel. An address set by an
-- operator (`vigil users create|update --email`) is confirmed at once; one
-- set by the user (PUT /api/me/email, the bot's /email) waits for the code
-- mailed to it. Only a confirmed address that is not bouncing and not
-- unsubscribed gets mail.
ALTER TABLE users
    ADD COLUMN email TEXT CHECK (email IS NULL OR (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%')),
    ADD COLUMN email_confirmed_at TIMESTAMPTZ,
    -- A 5xx reply to RCPT TO: no more mail to this address until it is set again.
    ADD COLUMN email_bouncing_at TIMESTAMPTZ,
    ADD COLUMN email_bounce_reason TEXT,
    -- The signed preferences link (List-Unsubscribe) turned email off.
    ADD COLUMN email_unsubscribed_at TIMESTAMPTZ,
    -- The pending confirmation: SHA-256 of the code (the code is only mailed),
    -- when it expires, wrong tries so far, and when it was sent (rate limit).
    ADD COLUMN email_code_hash BYTEA,
    ADD COLUMN email_code_expires_at TIMESTAMPTZ,
    ADD COLUMN email_code_attempts INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN email_code_sent_at TIMESTAMPTZ,
    ADD CONSTRAINT users_email_confirmed_has_email CHECK (email_confirmed_at IS NULL OR email IS NOT NULL);

-- +goose Down
ALTER TABLE users
    DROP CONSTRAINT users_email_confirmed_has_email,
    DROP COLUMN email_code_sent_at,
    DROP COLUMN email_code_attempts,
    DROP COLUMN email_code_expires_at,
    DROP COLUMN email_code_hash,
    DROP COLUMN email_unsubscribed_at,
    DROP COLUMN email_bounce_reason,
    DROP COLUMN email_bouncing_at,
    DROP COLUMN email_confirmed_at,
    DROP COLUMN email;
