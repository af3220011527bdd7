-- +goose Up
-- Real brokers for trading bots (issue 12): an alpaca bot's decision
-- records its orders (status open, submitted_at NULL) and the runner submits
-- them after the commit under their idempotency key as client_order_id; a
-- row still unsubmitted after a crash is looked up at the broker by that key
-- before it is placed. The broker's view is kept on the row: its id and
-- status, how much it filled (the cumulative quantity and notional already
-- booked as bot_fills), the last submission error.
ALTER TABLE bot_orders
    ADD COLUMN broker_status   TEXT,
    ADD COLUMN submitted_at    TIMESTAMPTZ,
    ADD COLUMN filled_qty      NUMERIC NOT NULL DEFAULT 0,
    ADD COLUMN filled_notional NUMERIC NOT NULL DEFAULT 0,
    ADD COLUMN broker_error    TEXT;

-- Orders a runner has to submit or poll: open orders of broker bots.
CREATE INDEX bot_orders_broker_open_idx ON bot_orders (bot_id) WHERE status = 'open' AND broker_status IS NOT NULL;

-- A broker fills an order in several executions: one row per execution,
-- keyed by fill_key. The paper broker fills an order once (fill_key '');
-- an alpaca fill's key is "<broker order id>:<cumulative filled quantity>",
-- so booking the same broker report twice inserts nothing.
ALTER TABLE bot_fills DROP CONSTRAINT bot_fills_order_key;
ALTER TABLE bot_fills ADD COLUMN fill_key TEXT NOT NULL DEFAULT '';
ALTER TABLE bot_fills ADD CONSTRAINT bot_fills_order_fill_key UNIQUE (order_id, fill_key);

-- +goose Down
ALTER TABLE bot_fills DROP CONSTRAINT bot_fills_order_fill_key;
ALTER TABLE bot_fills DROP COLUMN fill_key;
ALTER TABLE bot_fills ADD CONSTRAINT bot_fills_order_key UNIQUE (order_id);
DROP INDEX bot_orders_broker_open_idx;
ALTER TABLE bot_orders
    DROP COLUMN broker_status,
    DROP COLUMN submitted_at,
    DROP COLUMN filled_qty,
    DROP COLUMN filled_notional,
    DROP COLUMN broker_error;
