-- +goose Up
-- Fundamentals cache: the latest figures per (provider, symbol), written
-- through by the fundamentals manager and read back when the provider fails.
CREATE TABLE fundamentals (
    provider   TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    name       TEXT,
    market_cap DOUBLE PRECISION,
    pe_ratio   DOUBLE PRECISION,
    avg_volume DOUBLE PRECISION,
    sector     TEXT,
    currency   TEXT,
    fetched_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, symbol)
);

-- A user's named ticker lists, screened with screener_set "custom:NAME".
CREATE TABLE screener_sets (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    symbols    TEXT[] NOT NULL CHECK (cardinality(symbols) BETWEEN 1 AND 1000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);

-- Portfolios and their holdings, managed by their owner through the API and
-- the bot; portfolio_analysis reports read them.
CREATE TABLE portfolios (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    currency   TEXT NOT NULL DEFAULT 'USD',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);

CREATE TABLE portfolio_holdings (
    portfolio_id BIGINT NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    symbol       TEXT NOT NULL CHECK (symbol ~ '^[A-Z0-9][A-Z0-9.\-_=^/]{0,31}$'),
    quantity     DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
    -- Average price paid per unit; P&L is measured against it.
    cost_basis   DOUBLE PRECISION NOT NULL CHECK (cost_basis >= 0),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, symbol)
);

-- Files a run produced (report charts), downloadable from the API.
CREATE TABLE report_artifacts (
    id           BIGSERIAL PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES job_schedule_runs (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (run_id, name)
);

-- +goose Down
DROP TABLE report_artifacts;
DROP TABLE portfolio_holdings;
DROP TABLE portfolios;
DROP TABLE screener_sets;
DROP TABLE fundamentals;
