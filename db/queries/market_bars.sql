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
    volume = EXCLUDED.volume, provider = EXCLUDED.provider, fetched_at = now()
-- A bar stored unchanged is not rewritten (no new row version, index entries
-- or WAL: every alert group's fetch re-saves its whole lookback); the newest
-- bar always is, so the latest fetched_at, the cache's freshness, advances.
WHERE market_bars.ts >= (SELECT max(t) FROM unnest(@ts::timestamptz[]) AS t)
   OR (market_bars.open, market_bars.high, market_bars.low, market_bars.close, market_bars.volume, market_bars.provider)
      IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume, EXCLUDED.provider);

-- name: MarketBarsRange :many
SELECT ts, open, high, low, close, volume, provider, fetched_at FROM market_bars
WHERE symbol = @symbol AND timeframe = @timeframe AND ts >= @from_ts::timestamptz AND ts < @to_ts::timestamptz
ORDER BY ts;
