-- TradingView-compatible inbound webhooks: each user's token, its rate-limit
-- window and the bodies received within the replay window.

-- name: TradingViewTokenUpsert :one
-- Gives the user a new token (the old one stops working at once); the rate
-- window carries over so that rotating does not reset the limit.
INSERT INTO tradingview_tokens (user_id, selector, secret_hash, token_prefix)
VALUES (@user_id, @selector, @secret_hash, @token_prefix)
ON CONFLICT (user_id) DO UPDATE SET selector = EXCLUDED.selector, secret_hash = EXCLUDED.secret_hash,
    token_prefix = EXCLUDED.token_prefix, created_at = now(), last_used_at = NULL
RETURNING user_id, token_prefix, created_at;

-- name: TradingViewTokenBySelector :one
-- The token row of a selector with its owner's status; no row for an
-- unknown selector.
SELECT t.user_id, t.secret_hash, u.status AS user_status
FROM tradingview_tokens t
JOIN users u ON u.id = t.user_id
WHERE t.selector = @selector;

-- name: TradingViewTake :one
-- Takes one request from the token's rate-limit window, opening a new
-- window at now when the current one started at or before expired_before
-- (now minus the window), and returns the window after the take.
UPDATE tradingview_tokens SET
    window_start = CASE WHEN window_start IS NULL OR window_start <= @expired_before::timestamptz
                        THEN @now::timestamptz ELSE window_start END,
    window_count = CASE WHEN window_start IS NULL OR window_start <= @expired_before::timestamptz
                        THEN 1 ELSE window_count + 1 END,
    last_used_at = @now::timestamptz
WHERE user_id = @user_id
RETURNING window_start::timestamptz AS window_start, window_count;

-- name: TradingViewReceive :one
-- Records a body; a row comes back unless the same body was received after
-- replay_before (a replay, which is left as it was).
INSERT INTO tradingview_receipts (user_id, body_sha256, received_at)
VALUES (@user_id, @body_sha256, @now::timestamptz)
ON CONFLICT (user_id, body_sha256) DO UPDATE SET received_at = EXCLUDED.received_at
WHERE tradingview_receipts.received_at <= @replay_before::timestamptz
RETURNING received_at;

-- name: TradingViewReceiptAt :one
-- When a body was received (for a replay's answer).
SELECT received_at FROM tradingview_receipts WHERE user_id = @user_id AND body_sha256 = @body_sha256;

-- name: TradingViewForget :exec
-- Drops a user's receipts older than the replay window.
DELETE FROM tradingview_receipts WHERE user_id = @user_id AND received_at <= @replay_before::timestamptz;

-- name: TradingActionInsert :one
-- Stores one trading-bot action for the trading bot service; a key stored
-- before (a retried job) returns no row.
INSERT INTO trading_actions (user_id, source, key, bot, symbol, side, size_pct, details)
VALUES (@user_id, @source, @key, @bot, @symbol, @side, sqlc.narg('size_pct'), @details)
ON CONFLICT (key) DO NOTHING
RETURNING id;

-- name: TradingActionList :many
-- A user's actions, newest first.
SELECT * FROM trading_actions WHERE user_id = @user_id ORDER BY id DESC LIMIT @max_rows;
