-- +goose Up
-- Cache of fetched market data, shared by every process: the in-process cache
-- sits in front of it, and a failing provider falls back to it.
CREATE TABLE market_bars (
    symbol     TEXT NOT NULL,
    timeframe  TEXT NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w')),
    ts         TIMESTAMPTZ NOT NULL,
    open       DOUBLE PRECISION NOT NULL,
    high       DOUBLE PRECISION NOT NULL,
    low        DOUBLE PRECISION NOT NULL,
    close      DOUBLE PRECISION NOT NULL,
    volume     DOUBLE PRECISION NOT NULL,
    provider   TEXT NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (symbol, timeframe, ts)
);

-- +goose Down
DROP TABLE IF EXISTS market_bars;
