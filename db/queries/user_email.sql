-- name: UserGetForUpdate :one
SELECT * FROM users WHERE id = @id FOR UPDATE;

-- name: UserEmailSetConfirmed :exec
-- An operator's address: confirmed at once; bounce, unsubscribe and any
-- pending code are cleared.
UPDATE users SET email = @email::text, email_confirmed_at = now(),
    email_bouncing_at = NULL, email_bounce_reason = NULL, email_unsubscribed_at = NULL,
    email_code_hash = NULL, email_code_expires_at = NULL, email_code_attempts = 0, email_code_sent_at = NULL,
    updated_at = now()
WHERE id = @id;

-- name: UserEmailRequest :exec
-- A user's new address: unconfirmed until the mailed code comes back.
UPDATE users SET email = @email::text, email_confirmed_at = NULL,
    email_bouncing_at = NULL, email_bounce_reason = NULL, email_unsubscribed_at = NULL,
    email_code_hash = @code_hash, email_code_expires_at = @expires_at, email_code_attempts = 0, email_code_sent_at = now(),
    updated_at = now()
WHERE id = @id;

-- name: UserEmailCodeUnsent :exec
-- The confirmation mail could not be sent: a new request may come at once.
UPDATE users SET email_code_sent_at = NULL WHERE id = @id AND email_code_hash = @code_hash;

-- name: UserEmailConfirm :exec
UPDATE users SET email_confirmed_at = now(),
    email_code_hash = NULL, email_code_expires_at = NULL, email_code_attempts = 0, updated_at = now()
WHERE id = @id;

-- name: UserEmailCodeFailed :one
UPDATE users SET email_code_attempts = email_code_attempts + 1, updated_at = now()
WHERE id = @id RETURNING email_code_attempts;

-- name: UserEmailClear :exec
UPDATE users SET email = NULL, email_confirmed_at = NULL,
    email_bouncing_at = NULL, email_bounce_reason = NULL, email_unsubscribed_at = NULL,
    email_code_hash = NULL, email_code_expires_at = NULL, email_code_attempts = 0, email_code_sent_at = NULL,
    updated_at = now()
WHERE id = @id;

-- name: UserEmailMarkBouncing :execrows
-- The mail server refused the address (5xx to RCPT TO), unless it changed
-- since the mail was sent or is already marked.
UPDATE users SET email_bouncing_at = now(), email_bounce_reason = @reason::text, updated_at = now()
WHERE id = @id AND lower(email) = lower(@email::text) AND email_bouncing_at IS NULL;

-- name: UserEmailSetUnsubscribed :execrows
-- Turns email off (the preferences link) or on again, for the address the
-- link was signed for only.
UPDATE users SET email_unsubscribed_at = CASE WHEN @off::bool THEN now() ELSE NULL END, updated_at = now()
WHERE id = @id AND lower(email) = lower(@email::text)
  AND (email_unsubscribed_at IS NULL) = @off::bool;

-- name: UserSetWebhookURL :exec
UPDATE users SET webhook_url = sqlc.narg('webhook_url'), updated_at = now() WHERE id = @id;
