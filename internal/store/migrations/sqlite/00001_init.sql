-- Plateau schema, SQLite dialect. Keep in step with ../postgres/00001_init.sql.
-- Times are TIMESTAMP columns written by the store in UTC with the driver's
-- "sqlite" format, so text order is time order. Nested lists are JSON text.
-- Composite foreign keys (tenant_id, x_id) make cross-tenant references
-- impossible at the database level.

-- +goose Up
CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sites (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    name          TEXT NOT NULL,
    country       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('onsite', 'nearshore', 'offshore', 'homeshoring')),
    cost_per_hour REAL NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE skills (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    always_open BOOLEAN NOT NULL DEFAULT 0,
    weekly      TEXT NOT NULL DEFAULT '[]',
    holidays    TEXT NOT NULL DEFAULT '[]',
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE queues (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id                INTEGER NOT NULL REFERENCES tenants (id),
    name                     TEXT NOT NULL,
    channel                  TEXT NOT NULL CHECK (channel IN ('voice', 'chat')),
    priority                 INTEGER NOT NULL DEFAULT 0,
    sl_target_pct            REAL NOT NULL,
    sl_threshold_seconds     INTEGER NOT NULL,
    skills                   TEXT NOT NULL DEFAULT '[]',
    relax                    TEXT NOT NULL DEFAULT '[]',
    max_wait_seconds         INTEGER NOT NULL DEFAULT 0,
    max_waiting              INTEGER NOT NULL DEFAULT 0,
    overflow_action          TEXT NOT NULL DEFAULT 'none' CHECK (overflow_action IN ('none', 'queue', 'callback', 'close')),
    overflow_queue_id        INTEGER,
    overflow_message         TEXT NOT NULL DEFAULT '',
    schedule_id              INTEGER,
    tiers                    TEXT NOT NULL DEFAULT '[]',
    aging_per_minute         REAL NOT NULL DEFAULT 0,
    strategy                 TEXT NOT NULL,
    offer_timeout_seconds    INTEGER NOT NULL,
    wrap_up_seconds          INTEGER NOT NULL DEFAULT 0,
    recording                BOOLEAN NOT NULL DEFAULT 0,
    recording_retention_days INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, overflow_queue_id) REFERENCES queues (tenant_id, id),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES schedules (tenant_id, id)
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    site_id       INTEGER NOT NULL,
    name          TEXT NOT NULL,
    skills        TEXT NOT NULL DEFAULT '[]',
    voice_capacity INTEGER NOT NULL DEFAULT 0,
    chat_capacity INTEGER NOT NULL DEFAULT 0,
    blend         BOOLEAN NOT NULL DEFAULT 0,
    queue_ids     TEXT NOT NULL DEFAULT '[]',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     INTEGER REFERENCES tenants (id),
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'client_viewer')),
    agent_id      INTEGER UNIQUE,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id)
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    INTEGER REFERENCES tenants (id),
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);

CREATE TABLE entry_points (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL CHECK (kind IN ('chat', 'phone')),
    address     TEXT NOT NULL,
    queue_id    INTEGER NOT NULL,
    schedule_id INTEGER,
    welcome     TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, address),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES queues (tenant_id, id),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES schedules (tenant_id, id)
);

-- agent_id columns below carry no foreign key on purpose: history keeps the
-- id of an agent who has since been deleted.
CREATE TABLE interactions (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id             INTEGER NOT NULL REFERENCES tenants (id),
    queue_id              INTEGER NOT NULL,
    channel               TEXT NOT NULL CHECK (channel IN ('voice', 'chat')),
    tier                  TEXT NOT NULL DEFAULT '',
    customer_name         TEXT NOT NULL DEFAULT '',
    customer_phone        TEXT NOT NULL DEFAULT '',
    customer_email        TEXT NOT NULL DEFAULT '',
    customer_external_id  TEXT NOT NULL DEFAULT '',
    state                 TEXT NOT NULL CHECK (state IN ('queued', 'offered', 'connected', 'wrap_up', 'callback', 'ended')),
    ended_reason          TEXT NOT NULL DEFAULT '',
    arrived_at            TIMESTAMP NOT NULL,
    answered_at           TIMESTAMP,
    ended_at              TIMESTAMP,
    announced_ewt_seconds INTEGER,
    announced_position    INTEGER,
    agent_id              INTEGER,
    disposition           TEXT NOT NULL DEFAULT '',
    notes                 TEXT NOT NULL DEFAULT '',
    csat_score            INTEGER CHECK (csat_score BETWEEN 1 AND 5),
    csat_comment          TEXT NOT NULL DEFAULT '',
    callback              TEXT,
    resume_token_hash     TEXT,
    last_msg_seq          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES queues (tenant_id, id)
);
CREATE INDEX interactions_open ON interactions (arrived_at, id) WHERE state <> 'ended';
CREATE INDEX interactions_phone ON interactions (tenant_id, customer_phone) WHERE customer_phone <> '';
CREATE INDEX interactions_email ON interactions (tenant_id, customer_email) WHERE customer_email <> '';
CREATE INDEX interactions_external ON interactions (tenant_id, customer_external_id) WHERE customer_external_id <> '';
CREATE UNIQUE INDEX interactions_resume ON interactions (tenant_id, resume_token_hash) WHERE resume_token_hash IS NOT NULL;

CREATE TABLE segments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL,
    interaction_id INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('queued', 'offered', 'connected', 'hold', 'wrap_up', 'abandoned', 'transferred', 'callback')),
    agent_id       INTEGER,
    queue_id       INTEGER,
    started_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    billable       BOOLEAN NOT NULL DEFAULT 0,
    -- Waiting is free: only handled time may ever be billed.
    CHECK (billable = 0 OR kind IN ('connected', 'hold', 'wrap_up')),
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    FOREIGN KEY (tenant_id, interaction_id) REFERENCES interactions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX segments_interaction ON segments (interaction_id, started_at);

CREATE TABLE messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL,
    interaction_id INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    sender         TEXT NOT NULL CHECK (sender IN ('customer', 'agent', 'system')),
    agent_id       INTEGER,
    client_msg_id  TEXT,
    body           TEXT NOT NULL,
    sent_at        TIMESTAMP NOT NULL,
    UNIQUE (interaction_id, seq),
    UNIQUE (interaction_id, client_msg_id),
    FOREIGN KEY (tenant_id, interaction_id) REFERENCES interactions (tenant_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE messages;
DROP TABLE segments;
DROP TABLE interactions;
DROP TABLE entry_points;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE agents;
DROP TABLE queues;
DROP TABLE schedules;
DROP TABLE skills;
DROP TABLE sites;
DROP TABLE tenants;
