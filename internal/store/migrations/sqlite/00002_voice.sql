-- Voice channel: the language of a tenant's spoken prompts, and the SIP
-- accounts agents' phones register with (digest credentials stored as HA1
-- hashes for the realm, never the password). Keep in step with
-- ../postgres/00002_voice.sql.

-- +goose Up
ALTER TABLE tenants ADD COLUMN language TEXT NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en'));

CREATE TABLE sip_accounts (
    agent_id   INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL,
    username   TEXT NOT NULL UNIQUE,
    realm      TEXT NOT NULL,
    ha1_md5    TEXT NOT NULL,
    ha1_sha256 TEXT NOT NULL,
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE sip_accounts;
ALTER TABLE tenants DROP COLUMN language;
