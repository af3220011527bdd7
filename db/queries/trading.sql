-- Trading bots (package tradingbot): definitions, leases, bar decisions.

-- name: TradingBotCreate :one
INSERT INTO trading_bots (
    user_id, name, strategy, params, symbols, timeframe, broker, initial_cash, cash,
    maker_fee_bps, taker_fee_bps, slippage_bps, fractional, risk, state, state_reason
) VALUES (
    @user_id, @name, @strategy, @params, @symbols, @timeframe, @broker, @initial_cash, @initial_cash,
    @maker_fee_bps, @taker_fee_bps, @slippage_bps, @fractional, @risk, @state, @state_reason
)
RETURNING *;

-- name: TradingBotUpdateDefinition :one
-- The service decides what an edit resets (engine_state, warmed_symbols,
-- last_bar_time) and passes the results.
UPDATE trading_bots SET
    strategy = @strategy, params = @params, symbols = @symbols, timeframe = @timeframe, broker = @broker,
    initial_cash = @initial_cash, cash = @cash, maker_fee_bps = @maker_fee_bps, taker_fee_bps = @taker_fee_bps,
    slippage_bps = @slippage_bps, fractional = @fractional, risk = @risk,
    engine_state = sqlc.narg('engine_state'), warmed_symbols = @warmed_symbols,
    last_bar_time = sqlc.narg('last_bar_time'), revision = revision + 1, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: TradingBotGet :one
SELECT * FROM trading_bots WHERE id = @id;

-- name: TradingBotLock :one
-- A change by the service: the row is locked until the change commits.
SELECT * FROM trading_bots WHERE id = @id FOR UPDATE;

-- name: TradingBotLockByName :one
SELECT * FROM trading_bots WHERE user_id = @user_id AND name = @name FOR UPDATE;

-- name: TradingBotList :many
-- Every bot (user_id NULL) or one user's.
SELECT * FROM trading_bots
WHERE sqlc.narg('user_id')::bigint IS NULL OR user_id = sqlc.narg('user_id')::bigint
ORDER BY id;

-- name: TradingBotSetState :one
-- Stopping a bot drops its lease, so that no runner keeps it.
UPDATE trading_bots SET state = @state, state_reason = @state_reason,
    engine_state = sqlc.narg('engine_state'),
    lease_owner = CASE WHEN @state::text = 'stopped' THEN NULL ELSE lease_owner END,
    lease_expires_at = CASE WHEN @state::text = 'stopped' THEN NULL ELSE lease_expires_at END,
    revision = revision + 1, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: TradingBotAcquireLeases :many
-- Takes (or renews) the lease of every runnable bot that is free, expired or
-- already this owner's. Rows another process leases meanwhile are re-checked
-- after its commit and left to it.
UPDATE trading_bots SET lease_owner = @owner, lease_expires_at = now() + make_interval(secs => @ttl_seconds::float8)
WHERE state IN ('running', 'halted')
  AND (lease_owner IS NULL OR lease_owner = @owner OR lease_expires_at < now())
RETURNING id, user_id, name, symbols, timeframe, broker, state, last_bar_time, lease_expires_at;

-- name: TradingBotReleaseLeases :execrows
UPDATE trading_bots SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = @owner;

-- name: TradingBotSaveDecision :exec
-- The decision's first write, which claims the bot: it changes the row only
-- while this owner holds an unexpired lease, the bot is runnable and
-- nothing changed it since the revision the decision was computed from (no
-- other decision, edit or stop). The row stays locked until the decision
-- commits, so no other runner can take the lease meanwhile.
UPDATE trading_bots SET engine_state = @engine_state, cash = @cash, warmed_symbols = @warmed_symbols,
    last_bar_time = @last_bar_time, decided_at = clock_timestamp(), bars_decided = bars_decided + 1,
    bars_skipped = bars_skipped + @skipped::bigint, state = @state, state_reason = @state_reason,
    summary_day = sqlc.narg('summary_day'), summary_equity = sqlc.narg('summary_equity'),
    revision = revision + 1, updated_at = now()
WHERE id = @id AND lease_owner = @owner AND lease_expires_at > now() AND state IN ('running', 'halted')
  AND revision = @revision;

-- name: BotOrderInsert :exec
INSERT INTO bot_orders (
    bot_id, idempotency_key, engine_order_id, bar_time, symbol, side, type, tif, quantity, notional,
    all_cash, close_position, limit_price, stop_price, status, reason, refusal, broker_status
) VALUES (
    @bot_id, @idempotency_key, sqlc.narg('engine_order_id'), @bar_time, @symbol, @side, @type, @tif,
    sqlc.narg('quantity'), sqlc.narg('notional'), @all_cash, @close_position, sqlc.narg('limit_price'),
    sqlc.narg('stop_price'), @status, @reason, sqlc.narg('refusal'), sqlc.narg('broker_status')
);

-- name: BotOrderFinish :execrows
-- An open order of an earlier decision filled, was cancelled or refused.
UPDATE bot_orders SET status = @status, refusal = sqlc.narg('refusal'), updated_at = now()
WHERE bot_id = @bot_id AND engine_order_id = @engine_order_id AND status = 'open';

-- name: BotOrderList :many
SELECT * FROM bot_orders WHERE bot_id = @bot_id ORDER BY id;

-- name: BotFillInsert :execrows
INSERT INTO bot_fills (bot_id, order_id, bar_time, symbol, side, price, quantity, fee, reason, trade_pnl, fill_key)
SELECT @bot_id, o.id, @bar_time, @symbol, @side, @price, @quantity, @fee, @reason, sqlc.narg('trade_pnl'), @fill_key
FROM bot_orders o
WHERE o.bot_id = @bot_id AND o.engine_order_id = @engine_order_id;

-- name: BotFillList :many
SELECT * FROM bot_fills WHERE bot_id = @bot_id ORDER BY id;

-- name: BotFillCountBetween :one
SELECT count(*) FROM bot_fills WHERE bot_id = @bot_id AND bar_time >= @from_time AND bar_time < @to_time;

-- name: BotPositionUpsert :exec
INSERT INTO bot_positions (bot_id, symbol, quantity, avg_cost, last_close, opened_at)
VALUES (@bot_id, @symbol, @quantity, @avg_cost, @last_close, @opened_at)
ON CONFLICT (bot_id, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, avg_cost = EXCLUDED.avg_cost,
    last_close = EXCLUDED.last_close, opened_at = EXCLUDED.opened_at, updated_at = now();

-- name: BotPositionsDeleteExcept :exec
-- Positions closed by the decision: every row whose symbol is not held.
DELETE FROM bot_positions WHERE bot_id = @bot_id AND NOT (symbol = ANY (@held::text[]));

-- name: BotPositionList :many
SELECT * FROM bot_positions WHERE bot_id = @bot_id ORDER BY symbol;

-- name: BotEquityInsert :exec
INSERT INTO bot_equity_snapshots (bot_id, bar_time, equity, cash, positions_value, realised, fees_paid)
VALUES (@bot_id, @bar_time, @equity, @cash, @positions_value, @realised, @fees_paid);

-- name: BotEquityList :many
SELECT * FROM bot_equity_snapshots WHERE bot_id = @bot_id ORDER BY bar_time;

-- name: BotSkippedInsert :exec
INSERT INTO bot_skipped_bars (bot_id, symbol, first_bar, last_bar, bars, reason)
VALUES (@bot_id, @symbol, @first_bar, @last_bar, @bars, @reason);

-- name: BotSkippedList :many
SELECT * FROM bot_skipped_bars WHERE bot_id = @bot_id ORDER BY id;

-- name: TradingActionsPendingForBot :many
-- The pending actions sent to a bot (by its owner's webhooks, alerts and
-- screeners), oldest first, locked for the decision that takes them.
SELECT * FROM trading_actions
WHERE user_id = @user_id AND bot = @bot AND status = 'pending'
ORDER BY id
FOR UPDATE SKIP LOCKED;

-- name: TradingActionDecide :exec
-- Records what a bot's decision made of an action: taken (queued as an
-- order, checked by the risk engine at the next bar) or refused (why).
UPDATE trading_actions SET status = @status,
    details = details || jsonb_build_object('bot_id', @bot_id::bigint, 'bar_time', @bar_time::timestamptz, 'reason', NULLIF(@reason::text, ''))
WHERE id = @id AND status = 'pending';

-- Interfaces (API, Telegram, reports): every read and change scoped to the
-- owner in SQL (user_id NULL: an operator, every user's bots).

-- name: TradingBotGetOwned :one
SELECT * FROM trading_bots
WHERE id = @id AND (sqlc.narg('user_id')::bigint IS NULL OR user_id = sqlc.narg('user_id')::bigint);

-- name: TradingBotLockOwned :one
SELECT * FROM trading_bots
WHERE id = @id AND (sqlc.narg('user_id')::bigint IS NULL OR user_id = sqlc.narg('user_id')::bigint)
FOR UPDATE;

-- name: TradingBotGetByName :one
-- A user's bot by name, case-insensitively (an exact match first).
SELECT * FROM trading_bots
WHERE user_id = @user_id AND lower(name) = lower(@name)
ORDER BY (name = @name) DESC, id
LIMIT 1;

-- name: TradingBotDelete :execrows
DELETE FROM trading_bots
WHERE id = @id AND (sqlc.narg('user_id')::bigint IS NULL OR user_id = sqlc.narg('user_id')::bigint);

-- name: BotOrderListRecent :many
-- The newest orders first.
SELECT * FROM bot_orders WHERE bot_id = @bot_id ORDER BY id DESC LIMIT @lim;

-- name: BotEquitySeries :many
-- The newest snapshots in [from, to), newest first.
SELECT * FROM bot_equity_snapshots
WHERE bot_id = @bot_id AND bar_time >= @from_time AND bar_time < @to_time
ORDER BY bar_time DESC LIMIT @lim;

-- name: BotOrderListBrokerOpen :many
-- The open orders of a broker bot: to submit (submitted_at NULL) or poll.
SELECT * FROM bot_orders
WHERE bot_id = @bot_id AND status = 'open' AND broker_status IS NOT NULL
ORDER BY id;

-- name: BotOrderSubmitted :execrows
-- The broker took the order (or already had it under its client_order_id).
UPDATE bot_orders SET broker_order_id = @broker_order_id, broker_status = @broker_status,
    submitted_at = coalesce(submitted_at, now()), broker_error = NULL, updated_at = now()
WHERE id = @id AND bot_id = @bot_id AND status = 'open';

-- name: BotOrderSubmitFailed :execrows
-- The submission did not reach the broker (down, timeouts): retried later.
UPDATE bot_orders SET broker_error = @broker_error, updated_at = now()
WHERE id = @id AND bot_id = @bot_id AND status = 'open' AND submitted_at IS NULL;

-- name: BotOrderRejected :execrows
-- The broker refused the order: it is final, with the broker's reason.
UPDATE bot_orders SET status = 'refused', broker_status = 'rejected', refusal = @refusal, broker_error = NULL,
    updated_at = now()
WHERE id = @id AND bot_id = @bot_id AND status = 'open';

-- name: BotOrderBrokerUpdate :execrows
-- A poll of the broker booked in a decision: the cumulative fill and the
-- broker's status; status leaves open when the broker's order is final.
UPDATE bot_orders SET broker_status = @broker_status, filled_qty = @filled_qty, filled_notional = @filled_notional,
    status = @status, refusal = sqlc.narg('refusal'), updated_at = now()
WHERE id = @id AND bot_id = @bot_id AND status = 'open';

-- name: BotFillInsertBroker :execrows
-- One execution of a broker order; the same report twice inserts nothing.
INSERT INTO bot_fills (bot_id, order_id, bar_time, symbol, side, price, quantity, fee, reason, trade_pnl, fill_key)
VALUES (@bot_id, @order_id, @bar_time, @symbol, @side, @price, @quantity, @fee, @reason, sqlc.narg('trade_pnl'), @fill_key)
ON CONFLICT (order_id, fill_key) DO NOTHING;
