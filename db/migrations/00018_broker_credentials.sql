-- +goose Up
-- Real brokers for trading bots (issue 12): per-user API credentials,
-- the secret sealed with the secrets keyring (secrets.Keyring, where
-- "broker_credentials:<user>:<broker>").
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

-- +goose Down
DROP TABLE broker_credentials;
