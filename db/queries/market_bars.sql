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
ON CONFLICT (symbol, timeframe, ts) DO UPDATE
SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
    volume = EXCLUDED.volume, provider = EXCLUDED.provider, fetched_at = now();

-- name: MarketBarsRange :many
SELECT ts, open, high, low, close, volume, provider, fetched_at FROM market_bars
WHERE symbol = @symbol AND timeframe = @timeframe AND ts >= @from_ts::timestamptz AND ts < @to_ts::timestamptz
ORDER BY ts;
