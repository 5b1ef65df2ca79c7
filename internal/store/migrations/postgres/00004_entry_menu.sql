-- Phone entry points' optional one-level voice menu: its options (JSON,
-- '' for none) and its recorded prompt (8 kHz mono 16-bit WAV, as the SIP
-- server plays it; version changes with each upload). Keep in step with
-- ../sqlite/00004_entry_menu.sql.

-- +goose Up
ALTER TABLE entry_points ADD COLUMN menu TEXT NOT NULL DEFAULT '';

CREATE TABLE entry_point_prompts (
    entry_point_id BIGINT PRIMARY KEY REFERENCES entry_points (id) ON DELETE CASCADE,
    tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
    audio          BYTEA NOT NULL,
    duration_ms    BIGINT NOT NULL CHECK (duration_ms > 0),
    version        BIGINT NOT NULL
);

-- +goose Down
DROP TABLE entry_point_prompts;
ALTER TABLE entry_points DROP COLUMN menu;
