-- +goose Up
-- Trading bots (issue 12): a bot is a row; `vigil tradingbot` (and `vigil
-- serve`) runs every running one. Each bar decision writes its orders, fills,
-- positions, equity snapshot and the engine's state (trading.State as JSON)
-- in one transaction. Money is NUMERIC (shopspring/decimal in Go); fee and
-- slippage rates are basis points.
CREATE TABLE trading_bots (
    id               BIGSERIAL PRIMARY KEY,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             TEXT NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    strategy         TEXT NOT NULL,
    params           JSONB NOT NULL DEFAULT '{}',
    symbols          TEXT[] NOT NULL CHECK (cardinality(symbols) BETWEEN 1 AND 20),
    timeframe        TEXT NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w')),
    broker           TEXT NOT NULL DEFAULT 'paper' CHECK (broker IN ('paper', 'alpaca')),
    initial_cash     NUMERIC NOT NULL CHECK (initial_cash > 0),
    cash             NUMERIC NOT NULL,
    maker_fee_bps    DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (maker_fee_bps >= 0 AND maker_fee_bps < 10000),
    taker_fee_bps    DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (taker_fee_bps >= 0 AND taker_fee_bps < 10000),
    slippage_bps     DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (slippage_bps >= 0 AND slippage_bps < 10000),
    fractional       BOOLEAN NOT NULL DEFAULT false,
    -- trading.RiskSettings as JSON.
    risk             JSONB NOT NULL DEFAULT '{}',
    -- running: decided on every closed bar; halted: a kill switch tripped,
    -- new entries are refused but exits, stops and open orders are still
    -- worked; stopped: not run at all.
    state            TEXT NOT NULL DEFAULT 'stopped' CHECK (state IN ('running', 'stopped', 'halted')),
    state_reason     TEXT NOT NULL DEFAULT '',
    -- trading.State after the last decision; NULL before the first.
    engine_state     JSONB,
    -- Symbols whose strategy state was warmed up on history before the
    -- bot's first decision on them.
    warmed_symbols   TEXT[] NOT NULL DEFAULT '{}',
    -- Open time of the last bar decided, and when that decision committed.
    last_bar_time    TIMESTAMPTZ,
    decided_at       TIMESTAMPTZ,
    bars_decided     BIGINT NOT NULL DEFAULT 0,
    -- Closed bars not traded because the bot was not run when they closed
    -- (downtime); bot_skipped_bars has the ranges.
    bars_skipped     BIGINT NOT NULL DEFAULT 0,
    -- The daily P&L summary: the UTC day it last covered and the equity it
    -- started the next one from.
    summary_day      DATE,
    summary_equity   NUMERIC,
    -- Bumped by every change of the definition, the state or a decision: a
    -- decision commits only on the revision it was computed from.
    revision         BIGINT NOT NULL DEFAULT 0,
    -- One runner per bot: the process holding an unexpired lease decides.
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT trading_bots_user_name_key UNIQUE (user_id, name)
);
CREATE INDEX trading_bots_runnable_idx ON trading_bots (id) WHERE state IN ('running', 'halted');

-- Every order a bot's decisions placed or refused. idempotency_key is
-- "<bot id>:<bar unix seconds>:<signal index>": a decision is a pure function
-- of the stored state and the bar, so a retried decision computes the same
-- keys and cannot insert an order twice; a real broker gets it as its
-- client_order_id.
CREATE TABLE bot_orders (
    id              BIGSERIAL PRIMARY KEY,
    bot_id          BIGINT NOT NULL REFERENCES trading_bots (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    -- trading.Order.ID; NULL for an order refused before it was placed.
    engine_order_id BIGINT,
    -- The bar whose decision placed (or refused) the order.
    bar_time        TIMESTAMPTZ NOT NULL,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    type            TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
    tif             TEXT NOT NULL CHECK (tif IN ('gtc', 'day')),
    quantity        NUMERIC,
    notional        NUMERIC,
    all_cash        BOOLEAN NOT NULL DEFAULT false,
    close_position  BOOLEAN NOT NULL DEFAULT false,
    limit_price     NUMERIC,
    stop_price      NUMERIC,
    status          TEXT NOT NULL CHECK (status IN ('open', 'filled', 'cancelled', 'refused')),
    -- Why it was placed (signal, stop_loss, kill_switch, action...).
    reason          TEXT NOT NULL DEFAULT '',
    -- Why it was refused or cancelled.
    refusal         TEXT,
    broker_order_id TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT bot_orders_idempotency_key UNIQUE (idempotency_key),
    -- A second fence: an engine order is recorded once.
    CONSTRAINT bot_orders_engine_order_key UNIQUE (bot_id, engine_order_id)
);
CREATE INDEX bot_orders_bot_idx ON bot_orders (bot_id, id DESC);

-- Executions; the paper broker fills an order whole, once.
CREATE TABLE bot_fills (
    id         BIGSERIAL PRIMARY KEY,
    bot_id     BIGINT NOT NULL REFERENCES trading_bots (id) ON DELETE CASCADE,
    order_id   BIGINT NOT NULL REFERENCES bot_orders (id) ON DELETE CASCADE,
    -- Open time of the bar it filled on.
    bar_time   TIMESTAMPTZ NOT NULL,
    symbol     TEXT NOT NULL,
    side       TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    price      NUMERIC NOT NULL,
    quantity   NUMERIC NOT NULL,
    fee        NUMERIC NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    -- Set on the fill that closed a position: the round trip's P&L, net of
    -- its fees.
    trade_pnl  NUMERIC,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT bot_fills_order_key UNIQUE (order_id)
);
CREATE INDEX bot_fills_bot_idx ON bot_fills (bot_id, bar_time);

-- Open positions after the last decision (average cost).
CREATE TABLE bot_positions (
    bot_id     BIGINT NOT NULL REFERENCES trading_bots (id) ON DELETE CASCADE,
    symbol     TEXT NOT NULL,
    quantity   NUMERIC NOT NULL,
    avg_cost   NUMERIC NOT NULL,
    last_close NUMERIC NOT NULL,
    opened_at  TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, symbol)
);

-- One row per bar decision: the equity curve. decided_at is written last in
-- the decision's transaction (decision latency = decided_at − bar close).
CREATE TABLE bot_equity_snapshots (
    bot_id          BIGINT NOT NULL REFERENCES trading_bots (id) ON DELETE CASCADE,
    bar_time        TIMESTAMPTZ NOT NULL,
    equity          NUMERIC NOT NULL,
    cash            NUMERIC NOT NULL,
    positions_value NUMERIC NOT NULL,
    realised        NUMERIC NOT NULL,
    fees_paid       NUMERIC NOT NULL,
    decided_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (bot_id, bar_time)
);

-- Closed bars a bot did not trade, with why (downtime).
CREATE TABLE bot_skipped_bars (
    id         BIGSERIAL PRIMARY KEY,
    bot_id     BIGINT NOT NULL REFERENCES trading_bots (id) ON DELETE CASCADE,
    symbol     TEXT NOT NULL,
    first_bar  TIMESTAMPTZ NOT NULL,
    last_bar   TIMESTAMPTZ NOT NULL,
    bars       INTEGER NOT NULL CHECK (bars > 0),
    reason     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX bot_skipped_bars_bot_idx ON bot_skipped_bars (bot_id, id);

-- +goose Down
DROP TABLE bot_skipped_bars;
DROP TABLE bot_equity_snapshots;
DROP TABLE bot_positions;
DROP TABLE bot_fills;
DROP TABLE bot_orders;
DROP TABLE trading_bots;
