-- A tenant's canned responses: prepared answers agents insert in a chat by
-- their short code. Keep in step with ../postgres/00008_canned_responses.sql.

-- +goose Up
CREATE TABLE canned_responses (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    code      TEXT NOT NULL,
    title     TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL,
    UNIQUE (tenant_id, code)
);

-- +goose Down
DROP TABLE canned_responses;
