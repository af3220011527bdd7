-- +goose Up
-- The web console's server-side sessions (issue 16). The browser's cookie
-- holds a random session id; only its SHA-256 is stored, never the API
-- token or login code that opened the session. csrf is the token every
-- state-changing form of the session carries.
CREATE TABLE console_sessions (
    id_hash      BYTEA PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL CHECK (length(csrf) BETWEEN 16 AND 128),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

-- Single-use login codes (`vigil serve --demo` prints one at every start):
-- stored hashed, used once, short-lived.
CREATE TABLE console_login_codes (
    code_hash  BYTEA PRIMARY KEY CHECK (length(code_hash) = 32),
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX console_login_codes_user ON console_login_codes (user_id);

-- +goose Down
DROP TABLE console_login_codes;
DROP TABLE console_sessions;
