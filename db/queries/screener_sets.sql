-- name: ScreenerSetUpsert :one
INSERT INTO screener_sets (user_id, name, symbols)
VALUES (@user_id, @name, @symbols::text[])
ON CONFLICT (user_id, name) DO UPDATE SET symbols = EXCLUDED.symbols, updated_at = now()
RETURNING *;

-- name: ScreenerSetGet :one
SELECT * FROM screener_sets WHERE user_id = @user_id AND name = @name;

-- name: ScreenerSetList :many
SELECT * FROM screener_sets WHERE user_id = @user_id ORDER BY name;

-- name: ScreenerSetDelete :execrows
DELETE FROM screener_sets WHERE user_id = @user_id AND name = @name;
