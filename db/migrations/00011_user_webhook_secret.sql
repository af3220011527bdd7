-- +goose Up
-- Each user's own webhook signing secret, sealed with secret_key (AES-256-GCM,
-- "v1.<key id>.<base64>"; package secrets). NULL: notifications to the user's
-- webhook are signed with the deployment's shared webhook_secret.
ALTER TABLE users ADD COLUMN webhook_secret TEXT
    CHECK (webhook_secret IS NULL OR webhook_secret LIKE 'v1.%');

-- +goose Down
ALTER TABLE users DROP COLUMN webhook_secret;
