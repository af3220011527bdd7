-- name: PortfolioCreate :one
INSERT INTO portfolios (user_id, name, currency)
VALUES (@user_id, @name, @currency)
RETURNING *;

-- name: PortfolioGet :one
-- Owner-scoped: another user's portfolio is not found.
SELECT * FROM portfolios WHERE id = @id AND user_id = @user_id;

-- name: PortfolioGetByName :one
SELECT * FROM portfolios WHERE user_id = @user_id AND name = @name;

-- name: PortfolioList :many
SELECT * FROM portfolios WHERE user_id = @user_id ORDER BY name;

-- name: PortfolioListWithCounts :many
-- A user's portfolios with how many holdings each has, in one query.
SELECT p.id, p.name, p.currency,
    (SELECT count(*) FROM portfolio_holdings h WHERE h.portfolio_id = p.id)::int AS holdings
FROM portfolios p WHERE p.user_id = @user_id ORDER BY p.name;

-- name: PortfolioDelete :execrows
DELETE FROM portfolios WHERE id = @id AND user_id = @user_id;

-- name: PortfolioTouch :exec
UPDATE portfolios SET updated_at = now() WHERE id = @id;

-- name: HoldingUpsert :one
INSERT INTO portfolio_holdings (portfolio_id, symbol, quantity, cost_basis)
VALUES (@portfolio_id, @symbol, @quantity, @cost_basis)
ON CONFLICT (portfolio_id, symbol) DO UPDATE
SET quantity = EXCLUDED.quantity, cost_basis = EXCLUDED.cost_basis, updated_at = now()
RETURNING *;

-- name: HoldingDelete :execrows
DELETE FROM portfolio_holdings WHERE portfolio_id = @portfolio_id AND symbol = @symbol;

-- name: HoldingList :many
SELECT * FROM portfolio_holdings WHERE portfolio_id = @portfolio_id ORDER BY symbol;
