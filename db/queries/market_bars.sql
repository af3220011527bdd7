-- name: MarketBarsUpsert :exec
INSERT INTO market_bars (symbol, timeframe, ts, open, high, low, close, volume, provider)
SELECT @symbol::text, @timeframe::text, u.ts, u.open, u.high, u.low, u.close, u.volume, @provider::text
FROM (
    SELECT unnest(@ts::timestamptz[]) AS ts,
        unnest(@opens::float8[]) AS open,
        unnest(@highs::float8[]) AS high,
        unnest(@lows::float8[]) AS low,
        unnest(@closes::float8[]) AS close,
        unnest(@volumes::float8[]) AS volume
) AS u
-- A bar stored with the same values by the same provider is left alone:
-- filtered out before the insert, so its row is neither locked nor
-- rewritten (ON CONFLICT … DO UPDATE WHERE would still lock it).
WHERE NOT EXISTS (
    SELECT 1 FROM market_bars m
    WHERE m.symbol = @symbol::text AND m.timeframe = @timeframe::text AND m.ts = u.ts
      AND m.provider = @provider::text
      AND (m.open, m.high, m.low, m.close, m.volume) = (u.open, u.high, u.low, u.close, u.volume)
)
ON CONFLICT (symbol, timeframe, ts) DO UPDATE
SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
    volume = EXCLUDED.volume, provider = EXCLUDED.provider, fetched_at = now();

-- name: MarketBarsRange :many
SELECT ts, open, high, low, close, volume, provider, fetched_at FROM market_bars
WHERE symbol = @symbol AND timeframe = @timeframe AND ts >= @from_ts::timestamptz AND ts < @to_ts::timestamptz
ORDER BY ts;
