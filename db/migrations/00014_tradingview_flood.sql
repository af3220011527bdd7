-- +goose Up
-- TradingView-compatible inbound webhooks (POST /hooks/tradingview/{token}).
-- One token per user: "tv_" + a 16-hex-digit selector + a 43-character
-- secret. The selector finds the row; only the SHA-256 of the secret is
-- stored, compared in constant time. The row also carries the token's
-- rate-limit window (tradingview_rate_limit requests per minute).
CREATE TABLE tradingview_tokens (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    selector     TEXT NOT NULL UNIQUE CHECK (selector ~ '^[0-9a-f]{16}$'),
    secret_hash  BYTEA NOT NULL CHECK (length(secret_hash) = 32),
    -- The first characters of the token, for display.
    token_prefix TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    -- The current rate-limit window: it opens at a request when none is
    -- open and lasts one minute; window_count requests were taken in it.
    window_start TIMESTAMPTZ,
    window_count INTEGER NOT NULL DEFAULT 0 CHECK (window_count >= 0)
);

-- Bodies a user's webhook received within tradingview_replay_window: the
-- same body (SHA-256) again inside the window is refused as a replay.
CREATE TABLE tradingview_receipts (
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body_sha256  BYTEA NOT NULL CHECK (length(body_sha256) = 32),
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, body_sha256)
);

-- Trading-bot actions ({"bot", "side", "size_pct"} of schemas/actions.v1.json)
-- submitted by webhooks (and, later, alerts and screeners), waiting for the
-- trading bot service to take them. Nothing here executes an order.
CREATE TABLE trading_actions (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source      TEXT NOT NULL CHECK (source IN ('webhook', 'alert', 'screener')),
    -- Idempotency key, e.g. tradingview:<river job id>:<index>.
    key         TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 200),
    bot         TEXT NOT NULL CHECK (length(bot) BETWEEN 1 AND 64),
    symbol      TEXT NOT NULL CHECK (length(symbol) BETWEEN 1 AND 15),
    side        TEXT NOT NULL CHECK (side IN ('buy', 'sell', 'exit')),
    -- Percent of equity (buy) or of the position (sell); NULL for exit.
    size_pct    DOUBLE PRECISION CHECK (size_pct IS NULL OR (size_pct > 0 AND size_pct <= 100)),
    -- pending: waiting for the trading bot; taken / refused: its decision.
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'taken', 'refused')),
    details     JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX trading_actions_pending_idx ON trading_actions (user_id, bot, id) WHERE status = 'pending';

-- Flood control: every fire of an alert and what became of it. sent: notified
-- at once; held: waits for the user's digest (digest_window); flood: over
-- alert_flood_limit within alert_flood_window, not sent, the alert paused.
-- No foreign key to job_schedules: a held fire of a deleted alert still
-- reaches the digest.
CREATE TABLE alert_fires (
    id            BIGSERIAL PRIMARY KEY,
    schedule_id   INTEGER NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    run_id        BIGINT NOT NULL,
    fired_at      TIMESTAMPTZ NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('sent', 'held', 'flood')),
    message       TEXT NOT NULL,
    -- The digest window a held fire belongs to, and the digest message
    -- that listed it (NULL until the digest is sent).
    digest_window TIMESTAMPTZ,
    digest_message_id UUID,
    CONSTRAINT alert_fires_held_window CHECK ((outcome = 'held') = (digest_window IS NOT NULL))
);
CREATE INDEX alert_fires_schedule_idx ON alert_fires (schedule_id, fired_at);
CREATE INDEX alert_fires_held_idx ON alert_fires (user_id, digest_window) WHERE outcome = 'held' AND digest_message_id IS NULL;
CREATE INDEX alert_fires_fired_idx ON alert_fires (fired_at);

-- Each user's current digest window: it opens at a fire when none is open
-- and lasts digest_window; the first digest_first fires in it are sent.
CREATE TABLE alert_digests (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    window_start TIMESTAMPTZ,
    fires        INTEGER NOT NULL DEFAULT 0 CHECK (fires >= 0)
);

-- +goose Down
DROP TABLE alert_digests;
DROP TABLE alert_fires;
DROP TABLE trading_actions;
DROP TABLE tradingview_receipts;
DROP TABLE tradingview_tokens;
