-- The API's password sessions, kept in the store so that every node of a
-- cluster accepts a session signed in on any of them (docs/cluster.md).
-- One node keeps them in memory and never uses this table. The session id
-- is stored as its SHA-256 (hash), as API tokens are; a user's sessions go
-- with the user. Keep in step with ../postgres/00017_api_sessions.sql.

-- +goose Up
CREATE TABLE api_sessions (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  INTEGER,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX api_sessions_user ON api_sessions (user_id);
CREATE INDEX api_sessions_expires ON api_sessions (expires_at);

-- +goose Down
DROP TABLE api_sessions;
