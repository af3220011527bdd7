-- name: FundamentalsUpsert :exec
-- Writes a provider's figures through to the cache table; NULL where the
-- provider had no value.
INSERT INTO fundamentals (provider, symbol, name, market_cap, pe_ratio, avg_volume, sector, currency, fetched_at)
SELECT @provider::text, u.symbol, NULLIF(u.name, ''), NULLIF(u.market_cap, 'NaN'), NULLIF(u.pe_ratio, 'NaN'), NULLIF(u.avg_volume, 'NaN'),
    NULLIF(u.sector, ''), NULLIF(u.currency, ''), u.fetched_at
FROM (
    SELECT unnest(@symbols::text[]) AS symbol,
        unnest(@names::text[]) AS name,
        unnest(@market_caps::float8[]) AS market_cap,
        unnest(@pe_ratios::float8[]) AS pe_ratio,
        unnest(@avg_volumes::float8[]) AS avg_volume,
        unnest(@sectors::text[]) AS sector,
        unnest(@currencies::text[]) AS currency,
        unnest(@fetched_ats::timestamptz[]) AS fetched_at
) AS u
ON CONFLICT (provider, symbol) DO UPDATE
SET name = EXCLUDED.name, market_cap = EXCLUDED.market_cap, pe_ratio = EXCLUDED.pe_ratio,
    avg_volume = EXCLUDED.avg_volume, sector = EXCLUDED.sector, currency = EXCLUDED.currency,
    fetched_at = EXCLUDED.fetched_at;

-- name: FundamentalsGetSince :many
-- Figures saved since a time (the zero time: all): a restarted process serves
-- fresh ones instead of asking the provider again, and any age when the
-- provider fails.
SELECT provider, symbol, name, market_cap, pe_ratio, avg_volume, sector, currency, fetched_at
FROM fundamentals
WHERE provider = @provider AND symbol = ANY(@symbols::text[]) AND fetched_at >= @since::timestamptz;
