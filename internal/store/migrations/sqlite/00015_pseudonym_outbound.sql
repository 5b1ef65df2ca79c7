-- The working day (issue 14): an agent's pseudonym, shown to customers in
-- place of the first name when set; and the outbound segment, the time an
-- agent talks on a call it placed from a chat to the number its customer
-- left for a callback (handled, so it may be billable). SQLite cannot
-- change a CHECK constraint: segments is built again (nothing refers to
-- it). Keep in step with ../postgres/00015_pseudonym_outbound.sql.

-- +goose Up
ALTER TABLE users ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';

CREATE TABLE segments_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL,
    interaction_id INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('queued', 'offered', 'connected', 'hold', 'wrap_up', 'abandoned', 'transferred', 'callback', 'outbound')),
    agent_id       INTEGER,
    queue_id       INTEGER,
    started_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    billable       BOOLEAN NOT NULL DEFAULT 0,
    -- Waiting is free: only handled time may ever be billed.
    CHECK (billable = 0 OR kind IN ('connected', 'hold', 'wrap_up', 'outbound')),
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    FOREIGN KEY (tenant_id, interaction_id) REFERENCES interactions (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO segments_new (id, tenant_id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable)
    SELECT id, tenant_id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable FROM segments;
DROP TABLE segments;
ALTER TABLE segments_new RENAME TO segments;
CREATE INDEX segments_interaction ON segments (interaction_id, started_at);

-- +goose Down
CREATE TABLE segments_old (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL,
    interaction_id INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('queued', 'offered', 'connected', 'hold', 'wrap_up', 'abandoned', 'transferred', 'callback')),
    agent_id       INTEGER,
    queue_id       INTEGER,
    started_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    billable       BOOLEAN NOT NULL DEFAULT 0,
    CHECK (billable = 0 OR kind IN ('connected', 'hold', 'wrap_up')),
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    FOREIGN KEY (tenant_id, interaction_id) REFERENCES interactions (tenant_id, id) ON DELETE CASCADE
);
-- An outbound call's time goes back to talk (connected).
INSERT INTO segments_old (id, tenant_id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable)
    SELECT id, tenant_id, interaction_id, CASE kind WHEN 'outbound' THEN 'connected' ELSE kind END, agent_id, queue_id, started_at, ended_at, billable FROM segments;
DROP TABLE segments;
ALTER TABLE segments_old RENAME TO segments;
CREATE INDEX segments_interaction ON segments (interaction_id, started_at);

ALTER TABLE users DROP COLUMN pseudonym;
