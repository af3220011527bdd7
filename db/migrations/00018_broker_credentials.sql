-- +goose Up
-- Real brokers for trading bots (issue 12): per-user API credentials,
-- the secret sealed with the secrets keyring (secrets.Keyring, where
-- "broker_credentials:<user>:<broker>"), and the broker side of bot_orders.
CREATE TABLE broker_credentials (
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    broker        TEXT NOT NULL CHECK (broker IN ('alpaca')),
    key_id        TEXT NOT NULL CHECK (length(key_id) BETWEEN 1 AND 128),
    secret_sealed TEXT NOT NULL,
    -- Only paper trading is supported.
    paper         BOOLEAN NOT NULL DEFAULT true CHECK (paper),
    -- An operator's override of the API's base URL (a stand-in, a proxy);
    -- NULL: the broker's paper endpoint. Not settable through the API.
    base_url      TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, broker)
);

-- An order of a bot on a real broker: recorded 'new' by the decision,
-- 'submitted' once the broker took it (broker_order_id), then the broker's
-- status as polled; broker_filled_qty and broker_filled_notional are what
-- the bot has booked of its fills so far. NULL broker_status: the paper
-- broker's order.
ALTER TABLE bot_orders
    ADD COLUMN broker_status TEXT,
    ADD COLUMN broker_filled_qty NUMERIC NOT NULL DEFAULT 0,
    ADD COLUMN broker_filled_notional NUMERIC NOT NULL DEFAULT 0,
    ADD COLUMN submitted_at TIMESTAMPTZ;
CREATE INDEX bot_orders_at_broker_idx ON bot_orders (bot_id, id) WHERE status = 'open' AND broker_status IS NOT NULL;

-- A broker may fill an order in parts: one fill per (order, cumulative
-- quantity); the paper broker's single fill has NULL and stays unique.
ALTER TABLE bot_fills DROP CONSTRAINT bot_fills_order_key;
ALTER TABLE bot_fills ADD COLUMN broker_filled_qty NUMERIC;
ALTER TABLE bot_fills ADD CONSTRAINT bot_fills_order_key UNIQUE NULLS NOT DISTINCT (order_id, broker_filled_qty);

-- +goose Down
ALTER TABLE bot_fills DROP CONSTRAINT bot_fills_order_key;
ALTER TABLE bot_fills DROP COLUMN broker_filled_qty;
ALTER TABLE bot_fills ADD CONSTRAINT bot_fills_order_key UNIQUE (order_id);
DROP INDEX bot_orders_at_broker_idx;
ALTER TABLE bot_orders DROP COLUMN broker_status, DROP COLUMN broker_filled_qty, DROP COLUMN broker_filled_notional,
    DROP COLUMN submitted_at;
DROP TABLE broker_credentials;
