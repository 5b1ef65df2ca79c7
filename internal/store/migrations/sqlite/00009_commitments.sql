-- A tenant's service commitments: measurable rules over a month with their
-- thresholds (internal/commitment evaluates them). days and queue_ids are
-- JSON arrays. Keep in step with ../postgres/00009_commitments.sql.

-- +goose Up
CREATE TABLE commitments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('service_level', 'abandon_rate', 'announced_wait', 'callback', 'open_hours', 'satisfaction', 'recording_announced')),
    target_pct REAL NOT NULL CHECK (target_pct BETWEEN 0 AND 100),
    seconds    INTEGER NOT NULL DEFAULT 0,
    min_score  REAL NOT NULL DEFAULT 0,
    opens      TEXT NOT NULL DEFAULT '',
    closes     TEXT NOT NULL DEFAULT '',
    days       TEXT NOT NULL DEFAULT '[]',
    queue_ids  TEXT NOT NULL DEFAULT '[]',
    channel    TEXT NOT NULL DEFAULT '' CHECK (channel IN ('', 'voice', 'chat')),
    source     TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);

-- +goose Down
DROP TABLE commitments;
